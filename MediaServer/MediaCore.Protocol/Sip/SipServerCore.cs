using System.Security.Cryptography;
using System.Text;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sip;

/// <summary>Where the core sends a message: <see cref="PeerAddress.IsTcp"/> names a TCP connection.</summary>
public readonly record struct SipTransmit(PeerAddress Destination, byte[] Data);

/// <summary>Settings of the <see cref="SipServerCore"/>.</summary>
/// <param name="Realm">Digest realm (RFC 3261 §22.1): the server's name as terminals show it.</param>
/// <param name="NonceKey">Key of the stateless nonces (32 bytes).</param>
/// <param name="ContactHost">host:port the server puts in its Contact (where in-dialog requests go).</param>
public sealed record SipServerOptions(string Realm, byte[] NonceKey, string ContactHost)
{
    public string ServerName { get; init; } = "MediaCore";
    /// <summary>Registration lifetimes accepted (RFC 3261 §10.3 step 7: shorter gets 423 with Min-Expires).</summary>
    public int MinExpires { get; init; } = 60;
    public int MaxExpires { get; init; } = 3600;
}

/// <summary>
/// A SIP user agent server (RFC 3261) for terminals that call into rooms: transaction layer (§17.2, server side),
/// dialogs (§12) and a registrar (§10.3), driven sans-IO like every protocol component here. The host feeds
/// whole messages (<see cref="HandleReceive"/>: a UDP datagram or a message framed from TCP by
/// <see cref="SipFraming"/>), calls <see cref="HandleTimeout"/> when <see cref="PollTimeout"/> is due and sends
/// what <see cref="TryPollTransmit"/> yields. Media decisions belong to the <see cref="ISipApplication"/>.
/// </summary>
/// <remarks>
/// Bad input never throws: a request that can be answered gets a 4xx with the reason in a Warning-free
/// reason phrase, anything else is dropped. REGISTER and INVITE are challenged with digest (RFC 2617, MD5);
/// in-dialog requests are matched by Call-ID and tags (§12.2.2). Over UDP the final response of each server
/// transaction is kept for Timer J/H (64*T1) so retransmitted requests get it again, a non-2xx to INVITE is
/// retransmitted until the ACK (Timer G), and the 2xx until its ACK (§13.3.1.4), after which a call without
/// an ACK is ended with a BYE. Our own BYEs are non-INVITE client transactions (§17.1.2): over UDP retransmitted
/// with Timer E (T1 doubling to T2) until a final response, abandoned after Timer F (64*T1).
/// </remarks>
public sealed partial class SipServerCore(SipServerOptions options, ISipApplication application)
{
    private static readonly long T1 = 500 * TimeSpan.TicksPerMillisecond;
    private static readonly long T2 = 4 * TimeSpan.TicksPerSecond;
    private static readonly long TransactionLifetime = 64 * T1;
    private const string AllowedMethods = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO";
    /// <summary>Transactions remembered at most (a flood of new branches cannot grow memory without bound).</summary>
    public const int MaxTransactions = 20_000;
    public const int MaxCalls = 5_000;

    private readonly SipDigest _digest = new(options.NonceKey, options.Realm);
    private readonly Dictionary<string, ServerTransaction> _transactions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SipCall> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClientTransaction> _clientTransactions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Registration> _registrations = new(StringComparer.OrdinalIgnoreCase);
    private readonly Queue<SipTransmit> _out = new();
    private long _nextSweep = MediaTime.Never;

    public IReadOnlyCollection<SipCall> Calls => _calls.Values;
    public int RequestsRejected { get; private set; }
    public int MessagesUnparseable { get; private set; }

    public void HandleReceive(long nowTicks, ReadOnlySpan<byte> data, PeerAddress from, bool stream)
    {
        if (!SipParser.TryParse(data, stream, out var message, out var error))
        {
            MessagesUnparseable++;
            TryRejectUnparseable(data, stream, from, error);
            return;
        }
        if (!message.IsRequest)
        {
            OnResponse(message);
            return;
        }
        HandleRequest(nowTicks, message, from);
    }

    /// <summary>Our BYEs still waiting for a final response (non-INVITE client transactions, RFC 3261 §17.1.2).</summary>
    public int PendingClientTransactions => _clientTransactions.Count;

