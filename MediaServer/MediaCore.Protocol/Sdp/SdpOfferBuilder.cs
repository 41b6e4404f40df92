using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>Options for <see cref="SdpOfferBuilder.Build"/>: what a WHIP/WHEP client offers.</summary>
public sealed record OfferOptions
{
    public required string IceUfrag { get; init; }
    public required string IcePwd { get; init; }
    public required DtlsFingerprint Fingerprint { get; init; }
    /// <summary>Offers are actpass (RFC 8842 §5.2).</summary>
    public SetupRole Setup { get; init; } = SetupRole.ActPass;
    public ValueList<IceCandidate> Candidates { get; init; } = ValueList<IceCandidate>.Empty;
    /// <summary>SendOnly for WHIP publish, RecvOnly for WHEP subscribe.</summary>
    public MediaDirection Direction { get; init; } = MediaDirection.SendOnly;
    public int AudioSections { get; init; } = 1;
    public int VideoSections { get; init; } = 1;
    /// <summary>Video codecs offered, in preference order, each with an RTX format when <see cref="Rtx"/>.</summary>
    public ValueList<SdpCodec> VideoCodecs { get; init; } = [SdpCodec.VP8, SdpCodec.H264];
    public bool Rtx { get; init; } = true;
    /// <summary>Simulcast rids for sending video, lowest first (e.g. q, h, f); empty for none.</summary>
    public ValueList<string> SimulcastRids { get; init; } = ValueList<string>.Empty;
    /// <summary>Our audio stream when sending (a=ssrc, a=msid).</summary>
    public SendStream? AudioStream { get; init; }
    /// <summary>Our video stream when sending without simulcast; RTX SSRC goes in an FID group.</summary>
    public SendStream? VideoStream { get; init; }
    /// <summary>msid stream id for sections without a <see cref="SendStream"/>.</summary>
    public string StreamId { get; init; } = "mediacore";
    public ulong SessionId { get; init; } = 1;
}

/// <summary>
/// Builds a Chromium-like offer (RFC 8829 §5.2.1) for our own clients: Opus, VP8/H264 with RTX, the
/// header extensions and feedback Chromium uses, BUNDLE, rtcp-mux, optional simulcast rids. Our
/// negotiator and Chromium both accept it.
/// </summary>
public static class SdpOfferBuilder
{
    // Chromium 156's payload types and extension ids, so captures and our offers look alike.
    private const byte OpusPt = 111;

    private static readonly ValueList<RtcpFeedback> VideoFeedback =
        [RtcpFeedback.GoogRemb, RtcpFeedback.TransportCc, RtcpFeedback.CcmFir, RtcpFeedback.Nack, RtcpFeedback.NackPli];

    public static SessionDescription Build(OfferOptions options)
    {
        var media = new List<MediaDescription>();
        for (int i = 0; i < options.AudioSections; i++) media.Add(Audio(options, media.Count, i == 0 ? options.AudioStream : null));
        for (int i = 0; i < options.VideoSections; i++) media.Add(Video(options, media.Count, i == 0 ? options.VideoStream : null, i == 0));
        var mids = media.Select(m => m.Mid!).ToArray();
        bool sends = options.Direction is MediaDirection.SendOnly or MediaDirection.SendRecv;
        return new SessionDescription
        {
            Origin = Origin.Create(options.SessionId),
            Timing = (0, 0),
            Groups = [new SdpGroup("BUNDLE", mids)],
            ExtmapAllowMixed = true,
            MsidSemantic = new MsidSemantic("WMS", sends ? [options.StreamId] : ValueList<string>.Empty),
            Media = ValueList.Own(media),
        };
    }

    private static MediaDescription Common(OfferOptions o, string kind, int index)
    {
        var first = o.Candidates.Count > 0 ? o.Candidates[0] : null;
        return new MediaDescription
        {
            Media = kind,
            Port = first?.Port ?? 9,
            Connection = ConnectionData.For(first?.Address ?? "0.0.0.0"),
            Mid = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Direction = o.Direction,
            IceUfrag = o.IceUfrag,
            IcePwd = o.IcePwd,
            Fingerprint = o.Fingerprint,
            Setup = o.Setup,
            RtcpMux = true,
            RtcpRsize = true,
            Candidates = o.Candidates,
            EndOfCandidates = o.Candidates.Count > 0,
        };
    }

