using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;
using MediaCore.Server.Sessions;
using MediaCore.Server.Udp;

namespace MediaCore.Server.Ingest;

/// <summary>
/// One plain-RTP ingest (RFC 3550, no SRTP): a UDP port where ffmpeg, GStreamer or a camera gateway pushes one video
/// stream (VP8 or H.264, payload type <see cref="VideoPayloadType"/>) and/or one Opus stream (payload type
/// <see cref="AudioPayloadType"/>), demultiplexed by payload type; RTCP sender reports may share the port (RFC 5761).
/// Each stream is a <see cref="Producer"/> in the room, so subscribers, snapshots and recording see it like any
/// publisher. The first sender's IP address is kept (ffmpeg and GStreamer send each stream from its own port);
/// datagrams from other addresses are dropped.
/// </summary>
public sealed class RtpIngest : IRoomFeed, IDisposable
{
    public const byte VideoPayloadType = 96;
    public const byte AudioPayloadType = 111;

    private readonly Socket _socket;
    private readonly MediaEngine _engine;
    private readonly Producer? _video;
    private readonly Producer? _audio;
    private PeerAddress _source;
    private long _packets, _dropped;

    internal RtpIngest(string id, MediaRoom room, string participantId, CodecKind videoCodec, bool audio, Socket socket, long nowTicks)
    {
        Id = id;
        Room = room;
        ParticipantId = participantId;
        VideoCodec = videoCodec;
        _socket = socket;
        _engine = room.Engine;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        if (videoCodec != CodecKind.Unknown)
        {
            _video = room.Router.CreateProducer(nowTicks, new ProducerOptions
            {
                Id = $"{id}-video", ParticipantId = participantId, Kind = Protocol.Sdp.MediaKind.Video, Codec = videoCodec,
                ClockRate = 90000, PayloadType = new PayloadType(VideoPayloadType),
            });
        }
        if (audio)
        {
            _audio = room.Router.CreateProducer(nowTicks, new ProducerOptions
            {
                Id = $"{id}-audio", ParticipantId = participantId, Kind = Protocol.Sdp.MediaKind.Audio, Codec = CodecKind.Opus,
                ClockRate = 48000, PayloadType = new PayloadType(AudioPayloadType),
            });
        }
        room.Router.RefreshSelectors(nowTicks);
    }

    public string Id { get; }
    public MediaRoom Room { get; }
    public string ParticipantId { get; }
    public CodecKind VideoCodec { get; }
    public bool HasAudio => _audio is not null;
    public int Port { get; }
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;
    DateTimeOffset IRoomFeed.StartedAt => CreatedAt;
    string IRoomFeed.Kind => Cluster.DirectoryEntry.Ingest;
    /// <summary>The sender the ingest is bound to, once it sent.</summary>
    public PeerAddress Source => _source;
    public long PacketsReceived => Interlocked.Read(ref _packets);
    /// <summary>Datagrams dropped: another source, unknown payload type, not RTP/RTCP.</summary>
    public long PacketsDropped => Interlocked.Read(ref _dropped);
    public IEnumerable<Producer> Producers => new[] { _video, _audio }.OfType<Producer>();

    internal Socket Socket => _socket;

    /// <summary>One datagram from the socket (ingest receive loop). Under the engine's lock like every media input.</summary>
    internal void OnDatagram(long nowTicks, Span<byte> datagram, PeerAddress from)
    {
        lock (_engine.Gate)
        {
            if (_source.IsNone) _source = from;
            else if (!from.HasSameIp(_source)) { _dropped++; return; }
            // RFC 5761 §4: RTCP packet types 200-204 sit where RTP would have payload types 72-76 with the marker set.
            if (datagram.Length >= 2 && datagram[1] is >= 200 and <= 204)
            {
                OnRtcp(datagram);
                return;
            }
            if (!RtpPacket.TryParse(datagram, out var packet)) { _dropped++; return; }
            var producer = packet.PayloadType.Value == VideoPayloadType ? _video
                : packet.PayloadType.Value == AudioPayloadType ? _audio : null;
            if (producer is null) { _dropped++; return; }
            _packets++;
            Room.Router.OnRtp(nowTicks, producer, datagram);
        }
    }

    private void OnRtcp(ReadOnlySpan<byte> compound)
    {
        var reader = new RtcpCompoundReader(compound);
        while (reader.TryReadNext(out var packet))
        {
            if (packet.PacketType != RtcpPacketType.SenderReport || !SenderReport.TryParse(packet.Raw, out var sr)) continue;
            // Sender reports put the stream on the wall clock (RFC 3550 §6.4.1); match them to the producer that carries the SSRC.
            uint ssrc = sr.Ssrc;
            foreach (var p in Producers)
                foreach (var e in p.Encodings)
                    if (e.Ssrc?.Value == ssrc)
                        Room.Router.OnSenderReport(p, new Ssrc(ssrc), sr.NtpTimestamp, new RtpTimestamp(sr.RtpTimestamp));
        }
    }

    /// <summary>Removes the producers (caller holds the engine's lock).</summary>
    internal void Detach(long nowTicks)
    {
        foreach (var p in Producers)
        {
            Metrics.MediaEngineCollector.Retire(p);
            Room.Router.RemoveProducer(nowTicks, p);
            Room.KeyFrames.Forget(p);
        }
        Room.Router.RefreshSelectors(nowTicks);
    }

    public void Dispose() => _socket.Dispose();
}