    // §17.1.3: a response matches the client transaction by the top Via's branch (and CSeq method); a final one completes it,
    // a provisional one moves it to Proceeding, where UDP retransmits every T2 (§17.1.2.2).
    private void OnResponse(SipMessage response)
    {
        var vias = response.GetAll(SipHeaderNames.Via);
        if (vias.Count == 0 || !SipVia.TryParse(vias[0], out var via) || via.Branch is not { } branch) return;
        if (!_clientTransactions.TryGetValue(branch, out var t)) return;
        if (!response.TryGetCSeq(out _, out var method) || method != t.Method) return;
        if (response.StatusCode >= 200) _clientTransactions.Remove(branch);
        else t.Interval = T2;
    }

    public bool TryPollTransmit(out SipTransmit transmit) => _out.TryDequeue(out transmit);

    public long PollTimeout()
    {
        long due = _nextSweep;
        foreach (var t in _transactions.Values) if (t.NextRetransmitAt < due) due = t.NextRetransmitAt;
        foreach (var t in _clientTransactions.Values)
        {
            if (t.NextRetransmitAt < due) due = t.NextRetransmitAt;
            if (t.GiveUpAt < due) due = t.GiveUpAt;
        }
        foreach (var c in _calls.Values)
        {
            if (c.NextRetransmitAt < due) due = c.NextRetransmitAt;
            if (c.GiveUpAt < due) due = c.GiveUpAt;
        }
        return due;
    }

    public void HandleTimeout(long nowTicks)
    {
        List<string>? expired = null;
        foreach (var (key, t) in _transactions)
        {
            if (t.ExpiresAt <= nowTicks) { (expired ??= []).Add(key); continue; }
            if (t.NextRetransmitAt <= nowTicks && t.Response != null)
            {
                _out.Enqueue(new SipTransmit(t.Source, t.Response));
                t.Interval = Math.Min(t.Interval * 2, T2);
                t.NextRetransmitAt = nowTicks + t.Interval;
            }
        }
        if (expired != null) foreach (var k in expired) _transactions.Remove(k);

        // §17.1.2.2: Timer E retransmits a non-INVITE request over UDP (T1, doubling to T2); Timer F (64*T1) gives up.
        expired = null;
        foreach (var (branch, t) in _clientTransactions)
        {
            if (t.GiveUpAt <= nowTicks) { (expired ??= []).Add(branch); continue; }
            if (t.NextRetransmitAt <= nowTicks)
            {
                _out.Enqueue(new SipTransmit(t.Destination, t.Request));
                t.Interval = Math.Min(t.Interval * 2, T2);
                t.NextRetransmitAt = nowTicks + t.Interval;
            }
        }
        if (expired != null) foreach (var k in expired) _clientTransactions.Remove(k);

        List<SipCall>? dead = null;
        foreach (var c in _calls.Values)
        {
            if (c.State == SipCallState.Answered && c.GiveUpAt <= nowTicks) { (dead ??= []).Add(c); continue; }
            if (c.State == SipCallState.Answered && c.NextRetransmitAt <= nowTicks && c.Ok != null)
            {
                _out.Enqueue(new SipTransmit(c.Remote, c.Ok));
                c.RetransmitInterval = Math.Min(c.RetransmitInterval * 2, T2);
                c.NextRetransmitAt = nowTicks + c.RetransmitInterval;
            }
        }
        // §13.3.1.4: no ACK within 64*T1 ends the dialog with a BYE.
        if (dead != null) foreach (var c in dead) Hangup(nowTicks, c, "no ACK");
        _nextSweep = _transactions.Count > 0 ? nowTicks + T1 : MediaTime.Never;
    }

