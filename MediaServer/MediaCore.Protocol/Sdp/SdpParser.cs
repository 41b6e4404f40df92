using MediaCore.Protocol.Dtls;
using System.Globalization;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>
/// Parses SDP text (RFC 8866) into a <see cref="SessionDescription"/>. Never throws on bad input: it
/// returns false with an error naming the 1-based line and the reason. Work is linear in the input
/// length: one pass over the lines, with table lookups for payload types.
/// </summary>
/// <remarks>
/// Grammar (RFC 8866 §9), one <c>&lt;type&gt;=&lt;value&gt;</c> per line, CRLF or LF:
/// <code>
///   session:  v=0  o=  s=  [i= u= e= p=]  [c=]  *b=  1*(t= *r=)  [z=] [k=]  *a=
///   media:    m=&lt;media&gt; &lt;port&gt;[/&lt;n&gt;] &lt;proto&gt; &lt;fmt&gt; ...  [i=] [c=] *b= [k=] *a=
/// </code>
/// The parser accepts the session-level lines in any order (real clients vary) but requires v= first.
/// </remarks>
public static class SdpParser
{
    /// <summary>Largest accepted input, in characters. Bounds memory for hostile offers.</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>Most media sections accepted in one description.</summary>
    public const int MaxMediaSections = 512;

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> reads "line N: reason".</summary>
    public static bool TryParse(string? text, out SessionDescription description, out string error)
        => TryParse(text, fragment: false, out description, out error);

    /// <summary>
    /// Parses an SDP fragment (RFC 8840 §9, media type <c>application/trickle-ice-sdpfrag</c>), the body
    /// of a WHIP/WHEP PATCH (RFC 9725 §4.3): ICE attributes, m= lines with a=mid, candidates and
    /// end-of-candidates, without v=, o=, s= and t=. The result carries a placeholder origin.
    /// </summary>
    public static bool TryParseFragment(string? text, out SessionDescription fragment, out string error)
        => TryParse(text, fragment: true, out fragment, out error);

    private static bool TryParse(string? text, bool fragment, out SessionDescription description, out string error)
    {
        description = null!;
        if (text is null)
        {
            error = "line 0: input is null";
            return false;
        }
        if (text.Length > MaxLength)
        {
            error = $"line 0: description is {text.Length} characters, more than the {MaxLength} accepted";
            return false;
        }
        var state = new SdpParseState(fragment);
        int lineNo = 0;
        int pos = 0;
        bool sawVersion = fragment;
        while (pos < text.Length)
        {
            int nl = text.IndexOf('\n', pos);
            int end = nl < 0 ? text.Length : nl;
            int next = nl < 0 ? text.Length : nl + 1;
            if (end > pos && text[end - 1] == '\r') end--;
            lineNo++;
            int len = end - pos;
            if (len == 0)
            {
                // Blank lines (a trailing CRLF, or a client that adds one) carry nothing; skip them.
                pos = next;
                continue;
            }
            if (len < 2 || text[pos + 1] != '=')
            {
                error = $"line {lineNo}: expected '<type>=<value>'";
                return false;
            }
            char type = text[pos];
            int valueStart = pos + 2;
            int valueLength = len - 2;
            pos = next;
            if (fragment && type is 'v' or 'o' or 's' or 't')
            {
                error = $"line {lineNo}: an SDP fragment has no '{type}=' line (RFC 8840 §9)";
                return false;
            }
            if (sawVersion && type == 'a')
            {
                // Attributes are most lines: dispatch on the name as a span and allocate only the value.
                var span = text.AsSpan(valueStart, valueLength);
                int colon = span.IndexOf(':');
                var name = colon < 0 ? span : span[..colon];
                string? arg = colon < 0 ? null : text.Substring(valueStart + colon + 1, valueLength - colon - 1);
                string? attrError = state.ApplyAttribute(name, arg);
                if (attrError is not null)
                {
                    error = $"line {lineNo}: {attrError}";
                    return false;
                }
                continue;
            }
            string value = text.Substring(valueStart, valueLength);
            if (!sawVersion)
            {
                if (type != 'v')
                {
                    error = $"line {lineNo}: the first line must be v=0 (RFC 8866 §5.1)";
                    return false;
                }
                if (value != "0")
                {
                    error = $"line {lineNo}: unsupported protocol version '{value}'";
                    return false;
                }
                sawVersion = true;
                continue;
            }
            string? lineError = state.ApplyLine(type, value);
            if (lineError is not null)
            {
                error = $"line {lineNo}: {lineError}";
                return false;
            }
        }
        if (!sawVersion)
        {
            error = "line 0: empty description (no v= line)";
            return false;
        }
        string? finishError = state.Finish(out description);
        if (finishError is not null)
        {
            error = $"line {lineNo}: {finishError}";
            return false;
        }
        error = "";
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>; for tests and trusted input.</summary>
    public static SessionDescription Parse(string text)
        => TryParse(text, out var d, out var e) ? d : throw new FormatException(e);

    // --- token helpers shared by the attribute parsers ---

    internal static bool TryParseInt(string s, out int value)
        => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    internal static bool TryParseUInt(string s, out uint value)
        => uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    internal static bool TryParseULong(string s, out ulong value)
        => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    internal static bool TryParsePayloadType(string s, out PayloadType pt) => TryParsePayloadType(s.AsSpan(), out pt);

    internal static bool TryParsePayloadType(ReadOnlySpan<char> s, out PayloadType pt)
    {
        pt = default;
        if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v > 127) return false;
        pt = new PayloadType((byte)v);
        return true;
    }

