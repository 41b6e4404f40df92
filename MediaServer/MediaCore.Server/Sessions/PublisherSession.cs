using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Feedback;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Transport;
using MediaCore.Routing;
using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;
using RtpUris = MediaCore.Protocol.Rtp.RtpExtensionUris;
using RoutingMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Sessions;

/// <summary>
/// A WHIP publisher: one <see cref="Producer"/> per received m-line. Sends the publisher the feedback its
/// encoder and bandwidth estimator need: transport-cc feedback (so Chromium's send-side estimate can
/// grow, docs/decisions.md), NACKs for lost video packets, PLI when a consumer needs a key frame, and receiver reports.
/// </summary>
public sealed class PublisherSession : PeerSession, IKeyFrameRequester
{
    private readonly List<(string Mid, Producer Producer)> _producers = [];
    private readonly Dictionary<uint, Producer> _bySsrc = [];
    private readonly Dictionary<uint, NackGenerator> _nacks = [];
    private readonly Dictionary<uint, ReceiveStatistics> _stats = [];
    private readonly RtpExtensionMap _extensions;
    private readonly TwccFeedbackBuilder? _twcc;

    public PublisherSession(MediaEngine engine, MediaRoom room, string id, ParticipantInfo participant,
        NegotiatedSession negotiated, IceCredentials localIce, long nowTicks)
        : base(engine, room, id, SessionKind.Publisher, participant, negotiated, localIce, nowTicks)
    {
        _extensions = new RtpExtensionMap();
        bool twcc = false;
        foreach (var media in negotiated.Media)
        {
            if (media.Rejected) continue;
            foreach (var e in media.HeaderExtensions)
            {
                var kind = RtpUris.ToKind(e.Uri);
                if (kind != RtpExtensionKind.Unknown && _extensions.GetId(kind) == 0) _extensions.Add(e.Id, kind);
                twcc |= kind == RtpExtensionKind.TransportWideCc;
            }
        }
        if (twcc) _twcc = new TwccFeedbackBuilder(LocalSsrc.Value);
    }

    public IReadOnlyList<(string Mid, Producer Producer)> Producers => _producers;

    /// <summary>Creates the producers for the negotiated m-lines (called once, before any media).</summary>
    internal void CreateProducers(long nowTicks)
    {
        foreach (var media in Negotiated.Media)
        {
            if (media.Rejected || media.Codecs.Count == 0) continue;
            var codec = media.Codecs[0];
            var extensions = new RtpExtensionMap();
            foreach (var e in media.HeaderExtensions)
            {
                var kind = RtpUris.ToKind(e.Uri);
                if (kind != RtpExtensionKind.Unknown) extensions.Add(e.Id, kind);
            }
            var encodings = new List<ProducerEncodingOptions>();
            if (media.Rids.Count > 0)
            {
                foreach (var rid in media.Rids) encodings.Add(new ProducerEncodingOptions { Rid = rid });
            }
            else if (media.RemoteSources.Count > 0)
            {
                var s = media.RemoteSources[0];
                encodings.Add(new ProducerEncodingOptions { Ssrc = s.Ssrc.Value, RtxSsrc = s.RtxSsrc?.Value });
            }
            else
            {
                encodings.Add(new ProducerEncodingOptions());
            }
            var producer = Room.Router.CreateProducer(nowTicks, new ProducerOptions
            {
                Id = $"{Id}-{media.Mid}",
                ParticipantId = Participant.Id,
                Kind = media.Kind == RoutingMediaKind.Audio ? RoutingMediaKind.Audio : RoutingMediaKind.Video,
                IsContent = media.Kind == RoutingMediaKind.Video && media.IsSlides,
                Codec = ToCodecKind(codec),
                ClockRate = (uint)codec.ClockRate,
                PayloadType = codec.PayloadType,
                RtxPayloadType = codec.RtxPayloadType,
                Extensions = extensions,
                Encodings = encodings,
                KeyFrameRequester = this,
            });
            _producers.Add((media.Mid, producer));
        }
    }

    internal static CodecKind ToCodecKind(NegotiatedCodec codec) => codec.Codec switch
    {
        SdpCodec.Opus => CodecKind.Opus,
        SdpCodec.VP8 => CodecKind.Vp8,
        SdpCodec.H264 => CodecKind.H264,
        SdpCodec.VP9 => CodecKind.Vp9,
        SdpCodec.AV1 => CodecKind.Av1,
        _ => CodecKind.OtherAudio,
    };