    /// <summary>Ends a call from the server side (room closed, kicked): sends BYE (§15.1.1) and reports it ended.</summary>
    public void Hangup(long nowTicks, SipCall call, string reason)
    {
        if (call.State == SipCallState.Ended) return;
        if (call.State == SipCallState.Proceeding && call.PendingInvite != null)
        {
            Respond(nowTicks, call.PendingInvite, call.PendingFrom, 480, "Temporarily Unavailable", call.LocalTag, transaction: true);
        }
        else
        {
            var target = call.RemoteContact ?? call.RemoteUri;
            var branch = SipVia.MagicCookie + Token(10);
            var bye = SipMessageWriter.Request("BYE", target)
                .Header(SipHeaderNames.Via, $"SIP/2.0/{(call.Remote.IsTcp ? "TCP" : "UDP")} {options.ContactHost};branch={branch}")
                .Header(SipHeaderNames.MaxForwards, "70")
                .Header(SipHeaderNames.From, call.LocalTo.Contains(";tag=", StringComparison.Ordinal) ? call.LocalTo : call.LocalTo + ";tag=" + call.LocalTag)
                .Header(SipHeaderNames.To, call.RemoteFrom)
                .Header(SipHeaderNames.CallId, call.CallId)
                .Header(SipHeaderNames.CSeq, $"{++call.LocalCSeq} BYE")
                .Header(SipHeaderNames.UserAgent, options.ServerName)
                .ToBytes();
            _out.Enqueue(new SipTransmit(call.Remote, bye));
            // Over TCP the transport is reliable (§17.1.2.2: Timer E only for unreliable transports); UDP retransmits until answered.
            if (!call.Remote.IsTcp && _clientTransactions.Count < MaxTransactions)
            {
                _clientTransactions[branch] = new ClientTransaction
                {
                    Method = "BYE", Request = bye, Destination = call.Remote, Interval = T1,
                    NextRetransmitAt = nowTicks + T1, GiveUpAt = nowTicks + TransactionLifetime,
                };
            }
        }
        End(nowTicks, call, reason);
    }

    /// <summary>Answers an INVITE the application took with <see cref="SipInviteResult.Later"/>.</summary>
    public void Answer(long nowTicks, SipCall call, SipInviteResult result)
    {
        if (call.State != SipCallState.Proceeding || call.PendingInvite == null || result.Status == 0) return;
        var invite = call.PendingInvite;
        call.PendingInvite = null;
        Complete(nowTicks, call, invite, call.PendingFrom, result);
    }

    private void HandleRequest(long nowTicks, SipMessage request, PeerAddress from)
    {
        string method = request.Method!;
        var vias = request.GetAll(SipHeaderNames.Via);
        if (vias.Count == 0 || !SipVia.TryParse(vias[0], out var via))
        {
            MessagesUnparseable++; // nowhere to send a response (§8.2.6.2 needs the Via)
            return;
        }
        if (request.CallId is not { Length: > 0 } callId || request.Get(SipHeaderNames.From) is not { } fromHeader
            || !SipNameAddress.TryParse(fromHeader, out var fromAddress) || request.Get(SipHeaderNames.To) is not { } toHeader
            || !SipNameAddress.TryParse(toHeader, out var toAddress))
        {
            if (method != "ACK") Reject(nowTicks, request, from, 400, "Missing or malformed From, To or Call-ID");
            return;
        }
        if (!request.TryGetCSeq(out uint cseq, out var cseqMethod) || (cseqMethod != method && method != "ACK" && method != "CANCEL"))
        {
            if (method != "ACK") Reject(nowTicks, request, from, 400, "Missing or malformed CSeq");
            return;
        }
        var key = TransactionKey(via, method is "ACK" or "CANCEL" ? (method == "CANCEL" ? "CANCEL" : "INVITE") : method, request, cseq);
        if (method == "ACK")
        {
            OnAck(nowTicks, request, key, callId, toAddress.Tag, fromAddress.Tag);
            return;
        }
        if (_transactions.TryGetValue(key, out var existing))
        {
            // A retransmission (§17.2.1 / §17.2.2): resend the last response, if there is one.
            if (existing.Response != null) _out.Enqueue(new SipTransmit(from, existing.Response));
            return;
        }
        if (request.Get(SipHeaderNames.MaxForwards) is { } mf && (!int.TryParse(mf, out int hops) || hops <= 0))
        {
            Reject(nowTicks, request, from, 483, null);
            return;
        }
        if (!SipUri.TryParse(request.RequestUri, out var requestUri))
        {
            Reject(nowTicks, request, from, 416, "Unsupported URI Scheme");
            return;
        }
        if (request.Get(SipHeaderNames.Require) is { Length: > 0 } require && method != "CANCEL")
        {
            // §8.2.2.3: we support no extension a client may require.
            Respond(nowTicks, request, from, 420, null, null, transaction: true, (SipHeaderNames.Unsupported, require));
            RequestsRejected++;
            return;
        }
        if (_transactions.Count >= MaxTransactions)
        {
            Respond(nowTicks, request, from, 503, null, null, transaction: false, (SipHeaderNames.RetryAfter, "5"));
            return;
        }
        switch (method)
        {
            case "CANCEL":
                OnCancel(nowTicks, request, from, via, cseq);
                return;
            case "REGISTER":
                OnRegister(nowTicks, request, from, toAddress);
                return;
            case "OPTIONS":
                Respond(nowTicks, request, from, 200, null, toAddress.Tag == null ? Token(8) : null, transaction: true,
                    (SipHeaderNames.Allow, AllowedMethods), (SipHeaderNames.Accept, "application/sdp"), (SipHeaderNames.Supported, ""));
                return;
        }
        if (toAddress.Tag != null)
        {
            OnInDialog(nowTicks, request, from, method, callId, toAddress.Tag, fromAddress.Tag, cseq);
            return;
        }
        switch (method)
        {
            case "INVITE":
                OnInvite(nowTicks, request, from, requestUri, callId, fromAddress, fromHeader, toHeader);
                return;
            case "BYE":
            case "INFO":
                Reject(nowTicks, request, from, 481, null);
                return;
            default:
                Respond(nowTicks, request, from, SipGrammar.IsToken(method) && method.All(char.IsAsciiLetterUpper) ? 405 : 501, null, null,
                    transaction: true, (SipHeaderNames.Allow, AllowedMethods));
                RequestsRejected++;
                return;
        }
    }

