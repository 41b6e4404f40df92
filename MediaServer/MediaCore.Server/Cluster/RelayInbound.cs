using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;
using MediaCore.Server.Sessions;
using SdpMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Cluster;

/// <summary>
/// The tracks a <see cref="RelayLink"/> brings in from its peer (the peer is their origin, or relays them): one
/// <see cref="Producer"/> per track in the local room, so the room's router fans it out to local subscribers and the mixer
/// mixes it. The router's loss detection and key-frame requests of those producers go back over the link as NACK and PLI
/// (<see cref="RelayFeedback"/>). Used only under <see cref="MediaEngine.Gate"/>.
/// </summary>
internal sealed class RelayInbound(RelayLink link)
{
    internal sealed class Track(MediaRoom room, Producer producer, RelayTrackDto dto)
    {
        public MediaRoom Room { get; } = room;
        public Producer Producer { get; } = producer;
        public RelayTrackDto Dto { get; } = dto;
        public ReceiveStatistics Stats { get; } = new(dto.Ssrc, (int)dto.ClockRate);
    }

    private readonly List<Track> _tracks = [];
    private readonly Dictionary<uint, Track> _bySsrc = [];

    public int Count => _tracks.Count;
    public IReadOnlyList<Track> Tracks => _tracks;

    /// <summary>The track with this media or RTX SSRC on the link, or null.</summary>
    public Track? Find(uint ssrc) => _bySsrc.GetValueOrDefault(ssrc);

    /// <summary>Rooms the link brings in.</summary>
    public IEnumerable<string> Rooms => _tracks.Select(t => t.Room.Id.Value).Distinct(StringComparer.Ordinal);

    /// <summary>Packets lost on the way in (RFC 3550 A.3 cumulative, over every track).</summary>
    public long CumulativeLost
    {
        get
        {
            long n = 0;
            foreach (var t in _tracks) n += Math.Max(0, t.Stats.CumulativeLost);
            return n;
        }
    }

    /// <summary>See <see cref="RelayLink.SyncInbound"/>.</summary>
    public bool Sync(long nowTicks, MediaRoom room, IReadOnlyList<RelayTrackDto> tracks)
    {
        bool changed = false;
        for (int i = _tracks.Count - 1; i >= 0; i--)
        {
            var t = _tracks[i];
            if (t.Room.Id != room.Id) continue;
            if (t.Room == room && tracks.Any(d => d == t.Dto)) continue;
            Remove(nowTicks, i);
            changed = true;
        }
        foreach (var d in tracks)
        {
            if (_tracks.Exists(t => t.Room == room && t.Dto == d)) continue;
            if (!Enum.TryParse<CodecKind>(d.Codec, out var codec)) continue;
            bool video = d.Kind == "video";
            var producer = room.Router.CreateProducer(nowTicks, new ProducerOptions
            {
                Id = RelayNames.InProducerId(link.PeerNode, d.ProducerId),
                ParticipantId = d.ParticipantId,
                Kind = video ? SdpMediaKind.Video : SdpMediaKind.Audio,
                // A share stays a share down the tree: content slots (a=content:slides) take it, camera slots never do.
                IsContent = video && d.Content,
                Codec = codec,
                ClockRate = d.ClockRate,
                PayloadType = new PayloadType(d.PayloadType),
                RtxPayloadType = d.RtxPayloadType is { } rtx ? new PayloadType(rtx) : null,
                Extensions = RelayNames.LinkExtensions(),
                Encodings = [new ProducerEncodingOptions { Ssrc = d.Ssrc, RtxSsrc = d.RtxSsrc }],
                KeyFrameRequester = link.Feedback,
                RetransmissionRequester = video ? link.Feedback : null,
            });
            producer.RoundTripTime = link.RoundTripTime ?? TimeSpan.FromMilliseconds(20);
            var track = new Track(room, producer, d);
            _tracks.Add(track);
            _bySsrc[d.Ssrc] = track;
            if (d.RtxSsrc is { } r) _bySsrc[r] = track;
            room.AddRelayedTrack();
            changed = true;
        }
        if (changed) room.RefreshFloor(nowTicks); // a floor holder publishing on the peer node leads the program here too
        link.Engine.ReleaseIfEmpty(room);
        return changed;
    }

    /// <summary>See <see cref="RelayLink.ReleaseInbound"/>.</summary>
    public void Release(long nowTicks, string roomId)
    {
        for (int i = _tracks.Count - 1; i >= 0; i--)
        {
            if (_tracks[i].Room.Id.Value != roomId) continue;
            var room = _tracks[i].Room;
            Remove(nowTicks, i);
            link.Engine.ReleaseIfEmpty(room);
        }
    }

    /// <summary>Removes every relayed producer and lets rooms nothing else uses go (the link closes).</summary>
    public void RemoveAll(long nowTicks)
    {
        var rooms = _tracks.Select(t => t.Room).Distinct().ToList();
        for (int i = _tracks.Count - 1; i >= 0; i--) Remove(nowTicks, i);
        foreach (var room in rooms) link.Engine.ReleaseIfEmpty(room);
    }

    private void Remove(long nowTicks, int index)
    {
        var t = _tracks[index];
        _tracks.RemoveAt(index);
        _bySsrc.Remove(t.Dto.Ssrc);
        if (t.Dto.RtxSsrc is { } r) _bySsrc.Remove(r);
        Metrics.MediaEngineCollector.Retire(t.Producer);
        link.Engine.Recordings?.OnProducerClosed(nowTicks, t.Room, t.Producer);
        t.Room.Router.RemoveProducer(nowTicks, t.Producer);
        t.Room.KeyFrames.Forget(t.Producer);
        t.Room.Router.RefreshSelectors(nowTicks);
        t.Room.RemoveRelayedTrack();
    }

    /// <summary>An unprotected RTP packet from the peer: into its producer's room router.</summary>
    public void OnRtp(long nowTicks, Span<byte> datagram)
    {
        if (!RtpPacket.TryParse(datagram, out var packet) || !_bySsrc.TryGetValue(packet.Ssrc.Value, out var track)) return;
        link.PacketsIn++;
        link.BytesIn += datagram.Length;
        if (packet.Ssrc.Value == track.Dto.Ssrc) track.Stats.OnPacket(nowTicks, packet.SequenceNumber, packet.Timestamp.Value);
        track.Room.Router.OnRtp(nowTicks, track.Producer, datagram);
    }
}
