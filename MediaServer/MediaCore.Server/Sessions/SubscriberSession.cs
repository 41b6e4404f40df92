using MediaCore.Protocol.Core;
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
/// A WHEP subscriber: one <see cref="Consumer"/> per offered recvonly m-line, fed by program selectors so the
/// subscriber keeps its session while the floor moves between publishers. Answers NACK from the packet
/// cache, forwards PLI/FIR upstream, follows REMB for the simulcast layer, and sends sender reports.
/// </summary>
public sealed class SubscriberSession : PeerSession, IRtpSink
{
    private readonly List<Consumer> _consumers = [];
    private readonly List<Consumer> _audioSlots = [];
    private readonly List<Consumer> _videoSlots = [];
    private readonly List<Consumer> _contentSlots = [];
    private readonly List<ProgramSelector> _selectors = [];
    private ProgramSelector? _audioSelector;
    private ProgramSelector? _videoSelector;
    private readonly NtpClock _ntp;

    public SubscriberSession(MediaEngine engine, MediaRoom room, string id, ParticipantInfo participant,
        NegotiatedSession negotiated, IceCredentials localIce, long nowTicks)
        : base(engine, room, id, SessionKind.Subscriber, participant, negotiated, localIce, nowTicks)
    {
        _ntp = new NtpClock(DateTimeOffset.UtcNow, nowTicks);
    }

    public IReadOnlyList<Consumer> Consumers => _consumers;

    /// <summary>Creates a consumer per negotiated sendonly m-line and attaches the program selectors.</summary>
    internal void CreateConsumers(long nowTicks)
    {
        foreach (var media in Negotiated.Media)
        {
            if (media.Rejected || media.Codecs.Count == 0 || media.LocalSend is not { } send) continue;
            var codec = media.Codecs[0];
            var extensions = new RtpExtensionMap();
            foreach (var e in media.HeaderExtensions)
            {
                var kind = RtpUris.ToKind(e.Uri);
                if (kind != RtpExtensionKind.Unknown) extensions.Add(e.Id, kind);
            }
            bool video = media.Kind == Protocol.Sdp.MediaKind.Video;
            bool content = video && media.IsSlides;
            var options = new ConsumerOptions
            {
                Id = $"{Id}-{media.Mid}",
                ParticipantId = Participant.Id,
                IsContent = content,
                Kind = video ? RoutingMediaKind.Video : RoutingMediaKind.Audio,
                Codec = PublisherSession.ToCodecKind(codec),
                ClockRate = (uint)codec.ClockRate,
                Ssrc = send.Ssrc,
                PayloadType = codec.PayloadType,
                RtxSsrc = codec.RtxPayloadType != null ? send.RtxSsrc : null,
                RtxPayloadType = send.RtxSsrc != null ? codec.RtxPayloadType : null,
                Extensions = extensions,
                Mid = media.Mid,
            };
            Consumer consumer = video
                ? Room.Router.CreateSimulcastConsumer(nowTicks, options, this)
                : Room.Router.CreateConsumer(nowTicks, options, this);
            consumer.RoundTripTime = InitialRoundTrip;
            _consumers.Add(consumer);
            (content ? _contentSlots : video ? _videoSlots : _audioSlots).Add(consumer);
        }
        // Observers and audience never see themselves; a participant that also publishes doesn't either.
        if (_videoSlots.Count > 0) _selectors.Add(_videoSelector = Room.Router.CreateProgramSelector(nowTicks, _videoSlots, Participant.Id));
        // Content slots (a=content:slides) carry the room's screen/courseware share, the newest first.
        if (_contentSlots.Count > 0) _selectors.Add(Room.Router.CreateProgramSelector(nowTicks, _contentSlots, Participant.Id));
        if (_audioSlots.Count > 0) _selectors.Add(_audioSelector = Room.Router.CreateProgramSelector(nowTicks, _audioSlots, Participant.Id));
    }

    /// <summary>
    /// Mixed rooms (Mixing/RoomAudio): the mixer writes the room mix on the first audio m-line, so the audio
    /// consumers stop forwarding.
    /// </summary>
    internal void StopAudioForwarding(long nowTicks)
    {
        if (_audioSelector == null) return;
        Room.Router.RemoveProgramSelector(_audioSelector);
        _selectors.Remove(_audioSelector);
        _audioSelector = null;
        foreach (var c in _audioSlots) c.SetSource(nowTicks, null);
    }

    /// <summary>Forwarded packets from the router: protect in place and send.</summary>
    public void SendRtp(Span<byte> buffer, int length) => Transport.SendRtp(buffer, length);

    /// <summary>A slot of the send worker that protects this session's packets, for the router to rewrite into.</summary>
    public bool TryBeginRtp(out OutputSlot slot) => Transport.TryBeginRtp(out slot);

    public void CommitRtp(in OutputSlot slot, int length) => Transport.CommitRtp(slot, length);

    public override void OnConnected(WebRtcTransport transport, long nowTicks)
    {
        base.OnConnected(transport, nowTicks);
        // The decoder starts from a key frame: ask every video source for one now that packets can flow.
        foreach (var c in _videoSlots) c.RequestKeyFrame(nowTicks);
        foreach (var c in _contentSlots) c.RequestKeyFrame(nowTicks);
    }

