using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>Media type of an m= line (RFC 8866 §5.14).</summary>
public enum MediaKind
{
    Audio,
    Video,
    Application,
    /// <summary>Any other media token ("text", "message", ...); kept verbatim in <see cref="MediaDescription.Media"/>.</summary>
    Other,
}

/// <summary>Media direction attribute (RFC 8866 §6.7; RFC 3264 §6.1 for its use in offer/answer).</summary>
public enum MediaDirection
{
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

/// <summary>DTLS role attribute <c>a=setup</c> (RFC 4145 §4, RFC 5763 §5).</summary>
public enum SetupRole
{
    ActPass,
    Active,
    Passive,
    HoldConn,
}

/// <summary>Direction of an <c>a=rid</c> line (RFC 8851 §4).</summary>
public enum RidDirection
{
    Send,
    Recv,
}

/// <summary><c>o=</c> line (RFC 8866 §5.2).</summary>
public sealed record Origin(
    string Username,
    ulong SessionId,
    ulong SessionVersion,
    string NetType,
    string AddressType,
    string Address)
{
    /// <summary>The origin JSEP implementations use: <c>- id version IN IP4 127.0.0.1</c> (RFC 8829 §5.2.1).</summary>
    public static Origin Create(ulong sessionId, ulong version = 2)
        => new("-", sessionId, version, "IN", "IP4", "127.0.0.1");
}

/// <summary><c>c=</c> line (RFC 8866 §5.7).</summary>
public sealed record ConnectionData(string NetType, string AddressType, string Address)
{
    /// <summary><c>IN IP4 address</c>, or <c>IN IP6</c> when the address contains ':'.</summary>
    public static ConnectionData For(string address)
        => new("IN", address.Contains(':') ? "IP6" : "IP4", address);
}

/// <summary><c>b=</c> line (RFC 8866 §5.8), e.g. <c>AS:2000</c> or <c>TIAS:1000000</c>.</summary>
public sealed record Bandwidth(string Type, ulong Value);

/// <summary>An SDP line kept as text: a line type we do not model (i, u, e, p, r, z, k, extra t).</summary>
public sealed record SdpLine(char Type, string Value);

/// <summary>An attribute kept verbatim: <c>a=name</c> or <c>a=name:value</c> (RFC 8866 §5.13).</summary>
public sealed record SdpAttribute(string Name, string? Value)
{
    public override string ToString() => Value is null ? Name : Name + ":" + Value;
}

/// <summary>One <c>key</c> or <c>key=value</c> element of a parameter list (fmtp, rid restrictions).</summary>
public sealed record SdpParameter(string Key, string? Value)
{
    public override string ToString() => Value is null ? Key : Key + "=" + Value;
}

/// <summary><c>a=group</c> (RFC 5888 §5), e.g. BUNDLE (RFC 9143) or LS.</summary>
public sealed record SdpGroup(string Semantics, ValueList<string> Mids);

/// <summary><c>a=msid-semantic</c> (the pre-RFC 8830 WebRTC form Chromium still writes: <c>WMS [ids]</c>).</summary>
public sealed record MsidSemantic(string Semantic, ValueList<string> Identifiers);

/// <summary><c>a=msid</c> (RFC 8830 §2): media stream id and optional track id.</summary>
public sealed record Msid(string StreamId, string? TrackId);

/// <summary><c>a=rtcp-fb</c> (RFC 4585 §4.2): type (nack, ccm, goog-remb, transport-cc, ...) and parameter (pli, fir, ...).</summary>
public sealed record RtcpFeedback(string Type, string? Parameter = null)
{
    public static readonly RtcpFeedback Nack = new("nack");
    public static readonly RtcpFeedback NackPli = new("nack", "pli");
    public static readonly RtcpFeedback CcmFir = new("ccm", "fir");
    public static readonly RtcpFeedback GoogRemb = new("goog-remb");
    public static readonly RtcpFeedback TransportCc = new("transport-cc");

    public override string ToString() => Parameter is null ? Type : Type + " " + Parameter;

