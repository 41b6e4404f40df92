using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>What we want to do with one offered media section.</summary>
public enum MediaIntent
{
    /// <summary>We receive (WHIP publish): answer recvonly to a sendonly/sendrecv offer.</summary>
    Receive,
    /// <summary>We send (WHEP subscribe): answer sendonly to a recvonly/sendrecv offer.</summary>
    Send,
    /// <summary>Both ways, as far as the offer allows.</summary>
    SendReceive,
    /// <summary>Reject the section (port 0).</summary>
    Reject,
}

/// <summary>A stream we send in a media section: our SSRCs and identifiers (RFC 5576 §4.1, RFC 8830 §2).</summary>
/// <param name="Ssrc">Media SSRC.</param>
/// <param name="RtxSsrc">RTX SSRC (RFC 4588), signalled with <c>a=ssrc-group:FID</c> when RTX is negotiated.</param>
/// <param name="Cname">RTCP CNAME (RFC 3550 §6.5.1).</param>
/// <param name="StreamId">msid stream id (the remote MediaStream id).</param>
/// <param name="TrackId">msid track id.</param>
public sealed record SendStream(Ssrc Ssrc, Ssrc? RtxSsrc, string Cname, string StreamId, string TrackId);

/// <summary>Intent for one m= line, by index in the offer.</summary>
public sealed record MediaSectionOptions(MediaIntent Intent, SendStream? Send = null);

/// <summary>
/// Everything <see cref="SdpNegotiator.CreateAnswer"/> needs besides the offer. Defaults fit a WHIP
/// ingest on an ICE-lite, DTLS-passive SFU.
/// </summary>
public sealed record AnswerOptions
{
    /// <summary>Our ICE username fragment (RFC 8839 §5.4: 4-256 ice-chars).</summary>
    public required string IceUfrag { get; init; }
    /// <summary>Our ICE password (22-256 ice-chars).</summary>
    public required string IcePwd { get; init; }
    /// <summary>Fingerprint of our DTLS certificate (sha-256).</summary>
    public required DtlsFingerprint Fingerprint { get; init; }
    /// <summary>Our DTLS role when the offer says actpass (RFC 8842 §5.3: the answerer picks active or passive).</summary>
    public SetupRole Setup { get; init; } = SetupRole.Passive;
    /// <summary>Write <c>a=ice-lite</c> (RFC 8445 §2.5).</summary>
    public bool IceLite { get; init; } = true;
    /// <summary>Our candidates, e.g. <c>[IceCandidate.Host("127.0.0.1", 5000)]</c>; followed by end-of-candidates.</summary>
    public ValueList<IceCandidate> Candidates { get; init; } = ValueList<IceCandidate>.Empty;

    /// <summary>Intent for sections not covered by <see cref="Sections"/>.</summary>
    public MediaIntent DefaultIntent { get; init; } = MediaIntent.Receive;
    /// <summary>Per m= line options by offer index; missing entries use <see cref="DefaultIntent"/>.</summary>
    public ValueList<MediaSectionOptions> Sections { get; init; } = ValueList<MediaSectionOptions>.Empty;

