using System.Buffers.Binary;
using System.Security.Cryptography;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Demux;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Srtp;
using MediaCore.Routing;
using MediaCore.Server.Sessions;
using MediaCore.Server.Timers;
using SdpMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Cluster;

/// <summary>A track on a relay link, as the origin node describes it in the relay answer.</summary>
/// <param name="ProducerId">The producer on the origin node.</param>
/// <param name="Ssrc">The SSRC the track has on the link (the origin's relay consumer).</param>
public sealed record RelayTrackDto(string Room, string ProducerId, string ParticipantId, string Kind, string Codec, uint ClockRate,
    byte PayloadType, byte? RtxPayloadType, uint Ssrc, uint? RtxSsrc);

/// <summary>
/// The one relay transport between this node and one peer node: SRTP (AEAD-AES-128-GCM) over plain RTP/RTCP on both nodes'
/// media ports, keyed over the authenticated relay API (each side sends the key of what it sends; no DTLS handshake on the
/// media port, so a link costs one HTTP call). Both directions share it:
/// <list type="bullet">
/// <item>outbound (this node is the origin): one <see cref="Consumer"/> per track the peer asked for, on the track's room
/// router; audio passes the room's top-N gate (<see cref="RelayAudioGate"/>); NACK and PLI from the peer reach those
/// consumers, its receiver reports give the link's RTT and loss;</item>
/// <item>inbound (the peer is the origin): one <see cref="Producer"/> per relayed track in the local room, so the room's router
/// fans it out to local subscribers and the mixer mixes it; the router's loss detection NACKs over the link and key-frame
/// requests become PLIs on the link.</item>
/// </list>
/// One copy of each track crosses the link whatever the number of subscribers on the receiving node. Used only under
/// <see cref="MediaEngine.Gate"/> (the engine routes datagrams from the peer's media address here).
/// </summary>
public sealed class RelayLink : IRtpSink, IKeyFrameRequester, IRetransmissionRequester, ITimerTarget
{
    private const SrtpProfile Profile = SrtpProfile.AeadAes128Gcm;
    private static readonly long ReportInterval = TimeSpan.TicksPerSecond;
    private static readonly TimeSpan MinRtt = TimeSpan.FromMilliseconds(1), MaxRtt = TimeSpan.FromSeconds(2);

    private sealed class OutTrack(MediaRoom room, Producer source, Consumer consumer, long baseline)
    {
        public MediaRoom Room { get; } = room;
        public Producer Source { get; } = source;
        public Consumer Consumer { get; } = consumer;
        /// <summary>The source's packet count when the track joined the link (the check "link packets = published packets").</summary>
        public long Baseline { get; } = baseline;
    }

    private sealed class InTrack(MediaRoom room, Producer producer, RelayTrackDto dto)
    {
        public MediaRoom Room { get; } = room;
        public Producer Producer { get; } = producer;
        public RelayTrackDto Dto { get; } = dto;
        public ReceiveStatistics Stats { get; } = new(dto.Ssrc, (int)dto.ClockRate);
    }

    private readonly MediaEngine _engine;
    private readonly byte[] _localKey;
    private readonly SrtpContext _send;
    private SrtpContext? _receive;
    private string? _remoteKey;
    private readonly List<OutTrack> _out = [];
    private readonly Dictionary<uint, OutTrack> _outBySsrc = [];
    private readonly HashSet<uint> _outRtx = [];
    private readonly Dictionary<MediaRoom, RelayAudioGate> _gates = [];
    private readonly List<InTrack> _in = [];
    private readonly Dictionary<uint, InTrack> _inBySsrc = [];
    private readonly byte[] _rtcp = new byte[1500];
    private readonly NtpClock _ntp;
    private readonly uint _localSsrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
    private long _nextReport;
    private bool _closed;

    internal RelayLink(MediaEngine engine, string localNode, string peerNode, PeerAddress remote, long nowTicks)
    {
        _engine = engine;
        LocalNode = localNode;
        PeerNode = peerNode;
        Remote = remote;
        _localKey = RandomNumberGenerator.GetBytes(SrtpProfileInfo.MasterKeyLength(Profile) + SrtpProfileInfo.MasterSaltLength(Profile));
        _send = new SrtpContext(Profile, _localKey.AsSpan(0, SrtpProfileInfo.MasterKeyLength(Profile)), _localKey.AsSpan(SrtpProfileInfo.MasterKeyLength(Profile)));
        _ntp = new NtpClock(DateTimeOffset.UtcNow, nowTicks);
        CreatedTicks = LastReceiveTicks = nowTicks;
        _nextReport = nowTicks + ReportInterval;
        engine.Timers.Schedule(this, _nextReport);
    }