    /// <summary>A WHEP subscriber sends no media; a stray RTP packet is ignored.</summary>
    public override void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> packet) { }

    protected override void OnRtcpPacket(long nowTicks, in RtcpPacket packet)
    {
        switch (packet.PacketType)
        {
            case RtcpPacketType.TransportFeedback when packet.Format == RtcpFeedbackFormat.GenericNack:
                Metrics.MediaMetrics.NacksReceived.Inc();
                if (GenericNack.TryParse(packet.Raw, out var nack) && FindConsumer(nack.MediaSsrc) is { } nacked)
                {
                    for (int i = 0; i < nack.ItemCount; i++)
                    {
                        var item = nack.GetItem(i);
                        nacked.OnNack(nowTicks, item.PacketId, item.LostBitmask);
                    }
                }
                break;
            case RtcpPacketType.ReceiverReport:
                Metrics.MediaMetrics.ObserveReceiverReport(packet.Raw, _consumers);
                UpdateRoundTripTime(nowTicks, packet.Raw);
                break;
            case RtcpPacketType.PayloadFeedback when packet.Format == RtcpFeedbackFormat.PictureLossIndication:
                Metrics.MediaMetrics.PliReceived.Inc();
                if (PictureLossIndication.TryParse(packet.Raw, out var pli))
                    FindConsumer(pli.MediaSsrc)?.RequestKeyFrame(nowTicks);
                break;
            case RtcpPacketType.PayloadFeedback when packet.Format == RtcpFeedbackFormat.FullIntraRequest:
                Metrics.MediaMetrics.PliReceived.Inc();
                if (FullIntraRequest.TryParse(packet.Raw, out var fir))
                {
                    for (int i = 0; i < fir.EntryCount; i++) FindConsumer(fir.GetEntry(i).Ssrc)?.RequestKeyFrame(nowTicks);
                }
                break;
            case RtcpPacketType.PayloadFeedback when packet.Format == RtcpFeedbackFormat.ApplicationLayer:
                if (Remb.TryParse(packet.Raw, out var remb)) ApplyRemb(nowTicks, (long)remb.Bitrate);
                break;
        }
    }

    /// <summary>
    /// RFC 3550 §6.4.1: RTT = arrival - LSR - DLSR for report blocks about our SSRCs. Each consumer answers a NACK
    /// for one packet at most once per RTT (its retransmission guard).
    /// </summary>
    private void UpdateRoundTripTime(long nowTicks, ReadOnlySpan<byte> raw)
    {
        if (!ReceiverReport.TryParse(raw, out var rr)) return;
        uint arrival = NtpTime.ToCompact(_ntp.ToNtp(nowTicks));
        foreach (var block in rr.ReportBlocks)
        {
            if (block.LastSr == 0 || !NtpTime.TryComputeRtt(arrival, block.LastSr, block.DelaySinceLastSr, out long rttTicks)) continue;
            var rtt = TimeSpan.FromTicks(Math.Clamp(rttTicks, MinRoundTrip.Ticks, MaxRoundTrip.Ticks));
            foreach (var c in _consumers) c.RoundTripTime = rtt;
            return;
        }
    }

    /// <summary>Bounds for the measured RTT; before any report a consumer assumes <see cref="InitialRoundTrip"/>.</summary>
    private static readonly TimeSpan MinRoundTrip = TimeSpan.FromMilliseconds(10), MaxRoundTrip = TimeSpan.FromSeconds(1),
        InitialRoundTrip = TimeSpan.FromMilliseconds(100);

    /// <summary>REMB (draft-alvestrand-rmcat-remb) estimates the whole downlink: share it between video slots.</summary>
    private void ApplyRemb(long nowTicks, long bitsPerSecond)
    {
        int slots = _videoSlots.Count + _contentSlots.Count;
        if (slots == 0) return;
        long audio = 64_000L * _audioSlots.Count;
        long perSlot = Math.Max(0, bitsPerSecond - audio) / slots;
        foreach (var c in _videoSlots)
        {
            if (c is SimulcastConsumer s) s.SetAvailableBitrate(nowTicks, perSlot);
        }
        foreach (var c in _contentSlots)
        {
            if (c is SimulcastConsumer s) s.SetAvailableBitrate(nowTicks, perSlot);
        }
    }

    private Consumer? FindConsumer(uint ssrc)
    {
        foreach (var c in _consumers)
        {
            if (c.Ssrc.Value == ssrc) return c;
        }
        return null;
    }

    /// <summary>RFC 3550 §6.4.1 sender reports let the browser sync audio and video and compute RTT.</summary>
    protected override void OnReportTimer(long nowTicks)
    {
        ulong ntp = _ntp.ToNtp(nowTicks);
        foreach (var c in _consumers)
        {
            if (!c.TryGetSenderInfo(nowTicks, out var ts, out uint packets, out uint octets)) continue;
            var sr = new SenderReportWriter(c.Ssrc.Value, new SenderInfo(ntp, ts.Value, packets, octets));
            int n = sr.WriteTo(RtcpBuffer);
            SendRtcp(n);
        }
    }

    /// <summary>Video from one participant only (patrol), or the program again (null); see <see cref="ProgramSelector.SetFixedParticipant"/>.</summary>
    internal void SetVideoSource(long nowTicks, string? participantId) => _videoSelector?.SetFixedParticipant(nowTicks, participantId);

    /// <summary>Sets the preferred simulcast layer of every video slot (null: follow bandwidth).</summary>
    internal void SetPreferredLayer(long nowTicks, int? layer)
    {
        foreach (var c in _videoSlots)
        {
            if (c is SimulcastConsumer s) s.SetPreferredLayer(nowTicks, layer);
        }
        foreach (var c in _contentSlots)
        {
            if (c is SimulcastConsumer s) s.SetPreferredLayer(nowTicks, layer);
        }
    }

    protected override void OnClosing(long nowTicks)
    {
        foreach (var s in _selectors) Room.Router.RemoveProgramSelector(s);
        foreach (var c in _consumers)
        {
            Metrics.MediaEngineCollector.Retire(c);
            Room.Router.RemoveConsumer(c);
        }
        _selectors.Clear();
        _consumers.Clear();
    }
}