    /// <summary>Audio codecs in our order of preference.</summary>
    public ValueList<SdpCodec> AudioCodecs { get; init; } = [SdpCodec.Opus];
    /// <summary>Video codecs in our order of preference; <c>[SdpCodec.H264]</c> forces H264.</summary>
    public ValueList<SdpCodec> VideoCodecs { get; init; } = [SdpCodec.VP8, SdpCodec.H264];
    /// <summary>
    /// Rank codecs by the offer's order (the remote's preference, e.g. a browser that called
    /// setCodecPreferences with H264 first) instead of ours; <see cref="AudioCodecs"/> and
    /// <see cref="VideoCodecs"/> then only say which codecs are allowed.
    /// </summary>
    public bool PreferOfferOrder { get; init; }
    /// <summary>
    /// Answer only the most preferred matching codec per section (plus its RTX), so a publisher cannot
    /// switch codec under subscribers. False answers every match in preference order.
    /// </summary>
    public bool SingleCodec { get; init; } = true;
    /// <summary>Negotiate RTX (RFC 4588) for video codecs the offer pairs with rtx.</summary>
    public bool EnableRtx { get; init; } = true;
    /// <summary>Negotiate transport-cc feedback and the transport-wide sequence number extension.</summary>
    public bool EnableTransportCc { get; init; } = true;
    /// <summary>Negotiate goog-remb feedback and the abs-send-time extension.</summary>
    public bool EnableRemb { get; init; } = true;
    /// <summary>Accept RFC 8853 simulcast (answer <c>a=simulcast:recv</c>) when we receive video.</summary>
    public bool EnableSimulcast { get; init; } = true;
    /// <summary>
    /// Echo <c>a=extmap-allow-mixed</c> (RFC 8285 §6) when offered: the peer may then mix one- and
    /// two-byte header extension forms, which our RTP reader must accept.
    /// </summary>
    public bool ExtmapAllowMixed { get; init; } = true;
    /// <summary>Header extensions we accept (URIs); see <see cref="RtpExtensionUris"/>.</summary>
    public ValueList<string> HeaderExtensions { get; init; } = RtpExtensionUris.All;
    /// <summary>
    /// Adds <c>x-google-start-bitrate</c> to answered video fmtp. Chromium then starts its encoder at this
    /// rate, which brings all simulcast layers up within seconds (measured: 2500).
    /// </summary>
    public int? VideoStartBitrateKbps { get; init; }

    /// <summary>o= session id; 0 derives one from <see cref="IceUfrag"/>.</summary>
    public ulong SessionId { get; init; }
    /// <summary>o= session version.</summary>
    public ulong SessionVersion { get; init; } = 2;
}

/// <summary>One codec both sides agreed on, with the RTX payload type that repairs it.</summary>
public sealed record NegotiatedCodec
{
    public required PayloadType PayloadType { get; init; }
    public required string Name { get; init; }
    public required int ClockRate { get; init; }
    /// <summary>Channel count (1 when rtpmap has none).</summary>
    public int Channels { get; init; } = 1;
    /// <summary>Which of our codecs this is, or null for one we only carry (client side).</summary>
    public SdpCodec? Codec { get; init; }
    /// <summary>RTX payload type (RFC 4588 apt=), or null.</summary>
    public PayloadType? RtxPayloadType { get; init; }
    public ValueList<SdpParameter> Parameters { get; init; } = ValueList<SdpParameter>.Empty;
    public ValueList<RtcpFeedback> Feedback { get; init; } = ValueList<RtcpFeedback>.Empty;

    public bool HasFeedback(RtcpFeedback fb) => Feedback.AsSpan().Contains(fb);
}

/// <summary>A source the remote side announced with <c>a=ssrc</c> lines, with its RTX pair (FID group).</summary>
public sealed record RemoteSource(Ssrc Ssrc, Ssrc? RtxSsrc, string? Cname, Msid? Msid);