    /// <summary>The shared instance for the common values, a new one otherwise (an empty parameter is none).</summary>
    internal static RtcpFeedback From(ReadOnlySpan<char> type, ReadOnlySpan<char> parameter)
    {
        if (parameter.IsEmpty)
        {
            if (type is "nack") return Nack;
            if (type is "goog-remb") return GoogRemb;
            if (type is "transport-cc") return TransportCc;
        }
        else if (type is "nack" && parameter is "pli") return NackPli;
        else if (type is "ccm" && parameter is "fir") return CcmFir;
        return new RtcpFeedback(type.ToString(), parameter.IsEmpty ? null : parameter.ToString());
    }
}

/// <summary>
/// One RTP payload format of an m= line: its <c>a=rtpmap</c> (RFC 8866 §6.6), <c>a=fmtp</c> (§6.15) and
/// <c>a=rtcp-fb</c> lines (RFC 4585). A static payload type listed without rtpmap has an empty
/// <see cref="Name"/> and clock rate 0, and the writer emits no rtpmap for it.
/// </summary>
public sealed record RtpCodec
{
    public required PayloadType PayloadType { get; init; }
    /// <summary>Encoding name as written (compare case-insensitively, RFC 4855 §3).</summary>
    public required string Name { get; init; }
    public required int ClockRate { get; init; }
    /// <summary>Channel count from rtpmap, or null when absent (meaning 1 for audio).</summary>
    public int? Channels { get; init; }
    public ValueList<SdpParameter> Parameters { get; init; } = ValueList<SdpParameter>.Empty;
    public ValueList<RtcpFeedback> Feedback { get; init; } = ValueList<RtcpFeedback>.Empty;

    /// <summary>Value of fmtp parameter <paramref name="key"/> (case-insensitive), or null.</summary>
    public string? GetParameter(string key)
    {
        foreach (var p in Parameters)
        {
            if (string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)) return p.Value;
        }
        return null;
    }

    public bool IsNamed(string name) => string.Equals(Name, name, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{PayloadType.Value} {Name}/{ClockRate}{(Channels is int c ? "/" + c : "")}";
}

/// <summary><c>a=extmap</c> (RFC 8285 §8): id (1-14 one-byte, up to 255 two-byte), optional direction, URI.</summary>
public sealed record HeaderExtension(int Id, string Uri, MediaDirection? Direction = null, string? Attributes = null);

/// <summary><c>a=ssrc</c> (RFC 5576 §4.1): one source attribute, e.g. <c>cname</c> or <c>msid</c>.</summary>
public sealed record SsrcAttribute(Ssrc Ssrc, string Name, string? Value);

/// <summary><c>a=ssrc-group</c> (RFC 5576 §4.2): FID (RTX, RFC 4588), SIM, FEC-FR.</summary>
public sealed record SsrcGroup(string Semantics, ValueList<Ssrc> Ssrcs);

/// <summary><c>a=rid</c> (RFC 8851 §4): RTP stream id, direction, restrictions (pt=, max-width=, ...).</summary>
public sealed record RidDescription(string Id, RidDirection Direction, ValueList<SdpParameter> Restrictions)
{
    public RidDescription(string id, RidDirection direction) : this(id, direction, ValueList<SdpParameter>.Empty) { }
}

/// <summary>One alternative inside a simulcast stream (RFC 8853 §5.1); <c>~</c> marks it paused.</summary>
public sealed record SimulcastRid(string Rid, bool Paused = false)
{
    public override string ToString() => Paused ? "~" + Rid : Rid;
}

/// <summary>
/// <c>a=simulcast</c> (RFC 8853 §5.1). Each direction is a list of streams separated by ';', and each
/// stream a list of alternative rids separated by ','.
/// </summary>
public sealed record SimulcastDescription(ValueList<ValueList<SimulcastRid>> Send, ValueList<ValueList<SimulcastRid>> Recv)
{
    /// <summary>One stream per rid, for the usual <c>send q;h;f</c> shape.</summary>
    public static ValueList<ValueList<SimulcastRid>> Streams(params string[] rids)
        => ValueList.Create<ValueList<SimulcastRid>>(rids.Select(r => (ValueList<SimulcastRid>)[new SimulcastRid(r)]).ToArray());
}

/// <summary>
/// <c>a=candidate</c> (RFC 8839 §5.1):
/// <code>
/// candidate:foundation component transport priority address port typ type [raddr a rport p] *(name value)
/// </code>
/// </summary>
public sealed record IceCandidate
{
    public required string Foundation { get; init; }
    public int Component { get; init; } = 1;
    /// <summary>"udp" or "tcp" (as written).</summary>
    public string Transport { get; init; } = "udp";
    public required uint Priority { get; init; }
    public required string Address { get; init; }
    public required int Port { get; init; }
    /// <summary>host, srflx, prflx or relay.</summary>
    public string Type { get; init; } = "host";
    public string? RelatedAddress { get; init; }
    public int? RelatedPort { get; init; }
    /// <summary>Extension name/value pairs after the type (generation, tcptype, network-id, ...).</summary>
    public ValueList<SdpParameter> Extensions { get; init; } = ValueList<SdpParameter>.Empty;

    /// <summary>
    /// A UDP host candidate for component 1 with the RFC 8445 §5.1.2.1 priority for type host
    /// (type preference 126, local preference 65535).
    /// </summary>
    public static IceCandidate Host(string address, int port, string foundation = "1")
        => new()
        {
            Foundation = foundation,
            Priority = (126u << 24) | (65535u << 8) | (256u - 1),
            Address = address,
            Port = port,
        };
}