    public override void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> datagram)
    {
        if (!RtpPacket.TryParse(datagram, out var packet)) return;
        uint ssrc = packet.Ssrc.Value;
        if (_twcc != null && _extensions.TryGet(packet, RtpExtensionKind.TransportWideCc, out var tw)
            && RtpExtensionValues.TryReadTransportWideSeq(tw, out ushort twSeq))
        {
            _twcc.OnPacket(nowTicks, twSeq, ssrc);
        }
        if (!_bySsrc.TryGetValue(ssrc, out var producer))
        {
            producer = FindProducer(packet);
            if (producer == null) return;
            _bySsrc[ssrc] = producer;
        }
        bool isMedia = packet.PayloadType == producer.PayloadType;
        if (isMedia)
        {
            if (!_stats.TryGetValue(ssrc, out var stats))
            {
                stats = new ReceiveStatistics(ssrc, (int)producer.ClockRate);
                _stats[ssrc] = stats;
            }
            stats.OnPacket(nowTicks, packet.SequenceNumber, packet.Timestamp.Value);
            if (producer.Kind == RoutingMediaKind.Video)
            {
                if (!_nacks.TryGetValue(ssrc, out var nack))
                {
                    nack = new NackGenerator(LocalSsrc.Value, ssrc);
                    _nacks[ssrc] = nack;
                }
                nack.OnPacket(nowTicks, packet.SequenceNumber);
            }
        }
        Room.Router.OnRtp(nowTicks, producer, datagram);
    }

    private Producer? FindProducer(in RtpPacket packet)
    {
        if (_extensions.TryGet(packet, RtpExtensionKind.Mid, out var midValue))
        {
            var mid = RtpExtensionValues.TrimSdesValue(midValue);
            foreach (var (m, p) in _producers)
            {
                if (RtpExtensionValues.SdesEquals(mid, m)) return p;
            }
        }
        foreach (var (_, p) in _producers)
        {
            if (p.PayloadType == packet.PayloadType || p.RtxPayloadType == packet.PayloadType) return p;
        }
        return null;
    }

    public void RequestKeyFrame(Producer producer, Ssrc mediaSsrc)
    {
        var pli = new PictureLossIndication(LocalSsrc.Value, mediaSsrc.Value);
        int n = pli.WriteTo(RtcpBuffer);
        SendRtcp(n);
        Metrics.MediaMetrics.PliSent.Inc();
    }

    protected override void OnRtcpPacket(long nowTicks, in RtcpPacket packet)
    {
        if (packet.PacketType != RtcpPacketType.SenderReport || !SenderReport.TryParse(packet.Raw, out var sr)) return;
        if (_stats.TryGetValue(sr.Ssrc, out var stats)) stats.OnSenderReport(nowTicks, sr.NtpTimestamp);
        // Sender reports let consumers align timestamps exactly when switching simulcast layers (RFC 3550 §6.4.1).
        if (_bySsrc.TryGetValue(sr.Ssrc, out var producer))
            Room.Router.OnSenderReport(producer, new Ssrc(sr.Ssrc), sr.NtpTimestamp, new RtpTimestamp(sr.RtpTimestamp));
    }

    protected override void OnTimeout(long nowTicks)
    {
        if (_twcc != null)
        {
            _twcc.HandleTimeout(nowTicks);
            while (_twcc.TryPollFeedback(RtcpBuffer, out int n)) SendRtcp(n);
        }
        foreach (var (ssrc, nack) in _nacks)
        {
            nack.HandleTimeout(nowTicks);
            while (nack.TryPollNack(RtcpBuffer, out int n))
            {
                SendRtcp(n);
                Metrics.MediaMetrics.NacksSent.Inc();
            }
            // Through the router's per-encoding throttle: one PLI per interval, whoever asks (RTX storm guard).
            if (nack.TryPollKeyFrameRequest() && _bySsrc.TryGetValue(ssrc, out var producer))
                Room.Router.RequestKeyFrame(nowTicks, producer, new Ssrc(ssrc));
        }
    }

    protected override long NextTimeout()
    {
        long due = _twcc?.PollTimeout() ?? MediaTime.Never;
        foreach (var nack in _nacks.Values) due = Math.Min(due, nack.PollTimeout());
        return due;
    }

    protected override void OnReportTimer(long nowTicks)
    {
        Span<ReportBlock> blocks = stackalloc ReportBlock[8];
        int count = 0;
        foreach (var stats in _stats.Values)
        {
            if (count == blocks.Length) break;
            if (stats.TryCreateReportBlock(nowTicks, out var block)) blocks[count++] = block;
        }
        if (count == 0) return;
        var rr = new ReceiverReportWriter(LocalSsrc.Value, blocks[..count]);
        int n = rr.WriteTo(RtcpBuffer);
        SendRtcp(n);
    }

    protected override void OnClosing(long nowTicks)
    {
        foreach (var (_, p) in _producers)
        {
            Metrics.MediaEngineCollector.Retire(p);
            Engine.Recordings?.OnProducerClosed(nowTicks, Room, p);
            Room.Router.RemoveProducer(nowTicks, p);
            Room.KeyFrames.Forget(p);
        }
        _producers.Clear();
    }
}
