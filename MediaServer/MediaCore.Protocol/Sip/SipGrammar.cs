using System.Diagnostics.CodeAnalysis;

namespace MediaCore.Protocol.Sip;

/// <summary>Lexical helpers of RFC 3261 §25.1: tokens, comma lists, ;parameters, quoted strings.</summary>
public static class SipGrammar
{
    /// <summary>token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").</summary>
    public static bool IsToken(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (char c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~')) return false;
        return true;
    }

    /// <summary>Splits a header value at commas outside quotes and angle brackets (§7.3.1), trimming each part.</summary>
    public static void SplitList(string value, List<string> into)
    {
        int start = 0, angle = 0;
        bool quoted = false;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (quoted)
            {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == '<') angle++;
            else if (c == '>') angle = Math.Max(0, angle - 1);
            else if (c == ',' && angle == 0)
            {
                var part = value[start..i].Trim();
                if (part.Length > 0) into.Add(part);
                start = i + 1;
            }
        }
        var last = value[start..].Trim();
        if (last.Length > 0) into.Add(last);
    }

    /// <summary>Parses <c>;name=value;flag</c> parameters (names lower-cased, quotes removed from values).</summary>
    public static Dictionary<string, string> ParseParameters(ReadOnlySpan<char> s)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var range in s.Split(';'))
        {
            var part = s[range].Trim();
            if (part.IsEmpty) continue;
            int eq = part.IndexOf('=');
            var name = (eq < 0 ? part : part[..eq]).Trim().ToString();
            var value = eq < 0 ? "" : Unquote(part[(eq + 1)..].Trim().ToString());
            if (name.Length > 0) result.TryAdd(name, value);
        }
        return result;
    }

    public static string Unquote(string s)
        => s.Length >= 2 && s[0] == '"' && s[^1] == '"' ? s[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal) : s;

    /// <summary>Quotes a string for a quoted-string (§25.1).</summary>
    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary>
/// A SIP or SIPS URI (RFC 3261 §19.1): <c>sip:user@host:port;params</c>. Only what a UAS needs: the user part
/// (the room in <c>sip:{room}@host</c>), host, port and parameters; headers (<c>?</c>) are dropped.
/// </summary>
public sealed record SipUri(string Scheme, string? User, string Host, int? Port, IReadOnlyDictionary<string, string> Parameters)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out SipUri? uri)
    {
        uri = null;
        if (string.IsNullOrEmpty(text) || text.Length > 1024) return false;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) return false;
        var scheme = text[..colon].ToLowerInvariant();
        if (scheme is not ("sip" or "sips")) return false;
        var rest = text.AsSpan(colon + 1);
        int q = rest.IndexOf('?');
        if (q >= 0) rest = rest[..q];
        int semi = rest.IndexOf(';');
        var parameters = semi >= 0 ? SipGrammar.ParseParameters(rest[(semi + 1)..]) : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (semi >= 0) rest = rest[..semi];
        string? user = null;
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            int pw = userInfo.IndexOf(':');
            if (pw >= 0) userInfo = userInfo[..pw];
            if (userInfo.IsEmpty) return false;
            try
            {
                user = Uri.UnescapeDataString(userInfo.ToString());
            }
            catch (UriFormatException)
            {
                return false;
            }
            rest = rest[(at + 1)..];
        }
        int? port = null;
        string host;
        if (rest.StartsWith("["))
        {
            int close = rest.IndexOf(']');
            if (close < 0) return false;
            host = rest[..(close + 1)].ToString();
            rest = rest[(close + 1)..];
            if (!rest.IsEmpty)
            {
                if (rest[0] != ':' || !int.TryParse(rest[1..], System.Globalization.NumberStyles.None, null, out int p) || p is < 1 or > 65535) return false;
                port = p;
            }
        }
        else
        {
            int pc = rest.IndexOf(':');
            if (pc >= 0)
            {
                if (!int.TryParse(rest[(pc + 1)..], System.Globalization.NumberStyles.None, null, out int p) || p is < 1 or > 65535) return false;
                port = p;
                rest = rest[..pc];
            }
            host = rest.ToString();
        }
        if (host.Length == 0) return false;
        foreach (char c in host)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '[' or ']' or ':' or '_')) return false;
        uri = new SipUri(scheme, user, host, port, parameters);
        return true;
    }
}

/// <summary>
/// name-addr / addr-spec with header parameters, as in From, To and Contact (RFC 3261 §20.10, §20.20, §20.39):
/// <c>"Display" &lt;sip:u@h&gt;;tag=x</c> or <c>sip:u@h;tag=x</c> (then the parameters belong to the header, §20.10).
/// </summary>
public sealed record SipNameAddress(string? DisplayName, string Uri, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Tag => Parameters.TryGetValue("tag", out var t) ? t : null;

    public static bool TryParse(string? value, [NotNullWhen(true)] out SipNameAddress? result)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(value)) return false;
        value = value.Trim();
        if (value == "*")
        {
            result = new SipNameAddress(null, "*", new Dictionary<string, string>());
            return true;
        }
        int lt = IndexOutsideQuotes(value, '<');
        if (lt >= 0)
        {
            int gt = value.IndexOf('>', lt);
            if (gt < 0) return false;
            var display = value[..lt].Trim();
            result = new SipNameAddress(display.Length == 0 ? null : SipGrammar.Unquote(display), value[(lt + 1)..gt].Trim(),
                SipGrammar.ParseParameters(value.AsSpan(gt + 1)));
            return result.Uri.Length > 0;
        }
        int semi = value.IndexOf(';', StringComparison.Ordinal);
        var uri = semi < 0 ? value : value[..semi];
        if (uri.IndexOf(':', StringComparison.Ordinal) <= 0) return false;
        result = new SipNameAddress(null, uri.Trim(), semi < 0 ? new Dictionary<string, string>() : SipGrammar.ParseParameters(value.AsSpan(semi + 1)));
        return true;
    }

    private static int IndexOutsideQuotes(string s, char c)
    {
        bool quoted = false;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '"' && (i == 0 || s[i - 1] != '\\')) quoted = !quoted;
            else if (!quoted && s[i] == c) return i;
        }
        return -1;
    }
}

/// <summary>One Via value (RFC 3261 §20.42): <c>SIP/2.0/UDP host:port;branch=z9hG4bK...;rport</c>.</summary>
public sealed record SipVia(string Transport, string SentBy, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The RFC 3261 magic cookie that marks a globally unique branch (§8.1.1.7).</summary>
    public const string MagicCookie = "z9hG4bK";

    public string? Branch => Parameters.TryGetValue("branch", out var b) ? b : null;

    public static bool TryParse(string? value, [NotNullWhen(true)] out SipVia? via)
    {
        via = null;
        if (string.IsNullOrWhiteSpace(value)) return false;
        var v = value.AsSpan().Trim();
        int sp = v.IndexOfAny(' ', '\t');
        if (sp < 0) return false;
        var protocol = v[..sp];
        var parts = protocol.ToString().Split('/');
        if (parts.Length != 3 || !parts[0].Trim().Equals("SIP", StringComparison.OrdinalIgnoreCase) || parts[1].Trim() != "2.0") return false;
        var rest = v[sp..].Trim();
        int semi = rest.IndexOf(';');
        var sentBy = (semi < 0 ? rest : rest[..semi]).Trim().ToString().Replace(" ", "", StringComparison.Ordinal);
        if (sentBy.Length == 0) return false;
        via = new SipVia(parts[2].Trim().ToUpperInvariant(), sentBy,
            semi < 0 ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : SipGrammar.ParseParameters(rest[(semi + 1)..]));
        return true;
    }
}
