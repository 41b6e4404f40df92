using System.Buffers.Binary;
using System.Security.Cryptography;
using MediaCore.Protocol.Core;
using MediaCore.Routing;
using MediaCore.Server.Sessions;
using SdpMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Cluster;

/// <summary>
/// The tracks a <see cref="RelayLink"/> sends to its peer (this node is their origin, or relays them on down the tree): one
/// <see cref="Consumer"/> per track on the track's room router, a simulcast consumer for video (the layer follows the peer's
/// demand, <see cref="RelayFeedback"/>), audio behind the room's top-N gate (<see cref="RelayAudioGate"/>). The router sink of
/// those consumers. Used only under <see cref="MediaEngine.Gate"/>.
/// </summary>
internal sealed class RelayOutbound(RelayLink link) : IRtpSink
{
    internal sealed class Track(MediaRoom room, Producer source, Consumer consumer, long baseline)
    {
        public MediaRoom Room { get; } = room;
        public Producer Source { get; } = source;
        public Consumer Consumer { get; } = consumer;
        /// <summary>The source's packet count when the track joined the link (the check "link packets = published packets").</summary>
        public long Baseline { get; } = baseline;
    }

    private readonly List<Track> _tracks = [];
    private readonly Dictionary<uint, Track> _bySsrc = [];
    private readonly HashSet<uint> _rtx = [];
    private readonly Dictionary<MediaRoom, RelayAudioGate> _gates = [];

    public int Count => _tracks.Count;
    public IReadOnlyList<Track> Tracks => _tracks;

    /// <summary>The track the link sends with this SSRC (feedback from the peer names it), or null.</summary>
    public Track? Find(uint ssrc) => _bySsrc.GetValueOrDefault(ssrc);

    /// <summary>Rooms the link sends tracks of.</summary>
    public IEnumerable<string> Rooms => _tracks.Select(t => t.Room.Id.Value).Distinct(StringComparer.Ordinal);

    /// <summary>See <see cref="RelayLink.SyncOutbound"/>.</summary>
    public IReadOnlyList<RelayTrackDto> Sync(long nowTicks, string roomId, MediaRoom? room)
    {
        for (int i = _tracks.Count - 1; i >= 0; i--)
        {
            var t = _tracks[i];
            if (t.Room.Id.Value != roomId) continue;
            if (t.Room == room && !t.Source.IsClosed) continue;
            Remove(i);
        }
        if (room is not null)
        {
            foreach (var producer in room.Router.Producers)
            {
                // Relayed tracks go on down the tree, but never back to the node they came from (no loops).
                if (producer.IsClosed || RelayNames.OriginOf(producer.Id) == link.PeerNode || _tracks.Exists(t => t.Source == producer)) continue;
                Add(nowTicks, room, producer);
            }
        }
        var list = new List<RelayTrackDto>();
        foreach (var t in _tracks)
        {
            if (t.Room.Id.Value != roomId) continue;
            var c = t.Consumer;
            list.Add(new RelayTrackDto(roomId, t.Source.Id, t.Source.ParticipantId, t.Source.Kind == SdpMediaKind.Video ? "video" : "audio",
                t.Source.Codec.ToString(), t.Source.ClockRate, c.PayloadType.Value, c.RtxPayloadType?.Value, c.Ssrc.Value, c.RtxSsrc?.Value,
                t.Source.IsContent));
        }
        return list;
    }

    private void Add(long nowTicks, MediaRoom room, Producer producer)
    {
        bool video = producer.Kind == SdpMediaKind.Video;
        var options = new ConsumerOptions
        {
            Id = RelayNames.OutConsumerId(link.PeerNode, producer.Id),
            ParticipantId = "node:" + link.PeerNode,
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
        // initial 50 Mb/s fits every layer; see RelayFeedback.SendLayerDemands).
        Consumer consumer = video
            ? room.Router.CreateSimulcastConsumer(nowTicks, options, this, producer)
            : room.Router.CreateConsumer(nowTicks, options, this, producer);
        consumer.RoundTripTime = link.RoundTripTime ?? TimeSpan.FromMilliseconds(20);
        var track = new Track(room, producer, consumer, producer.PacketsReceived);
        if (!video)
        {
            // Top-N audio: the link sends only the room's loudest N of its audio tracks (see RelayAudioGate).
            if (!_gates.TryGetValue(room, out var gate)) _gates[room] = gate = new RelayAudioGate(room);
            gate.Add(producer, consumer);
        }
        _tracks.Add(track);
        _bySsrc[consumer.Ssrc.Value] = track;
        if (consumer.RtxSsrc is { } rtx) _rtx.Add(rtx.Value);
        if (video) consumer.RequestKeyFrame(nowTicks);
    }

    private void Remove(int index)
    {
        var t = _tracks[index];
        _tracks.RemoveAt(index);
        _bySsrc.Remove(t.Consumer.Ssrc.Value);
        if (t.Consumer.RtxSsrc is { } rtx) _rtx.Remove(rtx.Value);
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

    /// <summary>Stops sending the tracks of <paramref name="roomId"/>.</summary>
    public void Release(string roomId)
    {
        for (int i = _tracks.Count - 1; i >= 0; i--)
        {
            if (_tracks[i].Room.Id.Value == roomId) Remove(i);
        }
    }

    /// <summary>Stops sending everything (the link closes).</summary>
    public void RemoveAll()
    {
        for (int i = _tracks.Count - 1; i >= 0; i--) Remove(i);
    }

    /// <summary>Per track: published packets since it joined the link, and what the link carried of it.</summary>
    public IEnumerable<RelayOutTrackStats> Stats() => _tracks.Select(t => new RelayOutTrackStats(t.Room.Id.Value, t.Source.Id,
        t.Source.Kind == SdpMediaKind.Video ? "video" : "audio", t.Source.PacketsReceived - t.Baseline, t.Consumer.Stats.PacketsSent,
        t.Consumer.Stats.PacketsRetransmitted, t.Consumer.Ssrc.Value, !t.Consumer.IsPaused, t.Consumer.CurrentEncoding?.Index,
        t.Consumer is SimulcastConsumer s ? s.AvailableBitrate : null, (t.Consumer as SimulcastConsumer)?.MinimumLayer, t.Source.IsContent));

    /// <summary>Router sink of the consumers: the link protects in place (the router leaves spare room) and sends to the peer.</summary>
    public void SendRtp(Span<byte> buffer, int length) =>
        link.SendRtp(buffer, length, retransmission: length >= 12 && _rtx.Contains(BinaryPrimitives.ReadUInt32BigEndian(buffer[8..12])));

    private uint NewSsrc()
    {
        uint ssrc;
        do ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        while (_bySsrc.ContainsKey(ssrc) || _rtx.Contains(ssrc));
        return ssrc;
    }
}
