using System.Buffers.Binary;
using System.Security.Cryptography;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Matroska;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;
using MediaCore.Server.Sessions;

namespace MediaCore.Server.Playback;

/// <summary>A file that cannot be played (not WebM, no VP8/Opus track, malformed).</summary>
public sealed class PlaybackFileException(string message) : Exception(message);

/// <summary>
/// Publishes WebM files into a room as if a participant sent them: the first VP8 track and the first Opus track
/// found in the files (one two-track courseware file, or a recording's separate track files) become one video and
/// one audio <see cref="Producer"/>, and their frames are sent as RTP (RFC 7741 VP8 payload, RFC 7587 Opus) paced
/// by the files' timestamps against the wall clock, with sender reports so recorders and players line the two up.
/// Subscribers, recording and the mixer see it like any publisher. Plays <c>loops</c> times, then ends.
/// </summary>
public sealed class FilePublisher : IRoomFeed
{
    private const byte VideoPt = 96, AudioPt = 111;
    private const int MaxVp8Payload = 1100;
    private readonly IReadOnlyList<string> _paths;
    private readonly MediaEngine _engine;
    private readonly Track? _video, _audio;
    private readonly byte[] _packet = new byte[1500];
    private ushort _pictureId = (ushort)Random.Shared.Next(0x7FFF);

