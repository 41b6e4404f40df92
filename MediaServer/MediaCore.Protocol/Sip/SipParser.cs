using System.Text;

namespace MediaCore.Protocol.Sip;

/// <summary>
/// Parses one SIP message (RFC 3261 §7, grammar in §25) from a datagram or from a framed piece of a TCP stream
/// (<see cref="SipFraming"/>). Never throws for bad input: false and a reason the server can put in a 400.
/// </summary>
/// <remarks>
/// <code>
///   generic-message = start-line *message-header CRLF [ message-body ]
///   start-line      = Request-Line / Status-Line
///   Request-Line    = Method SP Request-URI SP SIP-Version CRLF
///   Status-Line     = SIP-Version SP Status-Code SP Reason-Phrase CRLF
///   message-header  = field-name HCOLON field-value CRLF   (continuation lines start with SP or HTAB)
/// </code>
/// Bare LF line ends are accepted (§7.5 asks for CRLF; lenient here like pjsip and Kamailio). Compact header
/// names are expanded (§7.3.3). Content-Length bounds the body (§18.3); over UDP a missing Content-Length means
/// the rest of the datagram, over TCP it is required.
/// </remarks>
public static class SipParser
{
    /// <summary>Largest message accepted (UDP datagrams are smaller; TCP messages beyond this are refused).</summary>
    public const int MaxMessageBytes = 64 * 1024;
    /// <summary>Most header fields accepted in one message.</summary>
    public const int MaxHeaders = 128;

    public static bool TryParse(ReadOnlySpan<byte> data, bool stream, out SipMessage message, out string error)
    {
        message = null!;
        if (data.Length == 0) { error = "empty message"; return false; }
        if (data.Length > MaxMessageBytes) { error = "message too large"; return false; }
        int headerEnd = FindHeaderEnd(data, out int bodyStart);
        if (headerEnd < 0)
        {
            if (stream) { error = "no end of headers"; return false; }
            headerEnd = bodyStart = data.Length; // a datagram with no blank line: headers only
        }
        string head;
        try
        {
            head = Strict.GetString(data[..headerEnd]);
        }
        catch (DecoderFallbackException)
        {
            error = "headers are not UTF-8";
            return false;
        }
        var lines = head.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length == 0 || lines[0].Length == 0) { error = "missing start line"; return false; }
        if (!TryParseStartLine(lines[0], out var method, out var uri, out int status, out var reason, out error)) return false;

        var headers = new List<SipHeader>();
        string? name = null;
        var value = new StringBuilder();
        for (int i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0) continue;
            if (line[0] is ' ' or '\t')
            {
                if (name == null) { error = "continuation line without a header"; return false; }
                value.Append(' ').Append(line.AsSpan().Trim());
                continue;
            }
            if (name != null) headers.Add(new SipHeader(name, value.ToString()));
            if (headers.Count >= MaxHeaders) { error = "too many headers"; return false; }
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) { error = "header without a colon: " + Shorten(line); return false; }
            var rawName = line.AsSpan(0, colon).TrimEnd();
            if (!SipGrammar.IsToken(rawName)) { error = "invalid header name: " + Shorten(line); return false; }
            name = SipHeaderNames.Canonical(rawName.ToString());
            value.Clear().Append(line.AsSpan(colon + 1).Trim());
        }
        if (name != null) headers.Add(new SipHeader(name, value.ToString()));

        int available = data.Length - bodyStart;
        int bodyLength = available;
        string? contentLength = null;
        foreach (var h in headers)
        {
            if (h.Name != SipHeaderNames.ContentLength) continue;
            if (contentLength != null && contentLength != h.Value) { error = "conflicting Content-Length"; return false; }
            contentLength = h.Value;
        }
        if (contentLength != null)
        {
            if (!int.TryParse(contentLength, System.Globalization.NumberStyles.None, null, out bodyLength) || bodyLength > MaxMessageBytes)
            {
                error = "invalid Content-Length";
                return false;
            }
            if (bodyLength > available) { error = "body shorter than Content-Length"; return false; }
        }
        else if (stream && available > 0)
        {
            error = "Content-Length required over a stream (RFC 3261 §18.3)";
            return false;
        }
        message = new SipMessage(method, uri, status, reason, headers, data.Slice(bodyStart, bodyLength).ToArray());
        error = "";
        return true;
    }

    /// <summary>
    /// Offset of the CRLFCRLF (or LFLF) that ends the headers, with <paramref name="bodyStart"/> just after it; -1 if none.
    /// </summary>
    public static int FindHeaderEnd(ReadOnlySpan<byte> data, out int bodyStart)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != (byte)'\n') continue;
            if (i + 1 < data.Length && data[i + 1] == (byte)'\n') { bodyStart = i + 2; return i; }
            if (i + 2 < data.Length && data[i + 1] == (byte)'\r' && data[i + 2] == (byte)'\n') { bodyStart = i + 3; return i; }
        }
        bodyStart = -1;
        return -1;
    }

    private static bool TryParseStartLine(string line, out string? method, out string? uri, out int status, out string? reason, out string error)
    {
        method = uri = reason = null;
        status = 0;
        line = line.TrimEnd('\r');
        if (line.StartsWith("SIP/", StringComparison.Ordinal))
        {
            // Status-Line
            var parts = line.Split(' ', 3);
            if (parts.Length < 2 || parts[0] != "SIP/2.0") { error = "unsupported SIP version"; return false; }
            if (parts[1].Length != 3 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, null, out status) || status < 100 || status > 699)
            {
                error = "invalid status code";
                return false;
            }
            reason = parts.Length > 2 ? parts[2] : "";
            error = "";
            return true;
        }
        var p = line.Split(' ');
        if (p.Length != 3) { error = "malformed request line"; return false; }
        if (!SipGrammar.IsToken(p[0])) { error = "invalid method"; return false; }
        if (p[2] != "SIP/2.0") { error = "unsupported SIP version"; return false; }
        if (p[1].Length == 0 || p[1].IndexOf(':', StringComparison.Ordinal) <= 0) { error = "invalid Request-URI"; return false; }
        method = p[0];
        uri = p[1];
        error = "";
        return true;
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40];

    private static readonly UTF8Encoding Strict = new(false, true);
}