/// <summary>The agreed shape of one m= line, from our point of view.</summary>
public sealed record NegotiatedMedia
{
    /// <summary>Index of the m= line in the offer and answer.</summary>
    public required int Index { get; init; }
    public required string Mid { get; init; }
    public required MediaKind Kind { get; init; }
    /// <summary>Our direction: RecvOnly means we receive.</summary>
    public required MediaDirection Direction { get; init; }
    /// <summary>True when the section was rejected (port 0); nothing else is set then.</summary>
    public bool Rejected { get; init; }
    /// <summary>Media codecs in preference order (RTX appears as <see cref="NegotiatedCodec.RtxPayloadType"/>).</summary>
    public ValueList<NegotiatedCodec> Codecs { get; init; } = ValueList<NegotiatedCodec>.Empty;
    public ValueList<HeaderExtension> HeaderExtensions { get; init; } = ValueList<HeaderExtension>.Empty;
    /// <summary>Simulcast rids in a=simulcast order (first alternative of each stream), or empty.</summary>
    public ValueList<string> Rids { get; init; } = ValueList<string>.Empty;
    /// <summary>Sources the remote side announced (a=ssrc), in order of appearance.</summary>
    public ValueList<RemoteSource> RemoteSources { get; init; } = ValueList<RemoteSource>.Empty;
    /// <summary>SSRCs of a legacy <c>a=ssrc-group:SIM</c>, lowest layer first, or empty.</summary>
    public ValueList<Ssrc> RemoteSimulcastSsrcs { get; init; } = ValueList<Ssrc>.Empty;
    /// <summary>Remote a=msid, if any.</summary>
    public Msid? RemoteMsid { get; init; }
    /// <summary>What we send here, if we send.</summary>
    public SendStream? LocalSend { get; init; }
    /// <summary>Both sides wrote rtcp-rsize (RFC 5506).</summary>
    public bool RtcpReducedSize { get; init; }
    /// <summary>The remote section's RFC 4796 <c>a=content</c> value (e.g. <c>slides</c>), or null.</summary>
    public string? Content { get; init; }

    /// <summary>True when the remote section is a screen or courseware share (RFC 4796 <c>a=content:slides</c>).</summary>
    public bool IsSlides
    {
        get
        {
            if (Content is null) return false;
            foreach (var v in Content.Split(',')) // RFC 4796 §5: a comma-separated list
            {
                if (string.Equals(v.Trim(), "slides", StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }
    }

    /// <summary>Extension id for <paramref name="uri"/>, or 0 when not negotiated (0 is never a valid id).</summary>
    public int ExtensionId(string uri)
    {
        foreach (var e in HeaderExtensions)
        {
            if (string.Equals(e.Uri, uri, StringComparison.Ordinal)) return e.Id;
        }
        return 0;
    }

    /// <summary>The codec with payload type <paramref name="pt"/> or whose RTX has it, or null.</summary>
    public NegotiatedCodec? FindCodec(PayloadType pt)
    {
        foreach (var c in Codecs)
        {
            if (c.PayloadType == pt || c.RtxPayloadType == pt) return c;
        }
        return null;
    }
}

/// <summary>The agreed session: transport parameters of the remote peer and one entry per m= line.</summary>
public sealed record NegotiatedSession
{
    public required string RemoteIceUfrag { get; init; }
    public required string RemoteIcePwd { get; init; }
    public required DtlsFingerprint RemoteFingerprint { get; init; }
    /// <summary>Our DTLS role: Passive = DTLS server, Active = DTLS client.</summary>
    public required SetupRole LocalSetup { get; init; }
    public bool RemoteIceLite { get; init; }
    /// <summary>Candidates in the remote description (all sections; BUNDLE shares one transport).</summary>
    public ValueList<IceCandidate> RemoteCandidates { get; init; } = ValueList<IceCandidate>.Empty;
    /// <summary>Mids of the BUNDLE group, first one tagged (RFC 9143 §7).</summary>
    public ValueList<string> BundleMids { get; init; } = ValueList<string>.Empty;
    public ValueList<NegotiatedMedia> Media { get; init; } = ValueList<NegotiatedMedia>.Empty;

    /// <summary>The section with mid <paramref name="mid"/>, or null.</summary>
    public NegotiatedMedia? FindMedia(string mid)
    {
        foreach (var m in Media)
        {
            if (m.Mid == mid) return m;
        }
        return null;
    }
}

/// <summary>Outcome of <see cref="SdpNegotiator.CreateAnswer"/>: an answer and its negotiated session, or an error.</summary>
public sealed record AnswerResult
{
    public SessionDescription? Answer { get; init; }
    public NegotiatedSession? Session { get; init; }
    /// <summary>Why the offer was refused (for a WHIP 400/406 body), or null on success.</summary>
    public string? Error { get; init; }

    public bool IsSuccess => Error is null;

    internal static AnswerResult Fail(string error) => new() { Error = error };
}
