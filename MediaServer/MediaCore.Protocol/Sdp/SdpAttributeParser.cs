using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>Parsers for the structured media-level attributes. Each returns an error reason or null.</summary>
internal static class SdpAttributeParser
{
    /// <summary>RFC 8285 §8: <c>a=extmap:&lt;id&gt;[/&lt;direction&gt;] &lt;URI&gt; [&lt;extension attributes&gt;]</c>, id 1-255.</summary>
    public static string? ParseExtmap(string arg, out HeaderExtension? extension)
    {
        extension = null;
        var t = arg.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (t.Length < 2) return "a=extmap needs '<id>[/<direction>] <uri>' (RFC 8285 §8)";
        string idText = t[0];
        MediaDirection? direction = null;
        int slash = idText.IndexOf('/');
        if (slash >= 0)
        {
            direction = SdpParser.ParseDirection(idText[(slash + 1)..]);
            if (direction is null) return $"a=extmap direction '{SdpParser.Clip(idText[(slash + 1)..])}' is not sendrecv/sendonly/recvonly/inactive";
            idText = idText[..slash];
        }
        if (!SdpParser.TryParseInt(idText, out int id) || id is < 1 or > 255) return $"a=extmap id '{SdpParser.Clip(idText)}' is not 1-255 (RFC 8285 §5)";
        string? attrs = t.Length == 3 ? t[2].Trim(' ') : null;
        extension = new HeaderExtension(id, t[1], direction, string.IsNullOrEmpty(attrs) ? null : attrs);
        return null;
    }

    /// <summary>RFC 5576 §4.1: <c>a=ssrc:&lt;ssrc-id&gt; &lt;attribute&gt;[:&lt;value&gt;]</c></summary>
    public static string? ParseSsrc(string arg, out SsrcAttribute? attribute)
    {
        attribute = null;
        int sp = arg.IndexOf(' ');
        string idText = sp < 0 ? arg : arg[..sp];
        if (!SdpParser.TryParseUInt(idText, out uint ssrc)) return $"a=ssrc id '{SdpParser.Clip(idText)}' is not a 32-bit number (RFC 5576 §4.1)";
        string rest = sp < 0 ? "" : arg[(sp + 1)..].TrimStart(' ');
        if (rest.Length == 0) return "a=ssrc needs '<ssrc-id> <attribute>[:<value>]' (RFC 5576 §4.1)";
        int colon = rest.IndexOf(':');
        attribute = colon < 0
            ? new SsrcAttribute(new Ssrc(ssrc), rest, null)
            : new SsrcAttribute(new Ssrc(ssrc), rest[..colon], rest[(colon + 1)..]);
        return null;
    }

    /// <summary>RFC 5576 §4.2: <c>a=ssrc-group:&lt;semantics&gt; &lt;ssrc-id&gt; ...</c></summary>
    public static string? ParseSsrcGroup(string arg, out SsrcGroup? group)
    {
        group = null;
        var t = SdpParser.Tokens(arg);
        if (t.Length < 2) return "a=ssrc-group needs '<semantics> <ssrc-id> ...' (RFC 5576 §4.2)";
        var ssrcs = new Ssrc[t.Length - 1];
        for (int i = 1; i < t.Length; i++)
        {
            if (!SdpParser.TryParseUInt(t[i], out uint s)) return $"a=ssrc-group:{SdpParser.Clip(t[0])} id '{SdpParser.Clip(t[i])}' is not a 32-bit number";
            ssrcs[i - 1] = new Ssrc(s);
        }
        group = new SsrcGroup(t[0], new ValueList<Ssrc>(ssrcs));
        return null;
    }

    /// <summary>
    /// RFC 8851 §10: <c>a=rid:&lt;rid-id&gt; SP &lt;send|recv&gt; [SP pt=&lt;fmt&gt;,...;&lt;restriction&gt;=&lt;value&gt;...]</c>,
    /// rid-id = 1*(ALPHA / DIGIT / "-" / "_").
    /// </summary>
    public static string? ParseRid(string arg, out RidDescription? rid)
    {
        rid = null;
        var t = arg.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (t.Length < 2) return "a=rid needs '<rid-id> <send|recv> [<restrictions>]' (RFC 8851 §10)";
        if (!IsRidId(t[0])) return $"a=rid id '{SdpParser.Clip(t[0])}' must be letters, digits, '-' or '_' (RFC 8851 §10)";
        RidDirection dir;
        switch (t[1])
        {
            case "send": dir = RidDirection.Send; break;
            case "recv": dir = RidDirection.Recv; break;
            default: return $"a=rid direction '{SdpParser.Clip(t[1])}' is not send or recv (RFC 8851 §10)";
        }
        rid = new RidDescription(t[0], dir, t.Length == 3 ? SdpParser.ParseParameters(t[2]) : ValueList<SdpParameter>.Empty);
        return null;
    }