    public string LocalNode { get; }
    public string PeerNode { get; }
    public PeerAddress Remote { get; }
    /// <summary>The peer's incarnation when its key was last set (a restart brings a new key).</summary>
    public long PeerIncarnation { get; private set; }
    /// <summary>Base64 master key + salt of what this node sends on the link (handed to the peer over the relay API).</summary>
    public string LocalKey => Convert.ToBase64String(_localKey);
    public long CreatedTicks { get; }
    public long LastReceiveTicks { get; private set; }
    public bool IsClosed => _closed;
    public bool IsIdle => _out.Count == 0 && _in.Count == 0;

    public long PacketsIn { get; private set; }
    public long BytesIn { get; private set; }
    public long PacketsOut { get; private set; }
    public long BytesOut { get; private set; }
    public long RtxOut { get; private set; }
    public long NacksSent { get; private set; }
    public long PlisSent { get; private set; }
    public long NacksReceived { get; private set; }
    public long PlisReceived { get; private set; }
    /// <summary>Layer demands (RTCP APP "MCLD") sent for inbound video and received for outbound video.</summary>
    public long DemandsSent { get; private set; }
    public long DemandsReceived { get; private set; }
    public long UnprotectFailures { get; private set; }
    /// <summary>Round trip measured from the peer's receiver reports about our tracks (RFC 3550 §6.4.1), or null.</summary>
    public TimeSpan? RoundTripTime { get; private set; }
    /// <summary>Fraction lost the peer last reported about our tracks (0..1).</summary>
    public double LossOut { get; private set; }
    public int OutboundTracks => _out.Count;
    public int InboundTracks => _in.Count;
    /// <summary>Packets lost on the way in (RFC 3550 A.3 cumulative, over every inbound track).</summary>
    public long LostIn
    {
        get
        {
            long n = 0;
            foreach (var t in _in) n += Math.Max(0, t.Stats.CumulativeLost);
            return n;
        }
    }

    /// <summary>True when <paramref name="key"/> is base64 of an AEAD_AES_128_GCM master key + salt (what <see cref="SetRemoteKey"/> takes).</summary>
    public static bool IsValidKey(string? key)
    {
        Span<byte> buffer = stackalloc byte[64];
        return key is not null && Convert.TryFromBase64String(key, buffer, out int n)
            && n == SrtpProfileInfo.MasterKeyLength(Profile) + SrtpProfileInfo.MasterSaltLength(Profile);
    }

    /// <summary>Sets the key the peer sends with; a new key (peer restarted) replaces the context and its replay state.</summary>
    internal void SetRemoteKey(string key, long incarnation)
    {
        if (_remoteKey == key && _receive is not null) return;
        byte[] material = Convert.FromBase64String(key);
        int keyLength = SrtpProfileInfo.MasterKeyLength(Profile);
        if (material.Length != keyLength + SrtpProfileInfo.MasterSaltLength(Profile))
            throw new FormatException("relay key has the wrong length for AEAD_AES_128_GCM");
        _receive?.Dispose();
        _receive = new SrtpContext(Profile, material.AsSpan(0, keyLength), material.AsSpan(keyLength));
        _remoteKey = key;
        PeerIncarnation = incarnation;
    }

    // ---------------- outbound: this node is the origin ----------------

