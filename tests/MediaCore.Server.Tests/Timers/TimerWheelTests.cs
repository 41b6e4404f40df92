using MediaCore.Protocol.Core;
using MediaCore.Server.Timers;

namespace MediaCore.Server.Tests.Timers;

/// <summary>The timer wheel in virtual time: Advance(now) is the clock; nothing sleeps.</summary>
public sealed class TimerWheelTests
{
    private static readonly long Ms = MediaTime.TicksPerMillisecond;

    private sealed class Target(TimerWheel? wheel = null, Func<long, long>? next = null) : ITimerTarget
    {
        public List<long> Fired { get; } = [];
        public void HandleTimeout(long nowTicks)
        {
            Fired.Add(nowTicks);
            if (next is not null && wheel is not null) wheel.Schedule(this, next(nowTicks));
        }
    }

    [Fact]
    public void Advance_BeforeDue_DoesNotFire_AtOrAfterDue_FiresOnce()
    {
        var wheel = new TimerWheel(10 * Ms);
        var t = new Target();
        wheel.Schedule(t, 25 * Ms);

        Assert.Equal(0, wheel.Advance(20 * Ms));
        Assert.Equal(0, wheel.Advance(29 * Ms));
        Assert.Equal(1, wheel.Advance(30 * Ms));
        Assert.Equal([30 * Ms], t.Fired);
        Assert.Equal(0, wheel.Advance(100 * Ms));
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Advance_NeverFiresEarly_AndAtMostOneResolutionLate()
    {
        var wheel = new TimerWheel(10 * Ms);
        var rng = new Random(42);
        var targets = new List<(Target T, long Due)>();
        for (int i = 0; i < 500; i++)
        {
            var t = new Target();
            long due = rng.NextInt64(1, 5000) * Ms / 10;
            wheel.Schedule(t, due);
            targets.Add((t, due));
        }
        for (long now = 0; now <= 600 * Ms; now += Ms) wheel.Advance(now);
        foreach (var (t, due) in targets)
        {
            var fired = Assert.Single(t.Fired);
            Assert.InRange(fired, due, due + 10 * Ms);
        }
    }

    [Fact]
    public void Schedule_Again_ReplacesDeadline()
    {
        var wheel = new TimerWheel(10 * Ms);
        var t = new Target();
        wheel.Schedule(t, 50 * Ms);
        wheel.Schedule(t, 200 * Ms);
        Assert.Equal(0, wheel.Advance(100 * Ms));
        wheel.Schedule(t, 120 * Ms);
        Assert.Equal(1, wheel.Advance(120 * Ms));
        Assert.Equal([120 * Ms], t.Fired);
        Assert.Equal(0, wheel.Advance(300 * Ms));
    }

    // Regression (issue 13: a Chromium publisher or WHEP listener of the mixer test that never got media): the DTLS
    // handshake thread finished and woke its session (Schedule(now)) while the receive thread, holding the media lock,
    // had just computed the session's next deadline from PollTimeout() (the handshake already Connected, so "nothing
    // before the 30 s consent deadline") and then scheduled that: the later Schedule replaced the wake, the handshake's
    // outcome was never read, and every consent check re-armed the far deadline. Replayed here call by call.
    [Fact]
    public void Wake_ThenOwnerSchedulesADeadlineComputedBeforeIt_StillFiresAtTheWake()
    {
        var wheel = new TimerWheel(10 * Ms);
        var session = new Target();
        wheel.Schedule(session, 30_000 * Ms);       // consent deadline
        long staleDue = 30_000 * Ms;                // receive thread: PollTimeout() read, not yet scheduled
        wheel.Wake(session, 100 * Ms);              // DTLS thread: outcome queued, wake the session
        wheel.Schedule(session, staleDue);          // receive thread: schedules what it computed

        Assert.Equal(1, wheel.Advance(110 * Ms));
        Assert.Equal([110 * Ms], session.Fired);
    }

    [Fact]
    public void Schedule_WithoutWake_ReplacesAnEarlierDeadline()
    {
        // The owner's own deadlines still move later (the wheel's contract for Schedule is unchanged).
        var wheel = new TimerWheel(10 * Ms);
        var t = new Target();
        wheel.Schedule(t, 100 * Ms);
        wheel.Schedule(t, 30_000 * Ms);
        Assert.Equal(0, wheel.Advance(110 * Ms));
        Assert.Equal(30_000 * Ms, wheel.GetDue(t));
    }

    [Fact]
    public void Wake_HoldsUntilFired_ThenTheOwnersDeadlineRules()
    {
        var wheel = new TimerWheel(10 * Ms);
        var t = new Target();
        wheel.Wake(t, 100 * Ms);
        wheel.Schedule(t, MediaTime.Never);          // "nothing due" from the owner does not cancel a pending wake
        wheel.Schedule(t, 5_000 * Ms);
        Assert.Equal(100 * Ms, wheel.GetDue(t));
        Assert.Equal(1, wheel.Advance(110 * Ms));
        wheel.Schedule(t, 5_000 * Ms);               // after firing, the wake is spent
        Assert.Equal(0, wheel.Advance(200 * Ms));
        Assert.Equal(5_000 * Ms, wheel.GetDue(t));
    }

    [Fact]
    public void Wake_EarlierThanTheDeadline_MovesIt_LaterDoesNot()
    {
        var wheel = new TimerWheel(10 * Ms);
        var early = new Target();
        wheel.Schedule(early, 50 * Ms);
        wheel.Wake(early, 200 * Ms);
        Assert.Equal(50 * Ms, wheel.GetDue(early));
        Assert.Equal(1, wheel.Advance(50 * Ms));
    }

    [Fact]
    public void Cancel_DropsAPendingWake()
    {
        var wheel = new TimerWheel(10 * Ms);
        var t = new Target();
        wheel.Wake(t, 100 * Ms);
        Assert.True(wheel.Cancel(t));
        wheel.Schedule(t, 5_000 * Ms);
        Assert.Equal(0, wheel.Advance(200 * Ms));
    }

    [Fact]
    public void Cancel_RemovesDeadline()
    {
        var wheel = new TimerWheel(10 * Ms);
        var t = new Target();
        wheel.Schedule(t, 50 * Ms);
        Assert.True(wheel.Cancel(t));
        Assert.False(wheel.Cancel(t));
        Assert.Equal(0, wheel.Advance(100 * Ms));
    }

    [Fact]
    public void Schedule_Never_Cancels()
    {
        var wheel = new TimerWheel(10 * Ms);
        var t = new Target();
        wheel.Schedule(t, 50 * Ms);
        wheel.Schedule(t, MediaTime.Never);
        Assert.Equal(MediaTime.Never, wheel.GetDue(t));
        Assert.Equal(0, wheel.Advance(100 * Ms));
    }

    [Fact]
    public void Schedule_InThePast_FiresOnNextAdvance()
    {
        var wheel = new TimerWheel(10 * Ms);
        wheel.Advance(100 * Ms);
        var t = new Target();
        wheel.Schedule(t, 40 * Ms);
        Assert.Equal(1, wheel.Advance(110 * Ms));
    }

    [Fact]
    public void Schedule_BeyondOneRevolution_WaitsForItsRound()
    {
        var wheel = new TimerWheel(10 * Ms, slotCount: 8);
        var t = new Target();
        wheel.Schedule(t, 1000 * Ms);
        for (long now = 0; now < 1000 * Ms; now += 10 * Ms) Assert.Equal(0, wheel.Advance(now));
        Assert.Equal(1, wheel.Advance(1000 * Ms));
    }

    [Fact]
    public void Advance_LongJump_FiresEverythingDue()
    {
        var wheel = new TimerWheel(10 * Ms, slotCount: 8);
        var early = new Target();
        var late = new Target();
        wheel.Schedule(early, 30 * Ms);
        wheel.Schedule(late, 5000 * Ms);
        Assert.Equal(1, wheel.Advance(1000 * Ms));
        Assert.Single(early.Fired);
        Assert.Empty(late.Fired);
        Assert.Equal(1, wheel.Count);
    }

    [Fact]
    public void HandleTimeout_ReschedulingItself_RunsPeriodically()
    {
        var wheel = new TimerWheel(10 * Ms);
        Target? t = null;
        t = new Target(wheel, now => now + 20 * Ms);
        wheel.Schedule(t, 20 * Ms);
        for (long now = 0; now <= 100 * Ms; now += 10 * Ms) wheel.Advance(now);
        Assert.Equal([20 * Ms, 40 * Ms, 60 * Ms, 80 * Ms, 100 * Ms], t.Fired);
    }

    [Fact]
    public void HandleTimeout_Throwing_OtherTargetsStillFire()
    {
        var wheel = new TimerWheel(10 * Ms);
        var ok = new Target();
        wheel.Schedule(new Throwing(), 10 * Ms);
        wheel.Schedule(ok, 10 * Ms);
        Assert.Throws<AggregateException>(() => wheel.Advance(10 * Ms));
        Assert.Single(ok.Fired);
    }

    private sealed class Throwing : ITimerTarget
    {
        public void HandleTimeout(long nowTicks) => throw new InvalidOperationException("boom");
    }

    [Fact]
    public void SteadyState_RescheduleAndFire_AllocatesNothing()
    {
        var wheel = new TimerWheel(10 * Ms);
        var targets = new Target[64];
        for (int i = 0; i < targets.Length; i++) { targets[i] = new Target(); targets[i].Fired.Capacity = 4096; }
        long now = 0;
        void Round()
        {
            for (int i = 0; i < targets.Length; i++) wheel.Schedule(targets[i], now + (i % 7 + 1) * 10 * Ms);
            for (int k = 0; k < 10; k++) { now += 10 * Ms; wheel.Advance(now); }
        }
        Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 20; r++) Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

public sealed class TimerWheelConcurrencyTests
{
    private sealed class CountingTarget : ITimerTarget
    {
        public int Fired;
        public void HandleTimeout(long nowTicks) => Interlocked.Increment(ref Fired);
    }

    [Fact]
    public void ScheduleWakeAndCancel_FromManyThreadsWhileAdvancing_StaysConsistent()
    {
        long ms = MediaTime.TicksPerMillisecond;
        var wheel = new TimerWheel(10 * ms, slotCount: 64);
        var targets = Enumerable.Range(0, 200).Select(_ => new CountingTarget()).ToArray();
        long now = 0;
        using var stop = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, 3).Select(seed => Task.Run(() =>
        {
            var rng = new Random(seed);
            for (int i = 0; i < 50_000; i++)
            {
                var t = targets[rng.Next(targets.Length)];
                switch (rng.Next(6))
                {
                    case 0: wheel.Cancel(t); break;
                    case 1: wheel.Wake(t, Interlocked.Read(ref now)); break;
                    default: wheel.Schedule(t, Interlocked.Read(ref now) + rng.Next(0, 2000) * ms); break;
                }
            }
        })).ToArray();
        var advancer = Task.Run(() =>
        {
            while (!Task.WhenAll(workers).IsCompleted) wheel.Advance(Interlocked.Add(ref now, 10 * ms));
        });
        Task.WaitAll([.. workers, advancer]);

        int pending = wheel.Count;
        int firedBefore = targets.Sum(t => t.Fired);
        Assert.Equal(pending, wheel.Advance(now + 10_000 * ms));
        Assert.Equal(0, wheel.Count);
        Assert.Equal(firedBefore + pending, targets.Sum(t => t.Fired));
    }
}

public sealed class TimerWheelHostTests
{
    private sealed class Signal : ITimerTarget
    {
        public ManualResetEventSlim Fired { get; } = new();
        public void HandleTimeout(long nowTicks) => Fired.Set();
    }

    [Fact]
    public async Task Host_FiresScheduledTargetOnItsThread()
    {
        await using var server = await TestMediaServer.StartAsync();
        var wheel = server.Services.GetRequiredService<TimerWheel>();
        var clock = server.Services.GetRequiredService<MediaClock>();
        var target = new Signal();
        wheel.Schedule(target, clock.NowTicks + MediaTime.FromMilliseconds(20));
        Assert.True(target.Fired.Wait(TimeSpan.FromSeconds(10)));
    }
}