    /// <summary>
    /// RFC 8853 §5.1: <c>a=simulcast:&lt;send|recv&gt; &lt;streams&gt; [&lt;send|recv&gt; &lt;streams&gt;]</c>;
    /// streams are ';'-separated, alternatives ','-separated, '~' marks a paused rid.
    /// </summary>
    public static string? ParseSimulcast(string arg, out SimulcastDescription? simulcast)
    {
        simulcast = null;
        var t = SdpParser.Tokens(arg);
        if (t.Length is not (2 or 4)) return "a=simulcast needs '<send|recv> <rid list> [<send|recv> <rid list>]' (RFC 8853 §5.1)";
        ValueList<ValueList<SimulcastRid>>? send = null, recv = null;
        for (int i = 0; i < t.Length; i += 2)
        {
            var err = ParseSimulcastStreams(t[i + 1], out var streams);
            if (err is not null) return err;
            if (t[i] == "send" && send is null) send = streams;
            else if (t[i] == "recv" && recv is null) recv = streams;
            else return $"a=simulcast direction '{SdpParser.Clip(t[i])}' is not send or recv, or is repeated (RFC 8853 §5.1)";
        }
        simulcast = new SimulcastDescription(send ?? ValueList<ValueList<SimulcastRid>>.Empty, recv ?? ValueList<ValueList<SimulcastRid>>.Empty);
        return null;
    }

    private static string? ParseSimulcastStreams(string list, out ValueList<ValueList<SimulcastRid>> streams)
    {
        streams = ValueList<ValueList<SimulcastRid>>.Empty;
        // Drafts before RFC 8853 wrote "send rid=a;b"; accept and drop the prefix.
        if (list.StartsWith("rid=", StringComparison.Ordinal)) list = list[4..];
        var parts = list.Split(';');
        var result = new ValueList<SimulcastRid>[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var alts = parts[i].Split(',');
            var rids = new SimulcastRid[alts.Length];
            for (int j = 0; j < alts.Length; j++)
            {
                string a = alts[j];
                bool paused = a.StartsWith('~');
                if (paused) a = a[1..];
                if (!IsRidId(a)) return $"a=simulcast rid '{SdpParser.Clip(alts[j])}' must be letters, digits, '-' or '_' (RFC 8853 §5.1)";
                rids[j] = new SimulcastRid(a, paused);
            }
            result[i] = new ValueList<SimulcastRid>(rids);
        }
        streams = new ValueList<ValueList<SimulcastRid>>(result);
        return null;
    }

    private static bool IsRidId(string s)
    {
        if (s.Length == 0 || s.Length > 255) return false;
        foreach (char c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) return false;
        }
        return true;
    }

    /// <summary>
    /// RFC 8839 §5.1:
    /// <code>
    /// candidate:&lt;foundation&gt; &lt;component-id&gt; &lt;transport&gt; &lt;priority&gt; &lt;address&gt; &lt;port&gt; typ &lt;type&gt;
    ///           [raddr &lt;address&gt;] [rport &lt;port&gt;] *(&lt;extension-name&gt; &lt;extension-value&gt;)
    /// </code>
    /// </summary>
    public static string? ParseCandidate(string arg, out IceCandidate? candidate)
    {
        candidate = null;
        var t = SdpParser.Tokens(arg);
        if (t.Length < 8 || t[6] != "typ") return "a=candidate needs '<foundation> <component> <transport> <priority> <address> <port> typ <type>' (RFC 8839 §5.1)";
        if (t[0].Length > 32) return "a=candidate foundation is longer than 32 characters (RFC 8839 §5.1)";
        if (!SdpParser.TryParseInt(t[1], out int component) || component is < 1 or > 256) return $"a=candidate component '{SdpParser.Clip(t[1])}' is not 1-256";
        if (!SdpParser.TryParseUInt(t[3], out uint priority)) return $"a=candidate priority '{SdpParser.Clip(t[3])}' is not a 32-bit number";
        if (!SdpParser.TryParseInt(t[5], out int port) || port > 65535) return $"a=candidate port '{SdpParser.Clip(t[5])}' is not 0-65535";
        string? raddr = null;
        int? rport = null;
        List<SdpParameter>? ext = null;
        int i = 8;
        for (; i + 1 < t.Length; i += 2)
        {
            if (t[i] == "raddr" && raddr is null && ext is null)
            {
                raddr = t[i + 1];
            }
            else if (t[i] == "rport" && rport is null && ext is null)
            {
                if (!SdpParser.TryParseInt(t[i + 1], out int rp) || rp > 65535) return $"a=candidate rport '{SdpParser.Clip(t[i + 1])}' is not 0-65535";
                rport = rp;
            }
            else
            {
                (ext ??= new()).Add(new SdpParameter(t[i], t[i + 1]));
            }
        }
        if (i < t.Length) return $"a=candidate extension '{SdpParser.Clip(t[i])}' has no value (RFC 8839 §5.1)";
        candidate = new IceCandidate
        {
            Foundation = t[0],
            Component = component,
            Transport = t[2],
            Priority = priority,
            Address = t[4],
            Port = port,
            Type = t[7],
            RelatedAddress = raddr,
            RelatedPort = rport,
            Extensions = ValueList.Own(ext),
        };
        return null;
    }
}
