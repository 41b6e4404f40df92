using MediaCore.Protocol.Core;
using MediaCore.Protocol.Matroska;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing.Recording;

namespace MediaCore.Routing.Tests.Recording;

public sealed class TrackRecorderTests
{
    private const long Ms = TimeSpan.TicksPerMillisecond;

    internal sealed class Rig
    {
        public readonly Router Router = new();
        public readonly MemoryFiles Files = new();
        public readonly Dictionary<Producer, TrackRecorder> Tracks = new(ReferenceEqualityComparer.Instance);
        public readonly SenderClock Clock = new();
        public readonly CountingKeyFrameRequester KeyFrames = new();
        public long OriginTicks = 1_000 * Ms;

        public Rig() => Router.AddObserver(new RecorderTap(Tracks));

        public Producer Add(ProducerOptions options)
        {
            var p = Router.CreateProducer(0, options);
            Tracks[p] = new TrackRecorder(p, Clock, OriginTicks, DateTimeOffset.UnixEpoch, Files);
            return p;
        }

        public MatroskaScan Scan(int file)
        {
            var f = Files.Files[file];
            f.Stream.Position = 0;
            Assert.True(MatroskaScanner.TryScan(new MemoryStream(f.Bytes), out var scan, out string error), error);
            return scan;
        }
    }

    /// <summary>10 s of Opus (20 ms) and VP8 (30 fps, key frame every 2 s, 3 packets per frame) from one publisher.</summary>
    internal static List<(long At, Producer P, byte[] Packet)> Stream(Rig rig, Producer audio, Producer video, int seconds = 10,
        Func<int, bool>? loseVideoPacket = null)
    {
        var list = new List<(long, Producer, byte[])>();
        var aw = new RtpPacketWriter { Ssrc = new Ssrc(1), PayloadType = new PayloadType(111), SequenceNumber = 65500, Timestamp = new RtpTimestamp(4_294_000_000) };
        var vw = new RtpPacketWriter { Ssrc = new Ssrc(2), PayloadType = new PayloadType(96), SequenceNumber = 65000, Timestamp = new RtpTimestamp(1000) };
        long start = rig.OriginTicks + 10 * Ms;
        for (int i = 0; i < seconds * 50; i++)
        {
            var payload = new byte[80];
            payload[0] = 0xF8; // TOC: CELT fullband 20 ms, mono, one frame (RFC 6716 §3.1)
            payload[1] = (byte)i;
            aw.Payload = payload;
            var bytes = new byte[aw.GetSerializedSize()];
            aw.WriteTo(bytes);
            aw.SequenceNumber++;
            aw.Timestamp = aw.Timestamp.Add(960);
            list.Add((start + i * 20 * Ms, audio, bytes));
        }
        int n = 0;
        for (int f = 0; f < seconds * 30; f++)
        {
            bool key = f % 60 == 0;
            foreach (var p in RecordingTestKit.Vp8Packets(vw, key, key ? 2500 : 1500))
            {
                if (loseVideoPacket?.Invoke(n++) == true) continue;
                list.Add((start + f * 333_333 + 2 * Ms, video, p));
            }
            vw.Timestamp = vw.Timestamp.Add(3000);
        }
        return list.OrderBy(p => p.Item1).ToList(); // stable: packets of one frame keep their order
    }

    internal static void Feed(Rig rig, IEnumerable<(long At, Producer P, byte[] Packet)> packets)
    {
        foreach (var (at, p, packet) in packets) rig.Router.OnRtp(at, p, packet);
    }

    [Fact]
    public void Finish_OpusAndVp8_FfprobeReadsEachTrackWithItsDuration()
    {
        var rig = new Rig();
        var audio = rig.Add(RecordingTestKit.Audio("a", 1));
        var video = rig.Add(Setup.Video("v", 2, rig.KeyFrames, "p1"));
        Feed(rig, Stream(rig, audio, video));
        foreach (var t in rig.Tracks.Values) t.Finish(20_000 * Ms);

        Assert.Equal(2, rig.Files.Files.Count);
        var a = RecordingTestKit.Probe(rig.Files.Files.Single(f => f.Name == "a.webm").Bytes, ".webm");
        var v = RecordingTestKit.Probe(rig.Files.Files.Single(f => f.Name == "v.webm").Bytes, ".webm");
        Assert.Equal("opus", a.Codec);
        Assert.Equal("vp8", v.Codec);
        Assert.Equal(500, a.Packets);
        Assert.Equal(300, v.Packets);
        Assert.InRange(a.Duration, 9.9, 10.1);
        Assert.InRange(v.Duration, 9.9, 10.1);
        Assert.All(rig.Files.Files, f => Assert.True(f.Closed));
    }