    private static MediaDescription Audio(OfferOptions o, int index, SendStream? stream)
    {
        var m = Common(o, "audio", index) with
        {
            HeaderExtensions =
            [
                new HeaderExtension(1, RtpExtensionUris.AudioLevel),
                new HeaderExtension(2, RtpExtensionUris.AbsSendTime),
                new HeaderExtension(3, RtpExtensionUris.TransportWideCc),
                new HeaderExtension(4, RtpExtensionUris.Mid),
            ],
            Codecs =
            [
                new RtpCodec
                {
                    PayloadType = new PayloadType(OpusPt), Name = "opus", ClockRate = 48000, Channels = 2,
                    Parameters = [new("minptime", "10"), new("useinbandfec", "1")],
                    Feedback = [RtcpFeedback.TransportCc],
                },
            ],
        };
        return WithStream(o, m, stream, rtx: false);
    }

    private static MediaDescription Video(OfferOptions o, int index, SendStream? stream, bool firstVideo)
    {
        var codecs = new List<RtpCodec>();
        foreach (var c in o.VideoCodecs)
        {
            var (pt, rtxPt, name, fmtp) = c switch
            {
                SdpCodec.VP8 => ((byte)96, (byte)97, "VP8", ValueList<SdpParameter>.Empty),
                SdpCodec.H264 => ((byte)102, (byte)103, "H264", (ValueList<SdpParameter>)[new("level-asymmetry-allowed", "1"), new("packetization-mode", "1"), new("profile-level-id", "42e01f")]),
                SdpCodec.VP9 => ((byte)98, (byte)99, "VP9", (ValueList<SdpParameter>)[new("profile-id", "0")]),
                SdpCodec.AV1 => ((byte)45, (byte)46, "AV1", (ValueList<SdpParameter>)[new("level-idx", "5"), new("profile", "0"), new("tier", "0")]),
                _ => (default(byte), default(byte), "", ValueList<SdpParameter>.Empty),
            };
            if (name.Length == 0) continue;
            codecs.Add(new RtpCodec { PayloadType = new PayloadType(pt), Name = name, ClockRate = 90000, Parameters = fmtp, Feedback = VideoFeedback });
            if (o.Rtx)
            {
                codecs.Add(new RtpCodec
                {
                    PayloadType = new PayloadType(rtxPt), Name = "rtx", ClockRate = 90000,
                    Parameters = [new("apt", pt.ToString(System.Globalization.CultureInfo.InvariantCulture))],
                });
            }
        }
        var m = Common(o, "video", index) with
        {
            HeaderExtensions =
            [
                new HeaderExtension(2, RtpExtensionUris.AbsSendTime),
                new HeaderExtension(3, RtpExtensionUris.TransportWideCc),
                new HeaderExtension(4, RtpExtensionUris.Mid),
                new HeaderExtension(10, RtpExtensionUris.RtpStreamId),
                new HeaderExtension(11, RtpExtensionUris.RepairedRtpStreamId),
            ],
            Codecs = ValueList.Own(codecs),
        };
        bool sends = o.Direction is MediaDirection.SendOnly or MediaDirection.SendRecv;
        if (sends && firstVideo && o.SimulcastRids.Count > 0)
        {
            // RFC 8853 §5.1 / RFC 8851 §4: like Chromium, rids replace a=ssrc lines for simulcast.
            return m with
            {
                Msids = [new Msid(stream?.StreamId ?? o.StreamId, stream?.TrackId ?? "video" + index)],
                Rids = o.SimulcastRids.Select(r => new RidDescription(r, RidDirection.Send)).ToArray(),
                Simulcast = new SimulcastDescription(SimulcastDescription.Streams(o.SimulcastRids.ToArray()), ValueList<ValueList<SimulcastRid>>.Empty),
            };
        }
        return WithStream(o, m, stream, rtx: o.Rtx);
    }

    private static MediaDescription WithStream(OfferOptions o, MediaDescription m, SendStream? s, bool rtx)
    {
        bool sends = o.Direction is MediaDirection.SendOnly or MediaDirection.SendRecv;
        if (!sends) return m;
        if (s is null) return m with { Msids = [new Msid(o.StreamId, m.Media + m.Mid)] };
        string msid = s.StreamId + " " + s.TrackId;
        var lines = new List<SsrcAttribute> { new(s.Ssrc, "cname", s.Cname), new(s.Ssrc, "msid", msid) };
        var groups = ValueList<SsrcGroup>.Empty;
        if (rtx && s.RtxSsrc is { } r)
        {
            groups = [new SsrcGroup("FID", [s.Ssrc, r])];
            lines.Add(new(r, "cname", s.Cname));
            lines.Add(new(r, "msid", msid));
        }
        return m with { Msids = [new Msid(s.StreamId, s.TrackId)], SsrcGroups = groups, Ssrcs = ValueList.Own(lines) };
    }
}
