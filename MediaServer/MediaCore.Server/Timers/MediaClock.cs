using MediaCore.Protocol.Core;

namespace MediaCore.Server.Timers;

/// <summary>
/// The host's source of <c>nowTicks</c> (<see cref="MediaTime"/> units: 100 ns) from a monotonic
/// timestamp, origin = construction. Only the host reads it; sans-IO components get the value passed in.
/// Tests inject a <see cref="TimeProvider"/> to control it.
/// </summary>
public sealed class MediaClock
{
    private readonly TimeProvider _time;
    private readonly long _origin;

    public MediaClock(TimeProvider time)
    {
        _time = time;
        _origin = time.GetTimestamp();
    }

    /// <summary>A clock on <see cref="TimeProvider.System"/> (Stopwatch).</summary>
    public MediaClock() : this(TimeProvider.System) { }

    /// <summary>Monotonic now in 100 ns ticks since this clock was created. Allocation-free.</summary>
    public long NowTicks => _time.GetElapsedTime(_origin).Ticks;
}
