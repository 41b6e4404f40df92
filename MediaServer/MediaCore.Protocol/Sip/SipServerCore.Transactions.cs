using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sip;

/// <summary>
/// The transaction layer of the UAS core (RFC 3261 §17): server transactions remember their final response for
/// retransmitted requests (Timer J/H, 64*T1) and retransmit a non-2xx to INVITE until the ACK (Timer G); our BYEs are
/// non-INVITE client transactions (§17.1.2) retransmitted over UDP (Timer E) until a final response or Timer F.
/// </summary>
public sealed partial class SipServerCore
{
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

    // §17.2.3: branch + sent-by + method (ACK of a non-2xx uses INVITE's); pre-RFC 3261 clients lack the cookie.
    private static string TransactionKey(SipVia via, string method, SipMessage request, uint cseq)
        => via.Branch is { } b && b.StartsWith(SipVia.MagicCookie, StringComparison.Ordinal)
            ? b + "\n" + via.SentBy + "\n" + method
            : request.CallId + "\n" + cseq + "\n" + via.SentBy + "\n" + method;

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