    private void OnAck(long nowTicks, SipMessage ack, string key, string callId, string? toTag, string? fromTag)
    {
        // ACK of a non-2xx: same branch as the INVITE (§17.2.1) stops Timer G.
        if (_transactions.TryGetValue(key, out var t))
        {
            t.NextRetransmitAt = MediaTime.Never;
            return;
        }
        // ACK of a 2xx: its own transaction, matched to the dialog (§13.3.1.4).
        if (toTag != null && fromTag != null && _calls.TryGetValue(DialogKey(callId, toTag, fromTag), out var call) && call.State == SipCallState.Answered)
        {
            call.State = SipCallState.Confirmed;
            call.Ok = null;
            call.NextRetransmitAt = call.GiveUpAt = MediaTime.Never;
        }
        _ = nowTicks;
        _ = ack;
    }

    private void OnCancel(long nowTicks, SipMessage cancel, PeerAddress from, SipVia via, uint cseq)
    {
        // §9.2: CANCEL matches the INVITE's server transaction by branch; a finished one is unaffected.
        var inviteKey = TransactionKey(via, "INVITE", cancel, cseq);
        SipCall? pending = null;
        foreach (var c in _calls.Values)
            if (c.State == SipCallState.Proceeding && c.PendingInvite != null && c.CallId == cancel.CallId
                && SipVia.TryParse(c.PendingInvite.Get(SipHeaderNames.Via), out var v) && TransactionKey(v, "INVITE", c.PendingInvite, cseq) == inviteKey)
                pending = c;
        if (pending == null && !_transactions.ContainsKey(inviteKey))
        {
            Reject(nowTicks, cancel, from, 481, null);
            return;
        }
        Respond(nowTicks, cancel, from, 200, null, pending?.LocalTag, transaction: true);
        if (pending == null) return;
        var invite = pending.PendingInvite!;
        pending.PendingInvite = null;
        Respond(nowTicks, invite, pending.PendingFrom, 487, null, pending.LocalTag, transaction: true);
        End(nowTicks, pending, "cancelled");
    }

