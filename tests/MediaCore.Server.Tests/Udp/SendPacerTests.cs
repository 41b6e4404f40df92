using MediaCore.Server.Udp;

namespace MediaCore.Server.Tests.Udp;

/// <summary>
/// Key-frame burst pacing on a send worker, on a fake clock: a 30-packet key frame to 500 subscribers (7,500
/// datagrams per worker of two) leaves spread over a few milliseconds, steady fan-out is never held back, and no
/// datagram waits more than the maximum pacing delay, however the burst grows.
/// </summary>
public sealed class SendPacerTests
{
    private static readonly long Ms = TimeSpan.TicksPerMillisecond;

    /// <summary>The worker's loop (UdpSendWorker.Run) on a fake clock: batches of up to 64, each costing the kernel
    /// <paramref name="batchCost"/>; when the pacer says wait, the clock jumps to its next interval.</summary>
    private sealed class FakeWorker(SendPacer pacer, long batchCost)
    {
        private readonly Queue<long> _queuedAt = new();
        public long Now;
        public readonly List<(long At, int Count)> Batches = [];
        public long MaxDelay;
        public int Waits;

        public int Backlog => _queuedAt.Count;

        public void Enqueue(int datagrams)
        {
            for (int i = 0; i < datagrams; i++) _queuedAt.Enqueue(Now);
        }

        public void Step()
        {
            int allowed = pacer.Allow(Now, Backlog);
            if (allowed == 0)
            {
                Waits++;
                Assert.True(pacer.NextReleaseAt > Now);
                Now = pacer.NextReleaseAt;
                return;
            }
            int n = Math.Min(allowed, Math.Min(Backlog, UdpSendWorker.MaxBatch));
            for (int i = 0; i < n; i++) MaxDelay = Math.Max(MaxDelay, Now - _queuedAt.Dequeue());
            Batches.Add((Now, n));
            pacer.OnSent(n);
            Now += batchCost;
        }

        public void Drain()
        {
            while (Backlog > 0) Step();
        }
    }

    [Fact]
    public void Allow_SteadyFanOutOfOnePacket_SentAtOnce()
    {
        var pacer = new SendPacer(4 * Ms, 20 * Ms);
        var worker = new FakeWorker(pacer, batchCost: 0);
        for (int packet = 0; packet < 200; packet++)
        {
            worker.Enqueue(250); // one packet to 500 subscribers, half of them on this worker
            worker.Drain();
            worker.Now += 6 * Ms; // ~170 packets/s
        }
        Assert.Equal(0, worker.Waits);
        Assert.Equal(0, worker.MaxDelay);
        Assert.False(pacer.InBurst);
    }

    [Fact]
    public void Allow_KeyFrameTo500Subscribers_SpreadOverAFewMillisecondsNeverPast20()
    {
        var pacer = new SendPacer(4 * Ms, 20 * Ms);
        var worker = new FakeWorker(pacer, batchCost: 0); // a kernel faster than any pace: only the pacer spreads
        worker.Enqueue(30 * 500 / 2);
        worker.Drain();

        Assert.Equal(7500, worker.Batches.Sum(b => b.Count));
        var perMs = worker.Batches.GroupBy(b => b.At / Ms).Select(g => g.Sum(b => b.Count)).ToList();
        Assert.True(perMs.Count >= 4, $"spread over {perMs.Count} ms");
        Assert.All(perMs, n => Assert.InRange(n, 1, 7500 / 4 + UdpSendWorker.MaxBatch));
        Assert.InRange(worker.MaxDelay, 3 * Ms, 4 * Ms); // "a few milliseconds"
        Assert.False(pacer.InBurst);

        // The next packet after the key frame goes out at once again.
        worker.Now += 6 * Ms;
        int waits = worker.Waits;
        worker.Enqueue(250);
        worker.Drain();
        Assert.Equal(waits, worker.Waits);
    }

    [Fact]
    public void Allow_KernelSlowerThanThePace_PacerNeverHoldsBack()
    {
        var pacer = new SendPacer(4 * Ms, 20 * Ms);
        long batchCost = UdpSendWorker.MaxBatch * 3 * TimeSpan.TicksPerMillisecond / 1000; // 3 us a datagram
        var worker = new FakeWorker(pacer, batchCost);
        worker.Enqueue(7500);
        worker.Drain();
        Assert.Equal(0, worker.Waits);
        Assert.Equal((7500 + UdpSendWorker.MaxBatch - 1) / UdpSendWorker.MaxBatch * batchCost, worker.Now);
    }

    [Fact]
    public void Allow_BurstKeepsGrowing_NoDatagramHeldLongerThanTheMaximumDelay()
    {
        var pacer = new SendPacer(4 * Ms, 20 * Ms);
        var worker = new FakeWorker(pacer, batchCost: 0);
        worker.Enqueue(7500);
        long until = 60 * Ms;
        long nextArrival = Ms;
        while (worker.Now < until || worker.Backlog > 0)
        {
            // Another 3,000 datagrams every millisecond for 60 ms: faster than the spread rate the burst began with.
            while (nextArrival <= worker.Now && nextArrival < until)
            {
                long now = worker.Now;
                worker.Now = nextArrival;
                worker.Enqueue(3000);
                worker.Now = now;
                nextArrival += Ms;
            }
            if (worker.Backlog == 0)
            {
                worker.Now = nextArrival;
                continue;
            }
            worker.Step();
        }
        Assert.True(worker.Waits > 0);
        Assert.InRange(worker.MaxDelay, 1, 20 * Ms);
        Assert.Equal(7500 + 59 * 3000, worker.Batches.Sum(b => b.Count));
    }

    [Fact]
    public void Allow_SpreadZero_NeverPaces()
    {
        var pacer = new SendPacer(0, 20 * Ms);
        Assert.Equal(15000, pacer.Allow(0, 15000));
        Assert.False(pacer.InBurst);
    }
}