    [Fact]
    public void Finish_ClustersAtMostOneSecond_EveryClusterAppendedAsItCompletes()
    {
        var rig = new Rig();
        var audio = rig.Add(RecordingTestKit.Audio("a", 1));
        var video = rig.Add(Setup.Video("v", 2, rig.KeyFrames, "p1"));
        Feed(rig, Stream(rig, audio, video));
        var file = rig.Files.Files.Single(f => f.Name == "a.webm");
        // Before Finish: the header plus ~9 one-second clusters are already on "disk".
        Assert.InRange(file.Appends, 9, 12);
        var scan = rig.Scan(0);
        Assert.False(scan.HasCues);
        Assert.InRange(scan.LastBlockMs - scan.FirstBlockMs, 8000, 10_000);
    }

    [Fact]
    public void OnRtp_PacketsReordered_SameFramesAsInOrder()
    {
        var inOrder = new Rig();
        var a1 = inOrder.Add(RecordingTestKit.Audio("a", 1));
        var v1 = inOrder.Add(Setup.Video("v", 2, inOrder.KeyFrames, "p1"));
        Feed(inOrder, Stream(inOrder, a1, v1, 4));
        foreach (var t in inOrder.Tracks.Values) t.Finish(20_000 * Ms);

        var shuffled = new Rig();
        var a2 = shuffled.Add(RecordingTestKit.Audio("a", 1));
        var v2 = shuffled.Add(Setup.Video("v", 2, shuffled.KeyFrames, "p1"));
        var packets = Stream(shuffled, a2, v2, 4);
        var rng = new Random(7);
        for (int i = 1; i + 1 < packets.Count; i++)
        {
            // Swap neighbours (keeping the later arrival time) about one time in five.
            if (rng.Next(5) == 0) (packets[i], packets[i + 1]) = ((packets[i].At, packets[i + 1].P, packets[i + 1].Packet), (packets[i + 1].At, packets[i].P, packets[i].Packet));
        }
        Feed(shuffled, packets);
        foreach (var t in shuffled.Tracks.Values) t.Finish(20_000 * Ms);

        for (int f = 0; f < 2; f++)
        {
            var x = inOrder.Scan(f);
            var y = shuffled.Scan(f);
            Assert.Equal(x.Blocks, y.Blocks);
            Assert.Equal(x.FirstBlockMs, y.FirstBlockMs);
            Assert.Equal(x.LastBlockMs, y.LastBlockMs);
        }
        Assert.All(shuffled.Tracks.Values, t => Assert.Equal(0, t.Gaps));
    }

    [Fact]
    public void OnRtp_VideoJoinedMidGop_StartsAtKeyFrameAndAsksForOne()
    {
        var rig = new Rig();
        var audio = rig.Add(RecordingTestKit.Audio("a", 1));
        var video = rig.Add(Setup.Video("v", 2, rig.KeyFrames, "p1"));
        // Start 20 frames into the GOP: the first 40 frames are delta frames.
        var packets = Stream(rig, audio, video, 4).Where(p => p.P != video || p.At >= rig.OriginTicks + 10 * Ms + 20 * 33 * Ms + 5 * Ms).ToList();
        Feed(rig, packets);
        foreach (var t in rig.Tracks.Values) t.Finish(20_000 * Ms);

        Assert.NotEmpty(rig.KeyFrames.Requests);
        var v = rig.Scan(rig.Files.Files.FindIndex(f => f.Name == "v.webm"));
        Assert.Equal(v.FirstBlockMs, v.CuePoints[0].TimeMs); // the first cluster starts with the key frame and is a cue point
        Assert.InRange(v.FirstBlockMs, 1990, 2040); // the key frame at 2 s
        Assert.Equal(1, v.KeyFrames);
    }