    internal static string[] Tokens(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    internal static MediaDirection? ParseDirection(string name) => name switch
    {
        "sendrecv" => MediaDirection.SendRecv,
        "sendonly" => MediaDirection.SendOnly,
        "recvonly" => MediaDirection.RecvOnly,
        "inactive" => MediaDirection.Inactive,
        _ => null,
    };

    /// <summary>Splits "k=v;k2;k3=v3" (RFC 8866 §6.15 fmtp convention; RFC 8851 rid restrictions).</summary>
    internal static ValueList<SdpParameter> ParseParameters(string s)
    {
        if (s.Length == 0) return ValueList<SdpParameter>.Empty;
        var parts = s.Split(';');
        var list = new List<SdpParameter>(parts.Length);
        foreach (var raw in parts)
        {
            var p = raw.Trim();
            if (p.Length == 0) continue;
            int eq = p.IndexOf('=');
            list.Add(eq < 0 ? new SdpParameter(p, null) : new SdpParameter(p[..eq].Trim(), p[(eq + 1)..].Trim()));
        }
        return ValueList.Own(list);
    }

    /// <summary>RFC 8122 §5: <c>hash-func SP fingerprint</c>, fingerprint = 2HEX *(":" 2HEX).</summary>
    internal static string? ParseFingerprint(string value, out DtlsFingerprint? fingerprint)
    {
        fingerprint = null;
        var t = Tokens(value);
        if (t.Length != 2) return "a=fingerprint needs '<hash-function> <hex:hex:...>'";
        string hex = t[1];
        if (hex.Length > 3 * 64) return $"a=fingerprint value '{Clip(hex)}' is not colon-separated hex bytes";
        if (ColonHex.TryParse(hex, out var bytes) is { } why) return $"a=fingerprint value '{Clip(hex)}': {why}";
        fingerprint = new DtlsFingerprint(t[0].ToLowerInvariant(), bytes);
        return null;
    }

    internal static SetupRole? ParseSetup(string value) => value switch
    {
        "actpass" => SetupRole.ActPass,
        "active" => SetupRole.Active,
        "passive" => SetupRole.Passive,
        "holdconn" => SetupRole.HoldConn,
        _ => null,
    };

    internal static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
