using MediaCore.Protocol.Core;
using MediaCore.Protocol.Feedback;
using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Feedback;

public class TwccFeedbackBuilderTests
{
    private const uint Sender = 0x0000_0001;
    private const uint Media = 0xCAFE_BABE;
    private static readonly long T0 = MediaTime.FromSeconds(1000);
    private static long Ms(double ms) => (long)(ms * MediaTime.TicksPerMillisecond);

    private sealed record Parsed(ushort Base, int Count, byte FbCount, uint MediaSsrc, List<(ushort Seq, long? Arrival)> Packets);

    private static Parsed Parse(ReadOnlySpan<byte> packet)
    {
        Assert.True(RtcpCompoundReader.Validate(packet, out _));
        Assert.True(TransportFeedback.TryParse(packet, out var fb));
        var list = new List<(ushort, long?)>();
        long time = fb.ReferenceTimeTicks;
        foreach (var r in fb)
        {
            if (r.Received) { time += r.DeltaTicks; list.Add((r.Sequence, time)); }
            else list.Add((r.Sequence, null));
        }
        return new Parsed(fb.BaseSequence, fb.StatusCount, fb.FeedbackPacketCount, fb.MediaSsrc, list);
    }

    private static List<Parsed> Drain(TwccFeedbackBuilder b)
    {
        var result = new List<Parsed>();
        var buf = new byte[1500];
        while (b.TryPollFeedback(buf, out int n)) result.Add(Parse(buf.AsSpan(0, n)));
        return result;
    }

    private static void AssertArrival(long expected, long? actual)
    {
        Assert.NotNull(actual);
        Assert.InRange(actual!.Value - expected, -1_250, 1_250); // within half a 250 us unit
    }