    [Fact]
    public void OnRtp_VideoPacketLost_GapKeptAndVideoResumesAtNextKeyFrame()
    {
        var rig = new Rig();
        var audio = rig.Add(RecordingTestKit.Audio("a", 1));
        var video = rig.Add(Setup.Video("v", 2, rig.KeyFrames, "p1"));
        // Packet 25 belongs to frame 12 (a key frame of 3 packets, then 2 per frame): frames 12..59 cannot be decoded.
        Feed(rig, Stream(rig, audio, video, 4, loseVideoPacket: n => n == 25));
        foreach (var t in rig.Tracks.Values) t.Finish(20_000 * Ms);

        var track = rig.Tracks[video];
        Assert.Equal(1, track.Gaps);
        var v = rig.Scan(rig.Files.Files.FindIndex(f => f.Name == "v.webm"));
        Assert.Equal(120 - 48, v.Blocks);
        Assert.NotEmpty(rig.KeyFrames.Requests);
    }

    [Fact]
    public void OnRtp_SenderReports_AudioAndVideoPlacedByCaptureTimeNotArrival()
    {
        var rig = new Rig();
        var audio = rig.Add(RecordingTestKit.Audio("a", 1));
        var video = rig.Add(Setup.Video("v", 2, rig.KeyFrames, "p1"));
        var packets = Stream(rig, audio, video, 5);
        // Video arrives 120 ms later than audio captured at the same instant (pacing, a slower path).
        packets = packets.Select(p => p.P == video ? (p.At + 120 * Ms, p.P, p.Packet) : p).OrderBy(p => p.Item1).ToList();
        // Sender reports: audio RTP 4_294_000_000 and video RTP 1000 were both captured at NTP 1000.000 s.
        ulong ntp = NtpTime.FromTicksSince1900(1000 * TimeSpan.TicksPerSecond);
        rig.Router.OnSenderReport(audio, new Ssrc(1), ntp, new RtpTimestamp(4_294_000_000));
        rig.Router.OnSenderReport(video, new Ssrc(2), ntp, new RtpTimestamp(1000));
        Feed(rig, packets);
        foreach (var t in rig.Tracks.Values) t.Finish(20_000 * Ms);

        var a = rig.Scan(rig.Files.Files.FindIndex(f => f.Name == "a.webm"));
        var v = rig.Scan(rig.Files.Files.FindIndex(f => f.Name == "v.webm"));
        // Both first frames were captured at the same instant: same place on the recording clock (± 1 ms rounding).
        Assert.InRange(v.FirstBlockMs - a.FirstBlockMs, -1, 1);
        Assert.InRange(a.FirstBlockMs, 5, 15); // arrival 10 ms after the recording's origin
    }

    [Fact]
    public void OnRtp_AudioSenderReportAfterItsFirstClusters_ThoseClustersAreRestampedIntoSync()
    {
        var rig = new Rig();
        var audio = rig.Add(RecordingTestKit.Audio("a", 1));
        var video = rig.Add(Setup.Video("v", 2, rig.KeyFrames, "p1"));
        var packets = Stream(rig, audio, video, 6);
        // Video arrives 120 ms after capture (encoder and pacer), audio 10 ms; Chromium's first audio report comes
        // seconds after its first packet (audio reports every 5 s), the video one at once.
        packets = packets.Select(p => p.P == video ? (p.At + 120 * Ms, p.P, p.Packet) : p).OrderBy(p => p.Item1).ToList();
        ulong ntp = NtpTime.FromTicksSince1900(1000 * TimeSpan.TicksPerSecond);
        rig.Router.OnSenderReport(video, new Ssrc(2), ntp, new RtpTimestamp(1000));
        long audioReportAt = rig.OriginTicks + 3_000 * Ms;
        Feed(rig, packets.Where(p => p.At < audioReportAt));
        var audioTrack = rig.Tracks[audio];
        Assert.True(audioTrack.PlacedByArrival, "without a report in 1.5 s the audio is first placed by arrival");
        rig.Router.OnSenderReport(audio, new Ssrc(1), ntp, new RtpTimestamp(4_294_000_000));
        Feed(rig, packets.Where(p => p.At >= audioReportAt));
        foreach (var t in rig.Tracks.Values) t.Finish(20_000 * Ms);

        var a = rig.Scan(rig.Files.Files.FindIndex(f => f.Name == "a.webm"));
        var v = rig.Scan(rig.Files.Files.FindIndex(f => f.Name == "v.webm"));
        Assert.False(audioTrack.PlacedByArrival);
        Assert.InRange(audioTrack.LateSenderReportShiftMs, 100, 140); // moved by the video's extra 120 ms
        Assert.InRange(v.FirstBlockMs - a.FirstBlockMs, -1, 1);       // both first frames captured at one instant
        Assert.Equal(a.FirstBlockMs, audioTrack.StartMs);
        Assert.Equal(v.FirstBlockMs, rig.Tracks[video].StartMs);
        // Every cluster (and cue) is in order and the audio has no hole where the report came.
        var audioFrames = RecordingTestKit.BlockTimes(rig.Files.Files.Single(f => f.Name == "a.webm").Bytes);
        for (int i = 1; i < audioFrames.Count; i++) Assert.InRange(audioFrames[i] - audioFrames[i - 1], 19, 21);
        Assert.Equal(300, audioFrames.Count);
    }