    private void OnInvite(long nowTicks, SipMessage request, PeerAddress from, SipUri requestUri, string callId,
        SipNameAddress fromAddress, string fromHeader, string toHeader)
    {
        if (request.TryGetCSeq(out uint sent, out _) && fromAddress.Tag != null)
        {
            foreach (var c in _calls.Values)
            {
                if (c.CallId != callId || c.RemoteTag != fromAddress.Tag || c.RemoteCSeq != sent) continue;
                // §13.3.1.4, §17.2.1: a retransmission of an INVITE already answered (a 2xx ends the server transaction, so it
                // reaches the core): the dialog resends its 2xx, and it must never become a second call.
                if (c.Ok != null) _out.Enqueue(new SipTransmit(from, c.Ok));
                return;
            }
        }
        var account = Authenticate(nowTicks, request, from);
        if (account == null) return;
        if (fromAddress.Tag == null)
        {
            Reject(nowTicks, request, from, 400, "From tag missing");
            return;
        }
        if (request.Body.Length == 0 || !(request.Get(SipHeaderNames.ContentType) ?? "").StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase))
        {
            // Offer-less INVITEs (offer in our 200, answer in the ACK) are not supported.
            Respond(nowTicks, request, from, request.Body.Length == 0 ? 488 : 415, request.Body.Length == 0 ? "SDP offer required" : null, null,
                transaction: true, (SipHeaderNames.Accept, "application/sdp"));
            RequestsRejected++;
            return;
        }
        if (_calls.Count >= MaxCalls)
        {
            Respond(nowTicks, request, from, 503, null, null, transaction: true, (SipHeaderNames.RetryAfter, "30"));
            return;
        }
        if (requestUri.User is not { Length: > 0 } target)
        {
            Reject(nowTicks, request, from, 404, "Call sip:{room}@host");
            return;
        }
        request.TryGetCSeq(out uint cseq, out _);
        var contact = request.GetAll(SipHeaderNames.Contact) is [var first, ..] && SipNameAddress.TryParse(first, out var ca) ? ca.Uri : null;
        var fromUri = fromAddress.Uri;
        var call = new SipCall(callId, Token(10), fromAddress.Tag, target, account, from, fromUri, fromHeader, toHeader, contact)
        {
            RemoteCSeq = cseq,
        };
        _calls[DialogKey(callId, call.LocalTag, call.RemoteTag)] = call;
        var result = application.OnInvite(nowTicks, call, request.BodyText);
        if (result.Status == 0)
        {
            call.PendingInvite = request;
            call.PendingFrom = from;
            Respond(nowTicks, request, from, 100, null, null, transaction: true);
            return;
        }
        Complete(nowTicks, call, request, from, result);
    }

    private void Complete(long nowTicks, SipCall call, SipMessage invite, PeerAddress from, SipInviteResult result)
    {
        if (result.Status is >= 200 and < 300 && result.SdpAnswer != null)
        {
            var ok = Build(invite, from, 200, null, call.LocalTag, Contact(call))
                .Header(SipHeaderNames.Allow, AllowedMethods).Body("application/sdp", result.SdpAnswer).ToBytes();
            _out.Enqueue(new SipTransmit(from, ok));
            call.State = SipCallState.Answered;
            call.GiveUpAt = nowTicks + TransactionLifetime;
            if (!from.IsTcp)
            {
                call.Ok = ok;
                call.RetransmitInterval = T1;
                call.NextRetransmitAt = nowTicks + T1;
            }
            else
            {
                call.Ok = ok;
                call.NextRetransmitAt = MediaTime.Never;
            }
            return;
        }
        int status = result.Status is >= 300 and <= 699 ? result.Status : 500;
        Respond(nowTicks, invite, from, status, result.Reason, call.LocalTag, transaction: true);
        RequestsRejected++;
        End(nowTicks, call, $"refused {status}");
    }

    private void OnInDialog(long nowTicks, SipMessage request, PeerAddress from, string method, string callId, string toTag, string? fromTag, uint cseq)
    {
        if (fromTag == null || !_calls.TryGetValue(DialogKey(callId, toTag, fromTag), out var call) || call.State == SipCallState.Ended)
        {
            Reject(nowTicks, request, from, 481, null);
            return;
        }
        if (cseq <= call.RemoteCSeq && method != "ACK")
        {
            // §12.2.2: lower CSeq than the last one is out of order.
            Reject(nowTicks, request, from, 500, "CSeq out of order");
            return;
        }
        call.RemoteCSeq = cseq;
        call.Remote = from;
        switch (method)
        {
            case "BYE":
                Respond(nowTicks, request, from, 200, null, null, transaction: true);
                End(nowTicks, call, "BYE");
                return;
            case "INVITE":
                if (call.State == SipCallState.Answered)
                {
                    Respond(nowTicks, request, from, 491, null, null, transaction: true, (SipHeaderNames.RetryAfter, "1"));
                    return;
                }
                if (request.Body.Length == 0)
                {
                    Respond(nowTicks, request, from, 488, "SDP offer required", null, transaction: true);
                    return;
                }
                var result = application.OnReinvite(nowTicks, call, request.BodyText);
                if (result.Status is >= 200 and < 300 && result.SdpAnswer != null)
                {
                    var ok = Build(request, from, 200, null, null, Contact(call)).Body("application/sdp", result.SdpAnswer).ToBytes();
                    _out.Enqueue(new SipTransmit(from, ok));
                    call.State = SipCallState.Answered;
                    call.Ok = from.IsTcp ? null : ok;
                    call.RetransmitInterval = T1;
                    call.NextRetransmitAt = from.IsTcp ? MediaTime.Never : nowTicks + T1;
                    // A lost ACK of a re-INVITE does not end the call: stop retransmitting after 64*T1, keep the dialog.
                    call.GiveUpAt = MediaTime.Never;
                    Remember(nowTicks, request, from, ok, invite: false);
                }
                else
                {
                    // §14.2: a refused re-INVITE leaves the session as it was.
                    Respond(nowTicks, request, from, result.Status is >= 300 and <= 699 ? result.Status : 488, result.Reason, null, transaction: true);
                }
                return;
            case "INFO":
                Respond(nowTicks, request, from, 200, null, null, transaction: true);
                if ((request.Get(SipHeaderNames.ContentType) ?? "").StartsWith("application/dtmf-relay", StringComparison.OrdinalIgnoreCase))
                    foreach (var line in request.BodyText.Split('\n'))
                    {
                        var l = line.Trim();
                        if (l.StartsWith("Signal=", StringComparison.OrdinalIgnoreCase) && l.Length > 7) application.OnDtmf(nowTicks, call, l[7..].Trim()[0]);
                    }
                return;
            default:
                Respond(nowTicks, request, from, 405, null, null, transaction: true, (SipHeaderNames.Allow, AllowedMethods));
                return;
        }
    }

    private void Reject(long nowTicks, SipMessage request, PeerAddress from, int status, string? reason)
    {
        RequestsRejected++;
        Respond(nowTicks, request, from, status, reason, Token(8), transaction: true);
    }

    private void Respond(long nowTicks, SipMessage request, PeerAddress from, int status, string? reason, string? toTag, bool transaction,
        params (string Name, string Value)[] headers)
    {
        var w = Build(request, from, status, reason, toTag, null);
        foreach (var (name, value) in headers) w.Header(name, value);
        var bytes = w.ToBytes();
        _out.Enqueue(new SipTransmit(from, bytes));
        if (transaction && status >= 200) Remember(nowTicks, request, from, bytes, invite: request.Method == "INVITE");
    }

    private SipMessageWriter Build(SipMessage request, PeerAddress from, int status, string? reason, string? toTag, string? contact)
    {
        var w = SipMessageWriter.Response(request, status, reason, toTag, from.ToEndPoint().Address.ToString(), from.Port);
        if (contact != null) w.Header(SipHeaderNames.Contact, contact);
        return w.Header(SipHeaderNames.Server, options.ServerName);
    }

    private void Remember(long nowTicks, SipMessage request, PeerAddress from, byte[] response, bool invite)
    {
        if (!SipVia.TryParse(request.Get(SipHeaderNames.Via), out var via) || !request.TryGetCSeq(out uint cseq, out _)) return;
        var key = TransactionKey(via, request.Method!, request, cseq);
        var t = new ServerTransaction { Response = response, Source = from, ExpiresAt = nowTicks + TransactionLifetime };
        // Timer G (§17.2.1): a non-2xx final response to INVITE is retransmitted over UDP until the ACK.
        if (invite && !from.IsTcp && response.AsSpan(8, 1)[0] != (byte)'2')
        {
            t.Interval = T1;
            t.NextRetransmitAt = nowTicks + T1;
        }
        _transactions[key] = t;
        if (_nextSweep == MediaTime.Never) _nextSweep = nowTicks + T1;
    }

    private void End(long nowTicks, SipCall call, string reason)
    {
        if (call.State == SipCallState.Ended) return;
        call.State = SipCallState.Ended;
        call.Ok = null;
        call.NextRetransmitAt = call.GiveUpAt = MediaTime.Never;
        _calls.Remove(DialogKey(call.CallId, call.LocalTag, call.RemoteTag));
        application.OnCallEnded(nowTicks, call, reason);
    }

    // Best effort for a message the parser refused: if a Via, Call-ID, From, To and CSeq can be read line by line, answer 400.
    private void TryRejectUnparseable(ReadOnlySpan<byte> data, bool stream, PeerAddress from, string error)
    {
        if (stream || data.Length < 16 || data.StartsWith("SIP/"u8)) return;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(data[..Math.Min(data.Length, 8192)]);
        }
        catch (DecoderFallbackException)
        {
            return;
        }
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var sb = new StringBuilder();
        string? via = null;
        bool hasFrom = false, hasTo = false, hasCallId = false, hasCSeq = false;
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) break;
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var name = SipHeaderNames.Canonical(line[..colon].Trim());
            var value = line[(colon + 1)..].Trim();
            switch (name)
            {
                case SipHeaderNames.Via when via == null: via = value; break;
                case SipHeaderNames.From when !hasFrom: hasFrom = true; sb.Append("From: ").Append(value).Append("\r\n"); break;
                case SipHeaderNames.To when !hasTo: hasTo = true; sb.Append("To: ").Append(value).Append("\r\n"); break;
                case SipHeaderNames.CallId when !hasCallId: hasCallId = true; sb.Append("Call-ID: ").Append(value).Append("\r\n"); break;
                case SipHeaderNames.CSeq when !hasCSeq: hasCSeq = true; sb.Append("CSeq: ").Append(value).Append("\r\n"); break;
            }
        }
        if (via == null || !SipVia.TryParse(via, out _) || !(hasFrom && hasTo && hasCallId && hasCSeq)) return;
        if (lines[0].StartsWith("ACK ", StringComparison.Ordinal)) return;
        var reason = new string(error.Where(c => c >= ' ' && c < 127).Take(100).ToArray());
        var bytes = Encoding.UTF8.GetBytes($"SIP/2.0 400 {reason}\r\nVia: {via.Replace("\r", "", StringComparison.Ordinal)}\r\n{sb}Server: {options.ServerName}\r\nContent-Length: 0\r\n\r\n");
        RequestsRejected++;
        _out.Enqueue(new SipTransmit(from, bytes));
    }

    private string Contact(SipCall call) => $"<sip:{Uri.EscapeDataString(call.Target)}@{options.ContactHost}{(call.Remote.IsTcp ? ";transport=tcp" : "")}>";

    private static string DialogKey(string callId, string localTag, string remoteTag) => callId + "\n" + localTag + "\n" + remoteTag;

    // §17.2.3: branch + sent-by + method (ACK of a non-2xx uses INVITE's); pre-RFC 3261 clients lack the cookie.
    private static string TransactionKey(SipVia via, string method, SipMessage request, uint cseq)
        => via.Branch is { } b && b.StartsWith(SipVia.MagicCookie, StringComparison.Ordinal)
            ? b + "\n" + via.SentBy + "\n" + method
            : request.CallId + "\n" + cseq + "\n" + via.SentBy + "\n" + method;

    private static string Token(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    private sealed class ClientTransaction
    {
        public required string Method;
        public required byte[] Request;
        public PeerAddress Destination;
        public long Interval;
        public long NextRetransmitAt;
        public long GiveUpAt;
    }

    private sealed class ServerTransaction
    {
        public byte[]? Response;
        public PeerAddress Source;
        public long ExpiresAt;
        public long NextRetransmitAt = MediaTime.Never;
        public long Interval;
    }
}