    [Fact]
    public void HandleTimeout_InOrderPackets_OneFeedbackWithAllArrivals()
    {
        var b = new TwccFeedbackBuilder(Sender);
        for (int i = 0; i < 10; i++) b.OnPacket(T0 + Ms(5 * i + 0.3), (ushort)(100 + i), Media);
        Assert.Empty(Drain(b)); // not due yet
        Assert.Equal(T0 + Ms(100.3), b.PollTimeout());

        b.HandleTimeout(b.PollTimeout());
        var fbs = Drain(b);
        var fb = Assert.Single(fbs);
        Assert.Equal(100, fb.Base);
        Assert.Equal(10, fb.Count);
        Assert.Equal(0, fb.FbCount);
        Assert.Equal(Media, fb.MediaSsrc);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal((ushort)(100 + i), fb.Packets[i].Seq);
            AssertArrival(T0 + Ms(5 * i + 0.3), fb.Packets[i].Arrival);
        }
        Assert.Equal(MediaTime.Never, b.PollTimeout());
    }

    [Fact]
    public void HandleTimeout_LostPacket_ReportedAsNotReceived()
    {
        var b = new TwccFeedbackBuilder(Sender);
        foreach (ushort seq in new ushort[] { 1, 2, 4, 5 }) b.OnPacket(T0 + Ms(seq), seq, Media);
        b.HandleTimeout(T0 + Ms(200));
        var fb = Assert.Single(Drain(b));
        Assert.Equal(5, fb.Count);
        Assert.Null(fb.Packets[2].Arrival);
        Assert.Equal((ushort)3, fb.Packets[2].Seq);
        AssertArrival(T0 + Ms(4), fb.Packets[3].Arrival);
    }

    [Fact]
    public void HandleTimeout_ReorderedWithinInterval_ReportsTrueArrivalTimes()
    {
        var b = new TwccFeedbackBuilder(Sender);
        b.OnPacket(T0, 10, Media);
        b.OnPacket(T0 + Ms(2), 12, Media);
        b.OnPacket(T0 + Ms(9), 11, Media); // late: its delta is positive, 12's becomes negative
        b.HandleTimeout(T0 + Ms(150));
        var fb = Assert.Single(Drain(b));
        Assert.Equal(3, fb.Count);
        AssertArrival(T0, fb.Packets[0].Arrival);
        AssertArrival(T0 + Ms(9), fb.Packets[1].Arrival);
        AssertArrival(T0 + Ms(2), fb.Packets[2].Arrival);
    }

    [Fact]
    public void OnPacket_LateAfterFeedback_ReReportsFromTheLatePacket()
    {
        var b = new TwccFeedbackBuilder(Sender);
        b.OnPacket(T0, 1, Media);
        b.OnPacket(T0 + Ms(1), 3, Media);
        b.HandleTimeout(T0 + Ms(100));
        var first = Assert.Single(Drain(b));
        Assert.Null(first.Packets[1].Arrival); // 2 missing so far

        b.OnPacket(T0 + Ms(120), 2, Media); // arrives late (libwebrtc moves the window back to it)
        b.HandleTimeout(T0 + Ms(200));
        var second = Assert.Single(Drain(b));
        Assert.Equal(2, second.Base);
        Assert.Equal(2, second.Count);
        Assert.Equal(1, second.FbCount);
        AssertArrival(T0 + Ms(120), second.Packets[0].Arrival);
        AssertArrival(T0 + Ms(1), second.Packets[1].Arrival);
    }

    [Fact]
    public void TryPollFeedback_ArrivalsTooFarApart_StartsNewFeedbackPacket()
    {
        // Deltas are 16-bit signed 250 us units: at most 8.19 s between consecutive packets.
        var b = new TwccFeedbackBuilder(Sender, new TwccFeedbackOptions { IntervalTicks = MediaTime.FromSeconds(30) });
        b.OnPacket(T0, 500, Media);
        b.OnPacket(T0 + MediaTime.FromSeconds(10), 501, Media);
        b.OnPacket(T0 + MediaTime.FromSeconds(10) + Ms(1), 502, Media);
        b.HandleTimeout(T0 + MediaTime.FromSeconds(30));
        var fbs = Drain(b);
        Assert.Equal(2, fbs.Count);
        Assert.Equal((500, 1, (byte)0), (fbs[0].Base, fbs[0].Count, fbs[0].FbCount));
        Assert.Equal((501, 2, (byte)1), (fbs[1].Base, fbs[1].Count, fbs[1].FbCount));
        AssertArrival(T0 + MediaTime.FromSeconds(10), fbs[1].Packets[0].Arrival);
        AssertArrival(T0 + MediaTime.FromSeconds(10) + Ms(1), fbs[1].Packets[1].Arrival);
    }

    [Fact]
    public void OnPacket_TransportSequenceWraps_OneContinuousFeedback()
    {
        var b = new TwccFeedbackBuilder(Sender);
        ushort[] seqs = [65534, 65535, 0, 1];
        for (int i = 0; i < seqs.Length; i++) b.OnPacket(T0 + Ms(i), seqs[i], Media);
        b.HandleTimeout(T0 + Ms(100));
        var fb = Assert.Single(Drain(b));
        Assert.Equal(65534, fb.Base);
        Assert.Equal(4, fb.Count);
        Assert.Equal(seqs, fb.Packets.Select(p => p.Seq).ToArray());
        Assert.All(fb.Packets, p => Assert.NotNull(p.Arrival));
    }

    [Fact]
    public void OnPacket_ManyPending_FeedbackDueBeforeInterval()
    {
        var b = new TwccFeedbackBuilder(Sender, new TwccFeedbackOptions { MaxPendingPackets = 20 });
        for (int i = 0; i < 19; i++) b.OnPacket(T0 + Ms(i * 0.1), (ushort)i, Media);
        Assert.Empty(Drain(b));
        b.OnPacket(T0 + Ms(2), 19, Media);
        Assert.Equal(T0 + Ms(2), b.PollTimeout());
        var fb = Assert.Single(Drain(b));
        Assert.Equal(20, fb.Count);
    }

    [Fact]
    public void TryPollFeedback_BurstLargerThanOnePacket_SplitsWithoutGapsOrOverlap()
    {
        var b = new TwccFeedbackBuilder(Sender, new TwccFeedbackOptions { MaxPacketSize = 100, MaxPendingPackets = 10_000 });
        var rng = new Random(7);
        var sent = new Dictionary<ushort, long>();
        long t = T0;
        for (int i = 0; i < 1000; i++)
        {
            ushort seq = (ushort)(60_000 + i);
            t += rng.Next(0, 40_000);
            if (rng.Next(10) == 0) continue; // lost
            b.OnPacket(t, seq, Media);
            sent[seq] = t;
        }
        b.HandleTimeout(t + Ms(100));
        var fbs = Drain(b);
        Assert.True(fbs.Count > 5);
        int expectedBase = 60_000;
        foreach (var fb in fbs)
        {
            Assert.Equal((ushort)expectedBase, fb.Base);
            Assert.NotNull(fb.Packets[0].Arrival); // a feedback starts at a received packet
            Assert.NotNull(fb.Packets[^1].Arrival); // and ends at one
            foreach (var (seq, arrival) in fb.Packets)
            {
                if (arrival is null) Assert.False(sent.ContainsKey(seq));
                else AssertArrival(sent[seq], arrival);
            }
            expectedBase = (ushort)(fb.Base + fb.Count);
            // The next feedback starts at the next received packet.
            while (!sent.ContainsKey((ushort)expectedBase) && expectedBase != (ushort)(60_000 + 1000)) expectedBase = (ushort)(expectedBase + 1);
        }
        Assert.Equal(sent.Count, fbs.Sum(f => f.Packets.Count(p => p.Arrival is not null)));
        Assert.Equal(Enumerable.Range(0, fbs.Count).Select(i => (byte)i), fbs.Select(f => f.FbCount));
    }

    [Fact]
    public void OnPacket_Duplicate_IsReportedOnceWithFirstArrival()
    {
        var b = new TwccFeedbackBuilder(Sender);
        b.OnPacket(T0, 5, Media);
        b.OnPacket(T0 + Ms(3), 5, Media);
        b.OnPacket(T0 + Ms(4), 6, Media);
        b.HandleTimeout(T0 + Ms(100));
        var fb = Assert.Single(Drain(b));
        Assert.Equal(2, fb.Count);
        AssertArrival(T0, fb.Packets[0].Arrival);
    }

    [Fact]
    public void FeedbackCount_IncreasesEveryPacketAndWraps()
    {
        var b = new TwccFeedbackBuilder(Sender);
        var counts = new List<byte>();
        long t = T0;
        for (int i = 0; i < 300; i++)
        {
            b.OnPacket(t, (ushort)i, Media);
            t += Ms(100);
            b.HandleTimeout(t);
            counts.AddRange(Drain(b).Select(f => f.FbCount));
        }
        Assert.Equal(300, counts.Count);
        for (int i = 0; i < 300; i++) Assert.Equal((byte)i, counts[i]);
    }

    [Fact]
    public void PollTimeout_Idle_IsNever()
    {
        var b = new TwccFeedbackBuilder(Sender);
        Assert.Equal(MediaTime.Never, b.PollTimeout());
        b.HandleTimeout(T0);
        Assert.Empty(Drain(b));
    }

    [Fact]
    public void OnPacket_HistorySlotReused_ReportsNewArrivalNotStaleOne()
    {
        // Regression: the arrival ring reuses a slot every HistoryCapacity packets. The slot of a new highest
        // sequence number was not cleared, so the packet was taken for a duplicate and the feedback carried
        // the arrival time of the packet 16 sequence numbers earlier.
        var b = new TwccFeedbackBuilder(Sender, new TwccFeedbackOptions { HistoryCapacity = 16 });
        long t = T0;
        var fbs = new List<Parsed>();
        for (int i = 0; i < 40; i++)
        {
            b.OnPacket(t += Ms(10), (ushort)i, Media);
            if (b.PollTimeout() <= t)
            {
                b.HandleTimeout(t);
                fbs.AddRange(Drain(b));
            }
        }
        b.HandleTimeout(t + Ms(100));
        fbs.AddRange(Drain(b));
        Assert.True(fbs.Count >= 4);
        var all = fbs.SelectMany(f => f.Packets).ToList();
        Assert.Equal(40, all.Count);
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal((ushort)i, all[i].Seq);
            AssertArrival(T0 + Ms(10 * (i + 1)), all[i].Arrival);
        }
    }
}