    [Fact]
    public void Scanner_FileCutMidCluster_FinishesPlayableUpToLastCompleteCluster()
    {
        var rig = new Rig();
        var audio = rig.Add(RecordingTestKit.Audio("a", 1));
        var video = rig.Add(Setup.Video("v", 2, rig.KeyFrames, "p1"));
        Feed(rig, Stream(rig, audio, video, 6));
        // A crash: nothing finished, and the process died in the middle of appending a cluster.
        var bytes = rig.Files.Files.Single(f => f.Name == "v.webm").Bytes;
        var torn = bytes.Concat(new byte[] { 0x1F, 0x43, 0xB6, 0x75, 0x01, 0, 0, 0, 0, 0, 0x30, 0x00, 0xE7 }).ToArray();
        var stream = new MemoryStream();
        stream.Write(torn);
        Assert.True(MatroskaScanner.TryScan(stream, out var scan, out string error), error);
        Assert.Equal(13, scan.TruncatedBytes);
        Assert.False(scan.HasCues);
        stream.SetLength(scan.ContentEnd);
        var cues = MatroskaTrailer.Build(scan.Layout, scan.ContentEnd, scan.CuePoints, scan.DurationMs, out var patches);
        stream.Position = scan.ContentEnd;
        stream.Write(cues);
        foreach (var p in patches) { stream.Position = p.Offset; stream.Write(p.Data); }

        var probe = RecordingTestKit.Probe(stream.ToArray(), ".webm");
        Assert.Equal("vp8", probe.Codec);
        // 6 s were sent; clusters are cut at most 1 s apart, so at least 4.5 s survive.
        Assert.InRange(probe.Duration, 4.5, 6.1);
        Assert.True(MatroskaScanner.TryScan(new MemoryStream(stream.ToArray()), out var again, out _));
        Assert.True(again.HasCues);
        Assert.Equal(0, again.TruncatedBytes);
    }

    [Fact]
    public void Scanner_MutatedFiles_NeverThrow()
    {
        var rig = new Rig();
        var audio = rig.Add(RecordingTestKit.Audio("a", 1));
        var video = rig.Add(Setup.Video("v", 2, rig.KeyFrames, "p1"));
        Feed(rig, Stream(rig, audio, video, 2));
        foreach (var t in rig.Tracks.Values) t.Finish(20_000 * Ms);
        var seeds = rig.Files.Files.Select(f => f.Bytes).ToList();
        var rng = new Random(1234);
        for (int i = 0; i < 3000; i++)
        {
            var data = (byte[])seeds[i % seeds.Count].Clone();
            switch (i % 4)
            {
                case 0: for (int k = 0; k < 1 + rng.Next(8); k++) data[rng.Next(data.Length)] = (byte)rng.Next(256); break;
                case 1: data = data[..rng.Next(data.Length)]; break;
                case 2: data = data[..Math.Min(data.Length, 200)]; data[rng.Next(data.Length)] ^= 0xFF; break;
                default: rng.NextBytes(data.AsSpan(rng.Next(data.Length / 2))); break;
            }
            MatroskaScanner.TryScan(new MemoryStream(data), out _, out _);
        }
        var random = new byte[4096];
        rng.NextBytes(random);
        Assert.False(MatroskaScanner.TryScan(new MemoryStream(random), out _, out string error));
        Assert.NotEmpty(error);
    }
}
