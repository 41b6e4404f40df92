using MediaCore.Server.Dtls;

namespace MediaCore.Server.Tests.Dtls;

/// <summary>
/// The DTLS handshake pool (README "Threading model"): at most MaxConcurrent handshakes run, the rest wait for a
/// slot or are refused after their wait; each handshake thread runs at nice +5; connected handshakes are counted
/// with their CPU time. Every case runs on threads of its own (a handshake thread's nice value is permanent).
/// </summary>
public sealed class DtlsHandshakePoolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="body"/> on a new thread (as BouncyCastle's handshake thread) and rethrows its failure.</summary>
    private static void OnHandshakeThread(Action body)
    {
        Exception? failure = null;
        var t = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true };
        t.Start();
        t.Join();
        if (failure != null) throw new InvalidOperationException("handshake thread failed", failure);
    }

    [Fact]
    public void Constructor_NoSlot_Rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DtlsHandshakePool(0));

    [Fact]
    public void Enter_AllSlotsTaken_RefusedAfterItsWaitThenAdmittedOnceOneExits()
    {
        var pool = new DtlsHandshakePool(2);
        using var holding = new ManualResetEventSlim();
        using var entered = new CountdownEvent(2);
        var holders = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            if (!pool.Enter(Patience)) return; // never signals: the Wait below fails the test
            entered.Signal();
            holding.Wait();
            pool.Exit(connected: false);
        }) { IsBackground = true }).ToList();
        holders.ForEach(t => t.Start());
        Assert.True(entered.Wait(Patience));
        Assert.Equal(2, pool.Running);

        OnHandshakeThread(() => Assert.False(pool.Enter(TimeSpan.Zero)));
        Assert.Equal(2, pool.Running);

        holding.Set();
        holders.ForEach(t => t.Join());
        Assert.Equal(0, pool.Running);
        OnHandshakeThread(() =>
        {
            Assert.True(pool.Enter(TimeSpan.Zero));
            pool.Exit(connected: false);
        });
        Assert.Equal((0L, TimeSpan.Zero), pool.Completed); // failed handshakes are not counted
    }

    [Fact]
    public void Enter_ManyJoinsAtOnce_NeverMoreThanMaxConcurrentRunAndAllComplete()
    {
        var pool = new DtlsHandshakePool(3);
        int inside = 0, most = 0, connected = 0;
        var threads = Enumerable.Range(0, 24).Select(_ => new Thread(() =>
        {
            if (!pool.Enter(Patience)) return; // not counted as connected: the count below fails the test
            int now = Interlocked.Increment(ref inside);
            int seen;
            while ((seen = Volatile.Read(ref most)) < now && Interlocked.CompareExchange(ref most, now, seen) != seen) { }
            Thread.Yield();
            Interlocked.Decrement(ref inside);
            Interlocked.Increment(ref connected);
            pool.Exit(connected: true);
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(24, connected);
        Assert.InRange(most, 1, 3);
        Assert.Equal(24, pool.Completed.Count);
        Assert.Equal(0, pool.Running);
    }

    [Fact]
    public void Enter_OnLinux_HandshakeThreadRunsAtNiceFiveAndItsCpuIsMeasured()
    {
        Assert.True(OperatingSystem.IsLinux(), "the pool's priority and CPU time use Linux calls");
        var pool = new DtlsHandshakePool(1);
        int nice = int.MinValue;
        OnHandshakeThread(() =>
        {
            Assert.True(pool.Enter(Patience));
            nice = ReadOwnNice();
            // Some CPU work, as a handshake's ECDHE and signatures are.
            long x = 0;
            for (int i = 0; i < 1_000_000; i++) x += i ^ (x >> 3);
            GC.KeepAlive(x);
            pool.Exit(connected: true);
        });
        Assert.Equal(0, pool.PriorityRefused);
        Assert.Equal(DtlsHandshakePool.HandshakeNice, nice);
        var (count, meanCpu) = pool.Completed;
        Assert.Equal(1, count);
        Assert.True(meanCpu > TimeSpan.Zero, "the handshake's thread CPU time was measured");
    }

    // /proc/thread-self/stat field 19 is the thread's nice value (the command name in field 2 may hold spaces).
    private static int ReadOwnNice() => ParseNice(File.ReadAllText("/proc/thread-self/stat"));

    private static int ParseNice(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture); // field 19 = index 16 after "pid (comm)"
    }
}
