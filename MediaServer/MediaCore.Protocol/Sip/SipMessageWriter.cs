using System.Text;

namespace MediaCore.Protocol.Sip;

/// <summary>
/// Builds SIP messages as bytes. <see cref="Response"/> follows RFC 3261 §8.2.6.2: the response copies the
/// request's Via values (in order), From, To (adding the UAS's tag, except to a 100), Call-ID and CSeq. The top
/// Via gets <c>received</c> (§18.2.1) and, when the client asked with an empty <c>rport</c>, the source port
/// (RFC 3581 §4), so the response reaches a client behind NAT.
/// </summary>
public sealed class SipMessageWriter
{
    private readonly StringBuilder _text = new(512);
    private byte[] _body = [];

    private SipMessageWriter(string startLine) => _text.Append(startLine).Append("\r\n");

    /// <summary>A request (the UAS sends few: none so far besides responses; kept for tests and re-use).</summary>
    public static SipMessageWriter Request(string method, string uri) => new($"{method} {uri} SIP/2.0");

    /// <summary>A response to <paramref name="request"/> received from <paramref name="sourceIp"/>:<paramref name="sourcePort"/>.</summary>
    public static SipMessageWriter Response(SipMessage request, int status, string? reason, string? toTag, string sourceIp, int sourcePort)
    {
        var w = new SipMessageWriter($"SIP/2.0 {status} {reason ?? ReasonPhrases.For(status)}");
        bool top = true;
        foreach (var via in request.GetAll(SipHeaderNames.Via))
        {
            w.Header(SipHeaderNames.Via, top ? StampVia(via, sourceIp, sourcePort) : via);
            top = false;
        }
        var from = request.Get(SipHeaderNames.From);
        if (from != null) w.Header(SipHeaderNames.From, from);
        var to = request.Get(SipHeaderNames.To);
        if (to != null)
        {
            bool hasTag = SipNameAddress.TryParse(to, out var t) && t.Tag != null;
            w.Header(SipHeaderNames.To, !hasTag && status > 100 && toTag != null ? to + ";tag=" + toTag : to);
        }
        var callId = request.CallId;
        if (callId != null) w.Header(SipHeaderNames.CallId, callId);
        var cseq = request.Get(SipHeaderNames.CSeq);
        if (cseq != null) w.Header(SipHeaderNames.CSeq, cseq);
        return w;
    }

    public SipMessageWriter Header(string name, string value)
    {
        // A header value never carries a line break: anything from a peer is flattened before it is echoed.
        _text.Append(name).Append(": ");
        foreach (char c in value) _text.Append(c is '\r' or '\n' ? ' ' : c);
        _text.Append("\r\n");
        return this;
    }

    public SipMessageWriter Body(string contentType, string body)
    {
        _body = Encoding.UTF8.GetBytes(body);
        return Header(SipHeaderNames.ContentType, contentType);
    }

    public byte[] ToBytes()
    {
        _text.Append(SipHeaderNames.ContentLength).Append(": ").Append(_body.Length).Append("\r\n\r\n");
        var head = Encoding.UTF8.GetBytes(_text.ToString());
        var bytes = new byte[head.Length + _body.Length];
        head.CopyTo(bytes, 0);
        _body.CopyTo(bytes, head.Length);
        return bytes;
    }

    private static string StampVia(string via, string sourceIp, int sourcePort)
    {
        if (!SipVia.TryParse(via, out var v)) return via;
        var sb = new StringBuilder(via.Length + 40);
        // Rebuild the parameter list: received= (always, harmless when equal), rport=port when asked.
        int semi = via.IndexOf(';', StringComparison.Ordinal);
        sb.Append(semi < 0 ? via : via[..semi]);
        foreach (var (name, value) in v.Parameters)
        {
            if (name.Equals("received", StringComparison.OrdinalIgnoreCase)) continue;
            if (name.Equals("rport", StringComparison.OrdinalIgnoreCase))
            {
                sb.Append(";rport=").Append(sourcePort);
                continue;
            }
            sb.Append(';').Append(name);
            if (value.Length > 0) sb.Append('=').Append(value);
        }
        sb.Append(";received=").Append(sourceIp);
        return sb.ToString();
    }
}

/// <summary>Default reason phrases (RFC 3261 §21).</summary>
public static class ReasonPhrases
{
    public static string For(int status) => status switch
    {
        100 => "Trying",
        180 => "Ringing",
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        423 => "Interval Too Brief",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "Version Not Supported",
        _ => status < 300 ? "OK" : "Error",
    };
}