    /// <summary>
    /// Makes the link carry exactly the tracks published on this node in <paramref name="room"/> (none when it is null):
    /// new producers get a consumer, gone ones lose theirs. Relayed producers are never sent on (no loops).
    /// </summary>
    internal IReadOnlyList<RelayTrackDto> SyncOutbound(long nowTicks, string roomId, MediaRoom? room)
    {
        for (int i = _out.Count - 1; i >= 0; i--)
        {
            var t = _out[i];
            if (t.Room.Id.Value != roomId) continue;
            if (t.Room == room && !t.Source.IsClosed) continue;
            RemoveOut(i);
        }
        if (room is not null)
        {
            foreach (var producer in room.Router.Producers)
            {
                // Relayed tracks go on down the tree, but never back to the node they came from (no loops).
                if (producer.IsClosed || RelayNames.OriginOf(producer.Id) == PeerNode || _out.Exists(t => t.Source == producer)) continue;
                AddOut(nowTicks, room, producer);
            }
        }
        var list = new List<RelayTrackDto>();
        foreach (var t in _out)
        {
            if (t.Room.Id.Value != roomId) continue;
            var c = t.Consumer;
            list.Add(new RelayTrackDto(roomId, t.Source.Id, t.Source.ParticipantId, t.Source.Kind == SdpMediaKind.Video ? "video" : "audio",
                t.Source.Codec.ToString(), t.Source.ClockRate, c.PayloadType.Value, c.RtxPayloadType?.Value, c.Ssrc.Value, c.RtxSsrc?.Value));
        }
        return list;
    }

    private void AddOut(long nowTicks, MediaRoom room, Producer producer)
    {
        bool video = producer.Kind == SdpMediaKind.Video;
        var options = new ConsumerOptions
        {
            Id = RelayNames.OutConsumerId(PeerNode, producer.Id),
            ParticipantId = "node:" + PeerNode,
            Kind = producer.Kind,
            Codec = producer.Codec,
            ClockRate = producer.ClockRate,
            Ssrc = new Ssrc(NewSsrc()),
            PayloadType = producer.PayloadType,
            RtxSsrc = video && producer.RtxPayloadType is not null ? new Ssrc(NewSsrc()) : null,
            RtxPayloadType = video ? producer.RtxPayloadType : null,
            Extensions = RelayNames.LinkExtensions(),
            InitialAvailableBitrate = 50_000_000,
        };
        // One copy per link, at the highest layer until the peer's layer demand says what its receivers need (the
        // initial 50 Mb/s fits every layer; see SendLayerDemands).
        Consumer consumer = video
            ? room.Router.CreateSimulcastConsumer(nowTicks, options, this, producer)
            : room.Router.CreateConsumer(nowTicks, options, this, producer);
        consumer.RoundTripTime = RoundTripTime ?? TimeSpan.FromMilliseconds(20);
        var track = new OutTrack(room, producer, consumer, producer.PacketsReceived);
        if (!video)
        {
            // Top-N audio: the link sends only the room's loudest N of its audio tracks (see RelayAudioGate).
            if (!_gates.TryGetValue(room, out var gate)) _gates[room] = gate = new RelayAudioGate(room);
            gate.Add(producer, consumer);
        }
        _out.Add(track);
        _outBySsrc[consumer.Ssrc.Value] = track;
        if (consumer.RtxSsrc is { } rtx) _outRtx.Add(rtx.Value);
        if (video) consumer.RequestKeyFrame(nowTicks);
    }

    private void RemoveOut(int index)
    {
        var t = _out[index];
        _out.RemoveAt(index);
        _outBySsrc.Remove(t.Consumer.Ssrc.Value);
        if (t.Consumer.RtxSsrc is { } rtx) _outRtx.Remove(rtx.Value);
        if (_gates.TryGetValue(t.Room, out var gate))
        {
            gate.Remove(t.Source);
            if (gate.Count == 0)
            {
                gate.Close();
                _gates.Remove(t.Room);
            }
        }
        Metrics.MediaEngineCollector.Retire(t.Consumer);
        t.Room.Router.RemoveConsumer(t.Consumer);
    }

    /// <summary>Stops sending the tracks of <paramref name="roomId"/> (the peer released them).</summary>
    internal void ReleaseOutbound(string roomId)
    {
        for (int i = _out.Count - 1; i >= 0; i--)
        {
            if (_out[i].Room.Id.Value == roomId) RemoveOut(i);
        }
    }

    /// <summary>Per outbound track: published packets since it joined the link, and what the link carried of it.</summary>
    public IEnumerable<RelayOutTrackStats> OutboundStats() => _out.Select(t => new RelayOutTrackStats(t.Room.Id.Value, t.Source.Id,
        t.Source.Kind == SdpMediaKind.Video ? "video" : "audio", t.Source.PacketsReceived - t.Baseline, t.Consumer.Stats.PacketsSent,
        t.Consumer.Stats.PacketsRetransmitted, t.Consumer.Ssrc.Value, !t.Consumer.IsPaused, t.Consumer.CurrentEncoding?.Index,
        t.Consumer is SimulcastConsumer s ? s.AvailableBitrate : null, (t.Consumer as SimulcastConsumer)?.MinimumLayer));

