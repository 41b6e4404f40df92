namespace MediaCore.Protocol.Core;

/// <summary>
/// Protocol time. Every sans-IO component takes <c>long nowTicks</c>: a monotonic count of 100 ns ticks
/// (the unit of <see cref="TimeSpan.Ticks"/>) from an arbitrary origin chosen by the host. Tests pass
/// virtual time; the host passes a Stopwatch-derived value. Nothing in the protocol layer reads a clock.
/// </summary>
public static class MediaTime
{
    public const long TicksPerMillisecond = TimeSpan.TicksPerMillisecond;
    public const long TicksPerSecond = TimeSpan.TicksPerSecond;

    /// <summary>"No timeout wanted" for <c>PollTimeout()</c>.</summary>
    public const long Never = long.MaxValue;

    public static long FromMilliseconds(long ms) => ms * TicksPerMillisecond;
    public static long FromSeconds(double s) => (long)(s * TicksPerSecond);
    public static double ToMilliseconds(long ticks) => ticks / (double)TicksPerMillisecond;
}
