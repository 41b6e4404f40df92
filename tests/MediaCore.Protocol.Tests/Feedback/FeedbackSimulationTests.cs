using MediaCore.Protocol.Core;
using MediaCore.Protocol.Feedback;
using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Feedback;

/// <summary>
/// Seeded link simulations in virtual time (loss, reordering, jitter, idle gaps) checking the invariants a
/// sender relies on, rather than one hand-picked scenario.
/// </summary>
public class FeedbackSimulationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TwccBuilder_LossyReorderingLink_EveryReceivedPacketReportedWithItsArrival(int seed)
    {
        var rng = new Random(seed);
        var options = new TwccFeedbackOptions { MaxPacketSize = 300 };
        var builder = new TwccFeedbackBuilder(1, options);
        var arrivals = new Dictionary<ushort, long>();
        var reported = new HashSet<ushort>();
        var buf = new byte[options.MaxPacketSize];
        int expectedFbCount = 0;
        long now = MediaTime.FromSeconds(5);
        ushort nextSeq = (ushort)rng.Next(65536);

        // Send 20k packets at 1-3 ms spacing with 5% loss, 3% reordered by up to 30 ms, and idle gaps.
        var inFlight = new PriorityQueue<(ushort Seq, long At), long>();
        for (int i = 0; i < 20_000; i++)
        {
            now += rng.Next(10_000, 30_000);
            if (rng.Next(2000) == 0) now += MediaTime.FromSeconds(rng.Next(1, 12)); // idle: deltas beyond 8 s
            ushort seq = nextSeq++;
            if (rng.Next(100) < 5) continue;
            long at = now + (rng.Next(100) < 3 ? rng.Next(0, 300_000) : 0);
            inFlight.Enqueue((seq, at), at);

            while (inFlight.TryPeek(out var p, out long due) && due <= now)
            {
                inFlight.Dequeue();
                if (arrivals.TryAdd(p.Seq, p.At)) builder.OnPacket(p.At, p.Seq, 0xBEEF);
                Drain();
            }
            if (builder.PollTimeout() <= now)
            {
                builder.HandleTimeout(now);
                Drain();
            }
        }
        while (inFlight.TryDequeue(out var p, out _))
            if (arrivals.TryAdd(p.Seq, p.At)) builder.OnPacket(p.At, p.Seq, 0xBEEF);
        builder.HandleTimeout(now + MediaTime.FromSeconds(1));
        Drain();

        Assert.Equal(arrivals.Count, reported.Count);
        Assert.Equal(MediaTime.Never, builder.PollTimeout());

        void Drain()
        {
            while (builder.TryPollFeedback(buf, out int n))
            {
                Assert.True(n <= options.MaxPacketSize);
                Assert.True(TransportFeedback.TryParse(buf.AsSpan(0, n), out var fb));
                Assert.Equal((byte)expectedFbCount++, fb.FeedbackPacketCount);
                Assert.Equal(0xBEEFu, fb.MediaSsrc);
                long refTicks = fb.ReferenceTimeTicks;
                foreach (var r in fb)
                {
                    if (!r.Received)
                    {
                        continue;
                    }
                    Assert.True(arrivals.TryGetValue(r.Sequence, out long at), $"seq {r.Sequence} reported but never arrived");
                    // The wire carries time modulo 2^24 x 64 ms; our virtual time stays far below that.
                    if (Math.Abs(r.ArrivalTicks - at) > 1_250) Assert.Fail($"seq {r.Sequence}: got {r.ArrivalTicks} want {at}; fb base {fb.BaseSequence} count {fb.StatusCount} ref {fb.ReferenceTimeTicks} now {now}");
                    reported.Add(r.Sequence);
                }
                Assert.True(refTicks >= 0);
            }
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void NackGenerator_LossyLinkWithRtx_RequestsOnlyMissingAndAtMostMaxRetries(int seed)
    {
        var rng = new Random(seed);
        var options = new NackOptions { MaxRetries = 3 };
        var gen = new NackGenerator(1, 2, options);
        gen.UpdateRtt(MediaTime.FromMilliseconds(40));
        var received = new HashSet<ushort>();
        var requests = new Dictionary<ushort, int>();
        var repairs = new PriorityQueue<ushort, long>();
        var buf = new byte[1200];
        long now = MediaTime.FromSeconds(1);
        ushort seq = 65000; // crosses the 16-bit wrap

        for (int i = 0; i < 5_000; i++)
        {
            now += MediaTime.FromMilliseconds(2);
            ushort s = seq++;
            if (rng.Next(100) >= 8) Receive(s);
            while (repairs.TryPeek(out ushort r, out long due) && due <= now)
            {
                repairs.Dequeue();
                Receive(r);
            }
            if (gen.PollTimeout() <= now)
            {
                gen.HandleTimeout(now);
                while (gen.TryPollNack(buf, out int n))
                {
                    Assert.True(GenericNack.TryParse(buf.AsSpan(0, n), out var nack));
                    foreach (ushort lost in nack)
                    {
                        Assert.DoesNotContain(lost, received);
                        requests[lost] = requests.GetValueOrDefault(lost) + 1;
                        Assert.True(requests[lost] <= options.MaxRetries);
                        // Half of the retransmissions are lost too; the rest arrive one RTT later.
                        if (rng.Next(2) == 0) repairs.Enqueue(lost, now + MediaTime.FromMilliseconds(40));
                    }
                }
            }
        }
        Assert.NotEmpty(requests);
        Assert.Contains(requests.Values, v => v > 1); // some needed a second try

        void Receive(ushort s)
        {
            received.Add(s);
            gen.OnPacket(now, s);
        }
    }

    [Fact]
    public void Generators_RandomInputs_NeverThrowAndEmitParseablePackets()
    {
        // Hostile or broken senders: random sequence numbers, arrival times jumping back and forth.
        var rng = new Random(424242);
        var twcc = new TwccFeedbackBuilder(1, new TwccFeedbackOptions { HistoryCapacity = 256, MaxPacketSize = 200 });
        var nack = new NackGenerator(1, 2, new NackOptions { MaxMissing = 64 });
        var buf = new byte[1200];
        long now = 0;
        for (int i = 0; i < 50_000; i++)
        {
            now += rng.Next(-20_000, 200_000);
            ushort seq = (ushort)rng.Next(65536);
            if (rng.Next(4) != 0) seq = (ushort)(i + rng.Next(-50, 50));
            twcc.OnPacket(now + rng.Next(-10_000_000, 10_000_000), seq, (uint)rng.Next());
            nack.OnPacket(now, seq);
            if (rng.Next(8) == 0)
            {
                twcc.HandleTimeout(now);
                nack.HandleTimeout(now);
                if (rng.Next(3) == 0) nack.UpdateRtt(rng.Next(0, 5_000_000));
            }
            int guard = 0;
            while (twcc.TryPollFeedback(buf, out int n))
            {
                Assert.True(TransportFeedback.TryParse(buf.AsSpan(0, n), out _));
                Assert.True(++guard < 10_000);
            }
            while (nack.TryPollNack(buf, out int n))
            {
                Assert.True(GenericNack.TryParse(buf.AsSpan(0, n), out _));
                Assert.True(++guard < 10_000);
            }
            nack.TryPollKeyFrameRequest();
        }
    }
}