    /// <summary>Rooms this link sends tracks of to the peer.</summary>
    public IEnumerable<string> OutboundRooms => _out.Select(t => t.Room.Id.Value).Distinct(StringComparer.Ordinal);

    /// <summary>Rooms this link brings in from the peer.</summary>
    public IEnumerable<string> InboundRooms => _in.Select(t => t.Room.Id.Value).Distinct(StringComparer.Ordinal);

    /// <summary>Router sink of the outbound consumers: protect in place (the router leaves spare room) and send to the peer.</summary>
    public void SendRtp(Span<byte> buffer, int length)
    {
        if (_closed || !_send.TryProtectRtpInPlace(buffer, length, out int n)) return;
        if (length >= 12 && _outRtx.Contains(BinaryPrimitives.ReadUInt32BigEndian(buffer[8..12]))) RtxOut++;
        PacketsOut++;
        BytesOut += n;
        _engine.Send(buffer[..n], Remote);
    }

    // ---------------- inbound: the peer is the origin ----------------

    /// <summary>
    /// Makes the local room carry exactly <paramref name="tracks"/> from this peer: a producer each (new ones created, gone
    /// ones removed). Returns true when the set changed.
    /// </summary>
    internal bool SyncInbound(long nowTicks, MediaRoom room, IReadOnlyList<RelayTrackDto> tracks)
    {
        bool changed = false;
        for (int i = _in.Count - 1; i >= 0; i--)
        {
            var t = _in[i];
            if (t.Room.Id != room.Id) continue;
            if (t.Room == room && tracks.Any(d => d == t.Dto)) continue;
            RemoveIn(nowTicks, i);
            changed = true;
        }
        foreach (var d in tracks)
        {
            if (_in.Exists(t => t.Room == room && t.Dto == d)) continue;
            if (!Enum.TryParse<CodecKind>(d.Codec, out var codec)) continue;
            bool video = d.Kind == "video";
            var producer = room.Router.CreateProducer(nowTicks, new ProducerOptions
            {
                Id = RelayNames.InProducerId(PeerNode, d.ProducerId),
                ParticipantId = d.ParticipantId,
                Kind = video ? SdpMediaKind.Video : SdpMediaKind.Audio,
                Codec = codec,
                ClockRate = d.ClockRate,
                PayloadType = new PayloadType(d.PayloadType),
                RtxPayloadType = d.RtxPayloadType is { } rtx ? new PayloadType(rtx) : null,
                Extensions = RelayNames.LinkExtensions(),
                Encodings = [new ProducerEncodingOptions { Ssrc = d.Ssrc, RtxSsrc = d.RtxSsrc }],
                KeyFrameRequester = this,
                RetransmissionRequester = video ? this : null,
            });
            producer.RoundTripTime = RoundTripTime ?? TimeSpan.FromMilliseconds(20);
            var track = new InTrack(room, producer, d);
            _in.Add(track);
            _inBySsrc[d.Ssrc] = track;
            if (d.RtxSsrc is { } r) _inBySsrc[r] = track;
            room.AddRelayedTrack();
            changed = true;
        }
        if (changed) room.Router.RefreshSelectors(nowTicks);
        _engine.ReleaseIfEmpty(room);
        return changed;
    }

    /// <summary>Removes the relayed producers of <paramref name="roomId"/> (no local subscriber needs them any more).</summary>
    internal void ReleaseInbound(long nowTicks, string roomId)
    {
        for (int i = _in.Count - 1; i >= 0; i--)
        {
            if (_in[i].Room.Id.Value != roomId) continue;
            var room = _in[i].Room;
            RemoveIn(nowTicks, i);
            _engine.ReleaseIfEmpty(room);
        }
    }

    private void RemoveIn(long nowTicks, int index)
    {
        var t = _in[index];
        _in.RemoveAt(index);
        _inBySsrc.Remove(t.Dto.Ssrc);
        if (t.Dto.RtxSsrc is { } r) _inBySsrc.Remove(r);
        Metrics.MediaEngineCollector.Retire(t.Producer);
        _engine.Recordings?.OnProducerClosed(nowTicks, t.Room, t.Producer);
        t.Room.Router.RemoveProducer(nowTicks, t.Producer);
        t.Room.KeyFrames.Forget(t.Producer);
        t.Room.Router.RefreshSelectors(nowTicks);
        t.Room.RemoveRelayedTrack();
    }

