using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>
/// A parsed SDP session description (RFC 8866 §5), typed for WebRTC: transport attributes (ICE,
/// DTLS), BUNDLE groups, media sections. Attributes not modelled are kept in <see cref="Attributes"/>
/// so writing a parsed description loses nothing that matters. Records compare structurally.
/// </summary>
public sealed record SessionDescription
{
    /// <summary><c>o=</c> line.</summary>
    public required Origin Origin { get; init; }
    /// <summary><c>s=</c> line; "-" when there is nothing to say (RFC 8829 §5.2.1).</summary>
    public string SessionName { get; init; } = "-";
    /// <summary>Session-level <c>c=</c>, if any.</summary>
    public ConnectionData? Connection { get; init; }
    public ValueList<Bandwidth> Bandwidths { get; init; } = ValueList<Bandwidth>.Empty;
    /// <summary>First <c>t=</c> line; WebRTC always writes <c>t=0 0</c>.</summary>
    public (ulong Start, ulong Stop) Timing { get; init; }
    /// <summary>Lines of types the model does not type (i, u, e, p, r, z, k, further t), in order.</summary>
    public ValueList<SdpLine> OtherLines { get; init; } = ValueList<SdpLine>.Empty;

    /// <summary><c>a=group</c> lines (RFC 5888), e.g. BUNDLE.</summary>
    public ValueList<SdpGroup> Groups { get; init; } = ValueList<SdpGroup>.Empty;
    public MsidSemantic? MsidSemantic { get; init; }
    /// <summary><c>a=ice-lite</c> (RFC 8839 §5.3).</summary>
    public bool IceLite { get; init; }
    /// <summary><c>a=extmap-allow-mixed</c> (RFC 8285 §6) at session level.</summary>
    public bool ExtmapAllowMixed { get; init; }
    public string? IceUfrag { get; init; }
    public string? IcePwd { get; init; }
    public ValueList<string> IceOptions { get; init; } = ValueList<string>.Empty;
    public DtlsFingerprint? Fingerprint { get; init; }
    public SetupRole? Setup { get; init; }
    /// <summary>Session-level direction, the default for media sections that carry none (RFC 8866 §6.7).</summary>
    public MediaDirection? Direction { get; init; }
    /// <summary>Session-level attributes the model does not type, in order.</summary>
    public ValueList<SdpAttribute> Attributes { get; init; } = ValueList<SdpAttribute>.Empty;

    public ValueList<MediaDescription> Media { get; init; } = ValueList<MediaDescription>.Empty;

    /// <summary>The first BUNDLE group (RFC 9143), or null.</summary>
    public SdpGroup? BundleGroup
    {
        get
        {
            foreach (var g in Groups)
            {
                if (string.Equals(g.Semantics, "BUNDLE", StringComparison.OrdinalIgnoreCase)) return g;
            }
            return null;
        }
    }
}

/// <summary>
/// One media section: the m= line (RFC 8866 §5.14) and the lines that follow it up to the next m= line.
/// </summary>
public sealed record MediaDescription
{
    /// <summary>Media token as written: "audio", "video", "application", ...</summary>
    public required string Media { get; init; }
    /// <summary>Port; 0 marks a rejected section (RFC 3264 §6), 9 the JSEP placeholder.</summary>
    public int Port { get; init; } = 9;
    /// <summary>Optional port count after a slash in the m= line.</summary>
    public int? PortCount { get; init; }
    /// <summary>Transport protocol, e.g. <c>UDP/TLS/RTP/SAVPF</c> (RFC 5764 §8).</summary>
    public string Protocol { get; init; } = "UDP/TLS/RTP/SAVPF";
    /// <summary>Format tokens for non-RTP protocols (e.g. <c>webrtc-datachannel</c>); for RTP the formats are <see cref="Codecs"/>.</summary>
    public ValueList<string> Formats { get; init; } = ValueList<string>.Empty;

    public ConnectionData? Connection { get; init; }
    public ValueList<Bandwidth> Bandwidths { get; init; } = ValueList<Bandwidth>.Empty;
    /// <summary>i= and k= lines of the section, in order.</summary>
    public ValueList<SdpLine> OtherLines { get; init; } = ValueList<SdpLine>.Empty;