    private sealed class Track(Producer producer, int clockRate, string path, ulong number)
    {
        public Producer Producer { get; } = producer;
        public int ClockRate { get; } = clockRate;
        public string Path { get; } = path;
        public ulong Number { get; } = number;
        public Ssrc Ssrc { get; } = new(BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4)));
        public uint TimestampBase { get; } = BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4));
        public ushort Seq { get; set; } = (ushort)Random.Shared.Next(ushort.MaxValue);
        public long Frames { get; set; }
    }

    /// <summary>Checks the files and creates the producers in <paramref name="room"/> (caller holds the engine's gate).</summary>
    /// <exception cref="PlaybackFileException">No playable track, or a file is not WebM/Matroska.</exception>
    internal FilePublisher(string id, MediaRoom room, string participantId, IReadOnlyList<string> paths, int loops, long nowTicks)
    {
        Id = id;
        Room = room;
        ParticipantId = participantId;
        Loops = loops;
        _paths = paths;
        _engine = room.Engine;
        (string Path, ulong Number)? video = null, audio = null;
        foreach (var path in paths)
        {
            using var f = File.OpenRead(path);
            if (!MatroskaBlockReader.TryOpen(f, out var reader, out var error))
                throw new PlaybackFileException($"{System.IO.Path.GetFileName(path)}: {error}");
            foreach (var t in reader!.Tracks)
            {
                if (t.IsVideo && t.CodecId == "V_VP8") video ??= (path, t.Number);
                if (t.IsAudio && t.CodecId == "A_OPUS") audio ??= (path, t.Number);
            }
        }
        if (video is null && audio is null) throw new PlaybackFileException("no VP8 video or Opus audio track to play");
        if (video is { } v)
        {
            _video = new Track(room.Router.CreateProducer(nowTicks, new ProducerOptions
            {
                Id = $"{id}-video", ParticipantId = participantId, Kind = Protocol.Sdp.MediaKind.Video, Codec = CodecKind.Vp8,
                ClockRate = 90000, PayloadType = new PayloadType(VideoPt),
            }), 90000, v.Path, v.Number);
        }
        if (audio is { } a)
        {
            _audio = new Track(room.Router.CreateProducer(nowTicks, new ProducerOptions
            {
                Id = $"{id}-audio", ParticipantId = participantId, Kind = Protocol.Sdp.MediaKind.Audio, Codec = CodecKind.Opus,
                ClockRate = 48000, PayloadType = new PayloadType(AudioPt),
            }), 48000, a.Path, a.Number);
        }
        room.Router.RefreshSelectors(nowTicks);
        room.AddFilePublisher(this); // last: the directory lists it (kind playback) once its producers exist
    }

    public string Id { get; }
    public MediaRoom Room { get; }
    public string ParticipantId { get; }
    public int Loops { get; }
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    string IRoomFeed.Kind => Cluster.DirectoryEntry.Playback;
    /// <summary>Position in the current pass, in ms.</summary>
    public long PositionMs { get; private set; }
    /// <summary>Pass being played (1-based).</summary>
    public int Pass { get; private set; }
    public long VideoFrames => _video?.Frames ?? 0;
    public long AudioFrames => _audio?.Frames ?? 0;
    /// <summary>Why it stopped early, when it did.</summary>
    public string? Error { get; private set; }
    public IEnumerable<Producer> Producers => new[] { _video?.Producer, _audio?.Producer }.OfType<Producer>();

    /// <summary>Plays every pass, paced by <paramref name="time"/>; returns when done or cancelled.</summary>
    internal async Task RunAsync(TimeProvider time, CancellationToken ct)
    {
        long offsetMs = 0;
        long startTicks = time.GetTimestamp();
        for (Pass = 1; Pass <= Loops && !ct.IsCancellationRequested; Pass++)
        {
            long passEnd = await PlayPassAsync(time, startTicks, offsetMs, ct);
            if (Error is not null) return;
            offsetMs = passEnd + 40; // the next pass continues the timelines (RTP timestamps keep increasing)
        }
    }

    private async Task<long> PlayPassAsync(TimeProvider time, long startTicks, long offsetMs, CancellationToken ct)
    {
        // One reader per distinct file; frames are merged by time across them.
        var sources = new List<(FileStream File, MatroskaBlockReader Reader)>();
        try
        {
            foreach (var path in new[] { _video?.Path, _audio?.Path }.OfType<string>().Distinct())
            {
                var file = File.OpenRead(path);
                MatroskaBlockReader.TryOpen(file, out var reader, out _);
                sources.Add((file, reader!));
            }
            var pending = new (Track Track, long Ms, bool Key, byte[] Frame)?[sources.Count];
            long firstMs = long.MinValue, lastMs = 0, lastReport = long.MinValue;
            while (!ct.IsCancellationRequested)
            {
                int pick = -1;
                for (int i = 0; i < sources.Count; i++)
                {
                    pending[i] ??= NextFrame(sources[i].Reader);
                    if (pending[i] is { } p && (pick < 0 || p.Ms < pending[pick]!.Value.Ms)) pick = i;
                }
                if (pick < 0) break;
                var (track, ms, _, frame) = pending[pick]!.Value;
                pending[pick] = null;
                if (firstMs == long.MinValue) firstMs = ms;
                long at = offsetMs + Math.Max(0, ms - firstMs);
                lastMs = Math.Max(lastMs, at);
                PositionMs = at - offsetMs;
                var wait = TimeSpan.FromMilliseconds(at) - time.GetElapsedTime(startTicks);
                if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, time, ct).ConfigureAwait(false);
                lock (_engine.Gate)
                {
                    long now = _engine.Clock.NowTicks;
                    if (at - lastReport >= 1000)
                    {
                        lastReport = at;
                        // RFC 3550 §6.4.1: the wall clock (NTP) of this instant and each stream's RTP time for it.
                        ulong ntp = Ntp(DateTimeOffset.UtcNow);
                        foreach (var t in new[] { _video, _audio })
                            if (t is not null) Room.Router.OnSenderReport(t.Producer, t.Ssrc, ntp, new RtpTimestamp(Rtp(t, at)));
                    }
                    Send(now, track, Rtp(track, at), frame);
                }
            }
            foreach (var (_, reader) in sources)
                if (reader.Error is { } e) Error = e;
            return lastMs;
        }
        finally
        {
            foreach (var (file, _) in sources) file.Dispose();
        }
    }

    private (Track, long, bool, byte[])? NextFrame(MatroskaBlockReader reader)
    {
        while (reader.TryReadFrame(out ulong number, out long ms, out bool key, out byte[] frame))
        {
            if (_video is { } v && number == v.Number && reader.Tracks.Any(t => t.Number == number && t.IsVideo) && frame.Length > 0)
                return (v, ms, key || (frame[0] & 0x01) == 0, frame); // RFC 6386 §9.1: P bit 0 is a key frame
            if (_audio is { } a && number == a.Number && reader.Tracks.Any(t => t.Number == number && t.IsAudio))
                return (a, ms, true, frame);
        }
        return null;
    }

    private static uint Rtp(Track t, long ms) => unchecked(t.TimestampBase + (uint)(ms * t.ClockRate / 1000));

    private void Send(long now, Track track, uint timestamp, byte[] frame)
    {
        track.Frames++;
        if (track == _audio)
        {
            int n = RtpPacketWriter.WriteFixedHeader(_packet, true, new PayloadType(AudioPt), track.Seq++, new RtpTimestamp(timestamp), track.Ssrc, [], false);
            int len = Math.Min(frame.Length, _packet.Length - n);
            frame.AsSpan(0, len).CopyTo(_packet.AsSpan(n));
            Room.Router.OnRtp(now, track.Producer, _packet.AsSpan(0, n + len));
            return;
        }
        // RFC 7741 §4.2: X=1, S on the first packet, I=1 with a 15-bit PictureID (M=1); marker on the last packet.
        ushort pictureId = _pictureId;
        _pictureId = (ushort)((_pictureId + 1) & 0x7FFF);
        for (int offset = 0; offset < frame.Length;)
        {
            int chunk = Math.Min(MaxVp8Payload, frame.Length - offset);
            bool last = offset + chunk == frame.Length;
            int n = RtpPacketWriter.WriteFixedHeader(_packet, last, new PayloadType(VideoPt), track.Seq++, new RtpTimestamp(timestamp), track.Ssrc, [], false);
            _packet[n++] = (byte)(0x80 | (offset == 0 ? 0x10 : 0));
            _packet[n++] = 0x80;
            _packet[n++] = (byte)(0x80 | (pictureId >> 8));
            _packet[n++] = (byte)pictureId;
            frame.AsSpan(offset, chunk).CopyTo(_packet.AsSpan(n));
            Room.Router.OnRtp(now, track.Producer, _packet.AsSpan(0, n + chunk));
            offset += chunk;
        }
    }

    private static ulong Ntp(DateTimeOffset t)
    {
        // NTP era 0 starts 1900-01-01 (RFC 5905 §6); 32.32 fixed point.
        double seconds = (t - new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero)).TotalSeconds;
        ulong whole = (ulong)Math.Floor(seconds);
        return (whole << 32) | (uint)((seconds - whole) * 4294967296.0);
    }

    /// <summary>Removes the producers (caller holds the engine's gate).</summary>
    internal void Detach(long nowTicks)
    {
        foreach (var p in Producers)
        {
            Metrics.MediaEngineCollector.Retire(p);
            Room.Router.RemoveProducer(nowTicks, p);
            Room.KeyFrames.Forget(p);
        }
        Room.RemoveFilePublisher(this);
        Room.Router.RefreshSelectors(nowTicks);
        Room.Engine.ReleaseIfEmpty(Room);
    }
}