    public void RequestKeyFrame(Producer producer, Ssrc mediaSsrc)
    {
        int n = new PictureLossIndication(_localSsrc, mediaSsrc.Value).WriteTo(_rtcp);
        SendRtcp(n);
        PlisSent++;
    }

    public void RequestRetransmission(Producer producer, Ssrc mediaSsrc, ReadOnlySpan<ushort> sequenceNumbers)
    {
        Span<NackItem> items = stackalloc NackItem[16];
        int count = NackItem.Pack(sequenceNumbers, items);
        if (count == 0) return;
        int n = new GenericNackWriter(_localSsrc, mediaSsrc.Value, items[..count]).WriteTo(_rtcp);
        SendRtcp(n);
        NacksSent++;
    }

    // ---------------- datagrams and timers ----------------

    /// <summary>A datagram from the peer's media address (SRTP or SRTCP).</summary>
    internal void HandleReceive(long nowTicks, Span<byte> datagram)
    {
        if (_closed || _receive is null) return;
        LastReceiveTicks = nowTicks;
        switch (PacketDemux.Classify(datagram))
        {
            case PacketKind.Rtp:
                if (_receive.UnprotectRtpInPlace(datagram, out int rtpLength) != SrtpResult.Ok) { UnprotectFailures++; return; }
                OnRtp(nowTicks, datagram[..rtpLength]);
                break;
            case PacketKind.Rtcp:
                if (_receive.UnprotectRtcpInPlace(datagram, out int rtcpLength) != SrtpResult.Ok) { UnprotectFailures++; return; }
                var reader = new RtcpCompoundReader(datagram[..rtcpLength]);
                while (reader.TryReadNext(out var packet)) OnRtcp(nowTicks, packet);
                break;
        }
    }

    private void OnRtp(long nowTicks, Span<byte> datagram)
    {
        if (!RtpPacket.TryParse(datagram, out var packet) || !_inBySsrc.TryGetValue(packet.Ssrc.Value, out var track)) return;
        PacketsIn++;
        BytesIn += datagram.Length;
        if (packet.Ssrc.Value == track.Dto.Ssrc) track.Stats.OnPacket(nowTicks, packet.SequenceNumber, packet.Timestamp.Value);
        track.Room.Router.OnRtp(nowTicks, track.Producer, datagram);
    }

    private void OnRtcp(long nowTicks, in RtcpPacket packet)
    {
        switch (packet.PacketType)
        {
            case RtcpPacketType.SenderReport when SenderReport.TryParse(packet.Raw, out var sr):
                if (_inBySsrc.TryGetValue(sr.Ssrc, out var inTrack))
                {
                    inTrack.Stats.OnSenderReport(nowTicks, sr.NtpTimestamp);
                    inTrack.Room.Router.OnSenderReport(inTrack.Producer, new Ssrc(sr.Ssrc), sr.NtpTimestamp, new RtpTimestamp(sr.RtpTimestamp));
                }
                break;
            case RtcpPacketType.ReceiverReport when ReceiverReport.TryParse(packet.Raw, out var rr):
                OnReceiverReport(nowTicks, rr);
                break;
            case RtcpPacketType.TransportFeedback when packet.Format == RtcpFeedbackFormat.GenericNack:
                NacksReceived++;
                if (GenericNack.TryParse(packet.Raw, out var nack) && _outBySsrc.TryGetValue(nack.MediaSsrc, out var nacked))
                {
                    for (int i = 0; i < nack.ItemCount; i++)
                    {
                        var item = nack.GetItem(i);
                        nacked.Consumer.OnNack(nowTicks, item.PacketId, item.LostBitmask);
                    }
                }
                break;
            case RtcpPacketType.ApplicationDefined when LayerDemandPacket.TryParse(packet.Raw, out var demand):
                DemandsReceived++;
                for (int i = 0; i < demand.Count; i++)
                {
                    var item = demand.GetItem(i);
                    if (_outBySsrc.TryGetValue(item.MediaSsrc, out var demanded) && demanded.Consumer is SimulcastConsumer simulcast)
                        simulcast.SetDemand(nowTicks, item.Bitrate, item.MinimumLayer);
                }
                break;
            case RtcpPacketType.PayloadFeedback when packet.Format == RtcpFeedbackFormat.PictureLossIndication:
                PlisReceived++;
                if (PictureLossIndication.TryParse(packet.Raw, out var pli) && _outBySsrc.TryGetValue(pli.MediaSsrc, out var wanted))
                    wanted.Consumer.RequestKeyFrame(nowTicks);
                break;
        }
    }

