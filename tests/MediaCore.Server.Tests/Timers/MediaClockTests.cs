using MediaCore.Server.Timers;

namespace MediaCore.Server.Tests.Timers;

public sealed class MediaClockTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Timestamp;
        public override long TimestampFrequency => 1_000_000_000;
        public override long GetTimestamp() => Timestamp;
    }

    [Fact]
    public void NowTicks_FollowsTimestampIn100nsUnits()
    {
        var time = new ManualTime { Timestamp = 5_000_000_000 };
        var clock = new MediaClock(time);
        Assert.Equal(0, clock.NowTicks);
        time.Timestamp += 1_500_000; // 1.5 ms
        Assert.Equal(15_000, clock.NowTicks);
    }
}