    /// <summary><c>a=mid</c> (RFC 5888 §4).</summary>
    public string? Mid { get; init; }
    /// <summary>Direction; <see cref="MediaDirection.SendRecv"/> when the section (and session) has none.</summary>
    public MediaDirection Direction { get; init; } = MediaDirection.SendRecv;
    public string? IceUfrag { get; init; }
    public string? IcePwd { get; init; }
    public ValueList<string> IceOptions { get; init; } = ValueList<string>.Empty;
    public DtlsFingerprint? Fingerprint { get; init; }
    public SetupRole? Setup { get; init; }
    /// <summary><c>a=rtcp-mux</c> (RFC 5761 §5.1.3).</summary>
    public bool RtcpMux { get; init; }
    /// <summary><c>a=rtcp-rsize</c> (RFC 5506 §5).</summary>
    public bool RtcpRsize { get; init; }
    /// <summary><c>a=bundle-only</c> (RFC 9143 §6).</summary>
    public bool BundleOnly { get; init; }
    /// <summary><c>a=extmap-allow-mixed</c> (RFC 8285 §6) at media level.</summary>
    public bool ExtmapAllowMixed { get; init; }

    /// <summary>Payload formats in m= line order (the offerer's preference order).</summary>
    public ValueList<RtpCodec> Codecs { get; init; } = ValueList<RtpCodec>.Empty;
    /// <summary><c>a=rtcp-fb:*</c> lines that apply to every payload type.</summary>
    public ValueList<RtcpFeedback> WildcardFeedback { get; init; } = ValueList<RtcpFeedback>.Empty;
    public ValueList<HeaderExtension> HeaderExtensions { get; init; } = ValueList<HeaderExtension>.Empty;

    public ValueList<Msid> Msids { get; init; } = ValueList<Msid>.Empty;
    public ValueList<SsrcGroup> SsrcGroups { get; init; } = ValueList<SsrcGroup>.Empty;
    public ValueList<SsrcAttribute> Ssrcs { get; init; } = ValueList<SsrcAttribute>.Empty;
    public ValueList<RidDescription> Rids { get; init; } = ValueList<RidDescription>.Empty;
    public SimulcastDescription? Simulcast { get; init; }

    public ValueList<IceCandidate> Candidates { get; init; } = ValueList<IceCandidate>.Empty;
    /// <summary><c>a=end-of-candidates</c> (RFC 8840 §8.2).</summary>
    public bool EndOfCandidates { get; init; }

    /// <summary>Attributes the model does not type, in order (e.g. rtcp, rtcp-xr, sctp-port).</summary>
    public ValueList<SdpAttribute> Attributes { get; init; } = ValueList<SdpAttribute>.Empty;

    /// <summary>
    /// RFC 4796 <c>a=content</c> of this section (<c>slides</c>, <c>speaker</c>, <c>sl</c>, <c>main</c>, <c>alt</c>), or null.
    /// MediaCore reads <c>slides</c> as a screen or courseware share.
    /// </summary>
    public string? Content
    {
        get
        {
            foreach (var a in Attributes)
            {
                if (string.Equals(a.Name, "content", StringComparison.OrdinalIgnoreCase)) return a.Value;
            }
            return null;
        }
    }

    /// <summary><see cref="Media"/> as an enum.</summary>
    public MediaKind Kind => Media switch
    {
        "audio" => MediaKind.Audio,
        "video" => MediaKind.Video,
        "application" => MediaKind.Application,
        _ => MediaKind.Other,
    };

    /// <summary>True when the protocol carries RTP (its name contains "RTP/", RFC 8866 §5.14).</summary>
    public bool IsRtp => Protocol.Contains("RTP/", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the port is 0 and the section is not bundle-only: the section is rejected or disabled.</summary>
    public bool IsRejected => Port == 0 && !BundleOnly;

    /// <summary>The codec with payload type <paramref name="pt"/>, or null.</summary>
    public RtpCodec? FindCodec(PayloadType pt)
    {
        foreach (var c in Codecs)
        {
            if (c.PayloadType == pt) return c;
        }
        return null;
    }

    /// <summary>The extension id negotiated for <paramref name="uri"/>, or null.</summary>
    public int? FindExtensionId(string uri)
    {
        foreach (var e in HeaderExtensions)
        {
            if (string.Equals(e.Uri, uri, StringComparison.Ordinal)) return e.Id;
        }
        return null;
    }

    /// <summary>Value of the first <c>a=ssrc:&lt;ssrc&gt; name:value</c> for this SSRC, or null.</summary>
    public string? FindSsrcAttribute(Ssrc ssrc, string name)
    {
        foreach (var a in Ssrcs)
        {
            if (a.Ssrc == ssrc && string.Equals(a.Name, name, StringComparison.Ordinal)) return a.Value;
        }
        return null;
    }
}