    private void OnReceiverReport(long nowTicks, in ReceiverReport rr)
    {
        uint arrival = NtpTime.ToCompact(_ntp.ToNtp(nowTicks));
        foreach (var block in rr.ReportBlocks)
        {
            if (!_outBySsrc.ContainsKey(block.Ssrc)) continue;
            LossOut = block.FractionLost / 256.0;
            if (block.LastSr == 0 || !NtpTime.TryComputeRtt(arrival, block.LastSr, block.DelaySinceLastSr, out long rttTicks)) continue;
            var rtt = TimeSpan.FromTicks(Math.Clamp(rttTicks, MinRtt.Ticks, MaxRtt.Ticks));
            RoundTripTime = rtt;
            foreach (var t in _out) t.Consumer.RoundTripTime = rtt;
            foreach (var t in _in) t.Producer.RoundTripTime = rtt;
        }
    }

    /// <summary>Timer thread: sender reports for outbound tracks, receiver reports (also the link's keep-alive) for inbound ones.</summary>
    public void HandleTimeout(long nowTicks)
    {
        lock (_engine.Gate)
        {
            if (_closed || nowTicks < _nextReport) { if (!_closed) _engine.Timers.Schedule(this, _nextReport); return; }
            _nextReport = nowTicks + ReportInterval;
            ulong ntp = _ntp.ToNtp(nowTicks);
            foreach (var t in _out)
            {
                if (!t.Consumer.TryGetSenderInfo(nowTicks, out var ts, out uint packets, out uint octets)) continue;
                SendRtcp(new SenderReportWriter(t.Consumer.Ssrc.Value, new SenderInfo(ntp, ts.Value, packets, octets)).WriteTo(_rtcp));
            }
            if (_in.Count > 0)
            {
                Span<ReportBlock> blocks = stackalloc ReportBlock[16];
                int count = 0;
                foreach (var t in _in)
                {
                    if (count < blocks.Length && t.Stats.TryCreateReportBlock(nowTicks, out var block)) blocks[count++] = block;
                }
                SendRtcp(new ReceiverReportWriter(_localSsrc, blocks[..count]).WriteTo(_rtcp));
                SendLayerDemands();
            }
            _engine.Timers.Schedule(this, _nextReport);
        }
    }

    /// <summary>
    /// Bandwidth feedback across the link, every second: for each inbound video track, what this node's receivers of it need
    /// (the best-connected bandwidth-following one's estimate from its REMB, the highest pinned layer; a child link's own
    /// demand counts like a receiver, so a need deep in the tree reaches the origin), so the origin sends the highest layer any
    /// of them needs and no more. A room being recorded here needs the top layer.
    /// </summary>
    private void SendLayerDemands()
    {
        Span<LayerDemandItem> items = stackalloc LayerDemandItem[LayerDemandPacket.MaxItems];
        int count = 0;
        foreach (var t in _in)
        {
            if (t.Producer.Kind != SdpMediaKind.Video || !TryComputeDemand(t, out var item)) continue;
            items[count++] = item;
            if (count < items.Length) continue;
            SendRtcp(new LayerDemandWriter(_localSsrc, items).WriteTo(_rtcp));
            DemandsSent++;
            count = 0;
        }
        if (count == 0) return;
        SendRtcp(new LayerDemandWriter(_localSsrc, items[..count]).WriteTo(_rtcp));
        DemandsSent++;
    }

