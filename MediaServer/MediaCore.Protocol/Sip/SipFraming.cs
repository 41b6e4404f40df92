using System.Text;

namespace MediaCore.Protocol.Sip;

/// <summary>What <see cref="SipFraming.TryFrame"/> found at the start of a stream buffer.</summary>
public enum SipFrameKind
{
    /// <summary>Not a whole message yet: read more.</summary>
    NeedMore,
    /// <summary>A message of the given length (headers and Content-Length bytes of body).</summary>
    Message,
    /// <summary>A CRLFCRLF keep-alive ping (RFC 5626 §3.5.1): answer with a single CRLF pong.</summary>
    KeepAlivePing,
    /// <summary>Stray CRLF between messages (a pong, or padding): skip.</summary>
    Skip,
    /// <summary>Cannot be framed (no Content-Length, too large): close the connection.</summary>
    Invalid,
}

/// <summary>
/// Cuts SIP messages out of a TCP byte stream (RFC 3261 §18.3: the header block ends at the first empty line,
/// then exactly Content-Length bytes of body; Content-Length is mandatory over streams).
/// </summary>
public static class SipFraming
{
    public static SipFrameKind TryFrame(ReadOnlySpan<byte> buffer, out int length)
    {
        length = 0;
        if (buffer.IsEmpty) return SipFrameKind.NeedMore;
        if (buffer[0] is (byte)'\r' or (byte)'\n')
        {
            if (buffer.StartsWith("\r\n\r\n"u8)) { length = 4; return SipFrameKind.KeepAlivePing; }
            if (buffer.Length < 4 && "\r\n\r\n"u8.StartsWith(buffer)) return SipFrameKind.NeedMore;
            length = buffer[0] == '\r' && buffer.Length > 1 && buffer[1] == '\n' ? 2 : 1;
            return SipFrameKind.Skip;
        }
        int end = SipParser.FindHeaderEnd(buffer, out int bodyStart);
        if (end < 0) return buffer.Length > SipParser.MaxMessageBytes ? SipFrameKind.Invalid : SipFrameKind.NeedMore;
        int? contentLength = FindContentLength(buffer[..end]);
        if (contentLength is null or < 0 or > SipParser.MaxMessageBytes) return SipFrameKind.Invalid;
        if (buffer.Length < bodyStart + contentLength.Value) return SipFrameKind.NeedMore;
        length = bodyStart + contentLength.Value;
        return SipFrameKind.Message;
    }

    private static int? FindContentLength(ReadOnlySpan<byte> head)
    {
        while (!head.IsEmpty)
        {
            int nl = head.IndexOf((byte)'\n');
            var line = nl < 0 ? head : head[..nl];
            head = nl < 0 ? default : head[(nl + 1)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = Encoding.ASCII.GetString(line[..colon]).Trim();
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && !name.Equals("l", StringComparison.OrdinalIgnoreCase)) continue;
            var value = Encoding.ASCII.GetString(line[(colon + 1)..]).Trim();
            return int.TryParse(value, System.Globalization.NumberStyles.None, null, out int n) ? n : -1;
        }
        return null;
    }
}
