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
/// with Timer E (T1 doubling to T2) until a final response, abandoned after Timer F (64*T1). The class is split by
/// responsibility: this file parses and routes requests; <c>SipServerCore.Transactions.cs</c> holds the transaction layer
/// and timers, <c>SipServerCore.Dialogs.cs</c> the INVITE dialogs, <c>SipServerCore.Registrar.cs</c> digest authentication and
/// registrations. SDP answers are <see cref="SipSdpAnswerer"/>'s.
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

    public bool TryPollTransmit(out SipTransmit transmit) => _out.TryDequeue(out transmit);

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

    private static string Token(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}