    private bool TryComputeDemand(InTrack t, out LayerDemandItem item)
    {
        long bitrate = 0;
        int floor = -1;
        bool any = false;
        foreach (var c in t.Room.Router.Consumers)
        {
            if (c.IsClosed || c.Source != t.Producer) continue;
            any = true;
            if (c is not SimulcastConsumer s) floor = int.MaxValue; // a plain consumer takes whatever comes: give it the best
            else if (s.PreferredLayer is { } pinned) floor = Math.Max(floor, pinned);
            else
            {
                bitrate = Math.Max(bitrate, s.AvailableBitrate);
                if (s.MinimumLayer is { } minimum) floor = Math.Max(floor, minimum);
            }
        }
        if (_engine.Recordings?.ActiveId(t.Room.Id) is not null)
        {
            any = true;
            floor = int.MaxValue;
        }
        item = new LayerDemandItem(t.Dto.Ssrc, (uint)Math.Min(bitrate, uint.MaxValue), floor < 0 ? null : Math.Min(floor, 254));
        return any;
    }

    private void SendRtcp(int length)
    {
        if (_closed || !_send.TryProtectRtcpInPlace(_rtcp, length, out int n)) return;
        _engine.Send(_rtcp.AsSpan(0, n), Remote);
    }

    /// <summary>Drops every track both ways and stops the timer (the peer is gone or the link idled out).</summary>
    internal void Close(long nowTicks)
    {
        if (_closed) return;
        RelayMetrics.Retire(this);
        for (int i = _out.Count - 1; i >= 0; i--) RemoveOut(i);
        var rooms = _in.Select(t => t.Room).Distinct().ToList();
        for (int i = _in.Count - 1; i >= 0; i--) RemoveIn(nowTicks, i);
        foreach (var room in rooms) _engine.ReleaseIfEmpty(room);
        _closed = true;
        _engine.Timers.Cancel(this);
        _send.Dispose();
        _receive?.Dispose();
    }

    private uint NewSsrc()
    {
        uint ssrc;
        do ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        while (_outBySsrc.ContainsKey(ssrc) || _outRtx.Contains(ssrc));
        return ssrc;
    }
}

/// <summary>One outbound track of a link, for <c>GET /api/cluster/links</c> and the one-copy check.</summary>
/// <param name="Published">Packets the source producer received since the track joined the link (RTX from the publisher included).</param>
/// <param name="Sent">Packets the link carried of it (retransmissions included).</param>
/// <param name="Forwarding">False while the link's top-N audio gate holds the track back (not among the room's N loudest here).</param>
/// <param name="Layer">Video: the simulcast layer the link carries now (0 = lowest), null before the first key frame.</param>
/// <param name="DemandBitrate">Video: the bandwidth the peer's receivers last asked for (bits/s; 50 Mb/s until the first demand).</param>
/// <param name="DemandMinLayer">Video: the highest layer a receiver behind the peer pinned, or null.</param>
public sealed record RelayOutTrackStats(string Room, string ProducerId, string Kind, long Published, long Sent, long Retransmitted, uint Ssrc,
    bool Forwarding = true, int? Layer = null, long? DemandBitrate = null, int? DemandMinLayer = null);

/// <summary>Names and the header-extension map of relay links.</summary>
internal static class RelayNames
{
    private const string InPrefix = "relay:";

    /// <summary>A relayed producer's id on the receiving node: <c>relay:{origin}:{producer}</c>.</summary>
    public static string InProducerId(string originNode, string producerId) => InPrefix + originNode + ":" + producerId;

    public static string OutConsumerId(string peerNode, string producerId) => "relay-out:" + peerNode + ":" + producerId;

    public static bool IsRelayed(string producerId) => producerId.StartsWith(InPrefix, StringComparison.Ordinal);

    /// <summary>The node a relayed producer came in from (node ids have no ':'), or null for a producer published here.</summary>
    public static string? OriginOf(string producerId)
    {
        if (!IsRelayed(producerId)) return null;
        int end = producerId.IndexOf(':', InPrefix.Length);
        return end < 0 ? null : producerId[InPrefix.Length..end];
    }

    /// <summary>
    /// Extensions a link carries: the RFC 6464 audio level (the receiving node's mixer selects speakers by it without decoding)
    /// and the video orientation (RFC 7742 §4 via 3GPP CVO), under fixed ids since both ends are ours.
    /// </summary>
    public static RtpExtensionMap LinkExtensions()
    {
        var map = new RtpExtensionMap();
        map.Add(1, RtpExtensionKind.AudioLevel);
        map.Add(2, RtpExtensionKind.VideoOrientation);
        return map;
    }
}
