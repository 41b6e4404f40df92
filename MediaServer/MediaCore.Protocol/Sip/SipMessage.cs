using System.Text;

namespace MediaCore.Protocol.Sip;

/// <summary>One header field as received: canonical (long-form) name and raw value (folding removed).</summary>
public readonly record struct SipHeader(string Name, string Value);

/// <summary>
/// A parsed SIP request or response (RFC 3261 §7). Signalling, not media: a handful of messages per call, so a
/// class with strings is fine here; the parser (<see cref="SipParser"/>) bounds every size it accepts.
/// </summary>
public sealed class SipMessage
{
    private readonly List<SipHeader> _headers;

    internal SipMessage(string? method, string? requestUri, int statusCode, string? reason, List<SipHeader> headers, byte[] body)
    {
        Method = method;
        RequestUri = requestUri;
        StatusCode = statusCode;
        ReasonPhrase = reason;
        _headers = headers;
        Body = body;
    }

    /// <summary>Request method (upper case as sent; methods are case-sensitive, RFC 3261 §7.1), or null for a response.</summary>
    public string? Method { get; }
    public string? RequestUri { get; }
    /// <summary>Response status code, 0 for a request.</summary>
    public int StatusCode { get; }
    public string? ReasonPhrase { get; }
    public IReadOnlyList<SipHeader> Headers => _headers;
    public byte[] Body { get; }
    public bool IsRequest => Method != null;

    /// <summary>First value of header <paramref name="name"/> (long form, case-insensitive), or null.</summary>
    public string? Get(string name)
    {
        foreach (var h in _headers)
            if (string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)) return h.Value;
        return null;
    }

    /// <summary>All values of <paramref name="name"/>, comma-separated lists split (RFC 3261 §7.3.1), in order.</summary>
    public List<string> GetAll(string name)
    {
        var list = new List<string>();
        foreach (var h in _headers)
            if (string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)) SipGrammar.SplitList(h.Value, list);
        return list;
    }

    public string? CallId => Get(SipHeaderNames.CallId);

    /// <summary>The CSeq number and method (RFC 3261 §8.1.1.5), or false when missing or malformed.</summary>
    public bool TryGetCSeq(out uint number, out string method)
    {
        number = 0;
        method = "";
        var v = Get(SipHeaderNames.CSeq);
        if (v == null) return false;
        int sp = v.IndexOfAny([' ', '\t']);
        if (sp <= 0 || !uint.TryParse(v.AsSpan(0, sp), System.Globalization.NumberStyles.None, null, out number)) return false;
        method = v[sp..].Trim();
        return SipGrammar.IsToken(method);
    }

    /// <summary>The body as UTF-8 text (SDP).</summary>
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>Header names (RFC 3261 §20) and their compact forms (§7.3.3).</summary>
public static class SipHeaderNames
{
    public const string Via = "Via";
    public const string From = "From";
    public const string To = "To";
    public const string CallId = "Call-ID";
    public const string CSeq = "CSeq";
    public const string Contact = "Contact";
    public const string MaxForwards = "Max-Forwards";
    public const string ContentLength = "Content-Length";
    public const string ContentType = "Content-Type";
    public const string Expires = "Expires";
    public const string Authorization = "Authorization";
    public const string WwwAuthenticate = "WWW-Authenticate";
    public const string Require = "Require";
    public const string Allow = "Allow";
    public const string Supported = "Supported";
    public const string Unsupported = "Unsupported";
    public const string UserAgent = "User-Agent";
    public const string Server = "Server";
    public const string Accept = "Accept";
    public const string RetryAfter = "Retry-After";

    /// <summary>The long form of a compact header name, or the name itself.</summary>
    public static string Canonical(string name)
    {
        if (name.Length == 1)
        {
            switch (char.ToLowerInvariant(name[0]))
            {
                case 'v': return Via;
                case 'f': return From;
                case 't': return To;
                case 'i': return CallId;
                case 'm': return Contact;
                case 'l': return ContentLength;
                case 'c': return ContentType;
                case 'k': return Supported;
                case 's': return "Subject";
                case 'e': return "Content-Encoding";
                case 'o': return "Event";
                case 'r': return "Refer-To";
            }
        }
        foreach (var known in Known)
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase)) return known;
        return name;
    }

    private static readonly string[] Known =
        [Via, From, To, CallId, CSeq, Contact, MaxForwards, ContentLength, ContentType, Expires, Authorization, Require, Allow, Supported];
}
