using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Rtcp;

/// <summary>
/// Maps protocol time (<c>nowTicks</c>) to 64-bit NTP timestamps for sender reports (RFC 3550 §4:
/// seconds since 1900-01-01 UTC in the high word, binary fraction in the low word). The host supplies the
/// wall clock once, as the UTC time at a known tick value; nothing here reads a clock.
/// </summary>
public readonly struct NtpClock
{
    private const long UnixToNtpSeconds = 2_208_988_800;
    private readonly long _ticksSince1900AtOrigin;
    private readonly long _originTicks;

    /// <param name="utcAtOrigin">Wall-clock time at the moment protocol time was <paramref name="originTicks"/>.</param>
    /// <param name="originTicks">Protocol time matching <paramref name="utcAtOrigin"/>.</param>
    public NtpClock(DateTimeOffset utcAtOrigin, long originTicks = 0)
    {
        _ticksSince1900AtOrigin = (utcAtOrigin.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) + UnixToNtpSeconds * MediaTime.TicksPerSecond;
        _originTicks = originTicks;
    }

    /// <summary>The NTP timestamp at protocol time <paramref name="nowTicks"/>.</summary>
    public ulong ToNtp(long nowTicks) => NtpTime.FromTicksSince1900(_ticksSince1900AtOrigin + (nowTicks - _originTicks));

    /// <summary>Protocol time for an NTP timestamp produced by this clock (inverse of <see cref="ToNtp"/>, to 100 ns).</summary>
    public long ToTicks(ulong ntp) => NtpTime.ToTicksSince1900(ntp) - _ticksSince1900AtOrigin + _originTicks;
}

/// <summary>NTP timestamp arithmetic and the LSR/DLSR round-trip computation (RFC 3550 §6.4.1).</summary>
public static class NtpTime
{
    /// <summary>The middle 32 bits of an NTP timestamp (16.16 fixed point seconds), as LSR carries it.</summary>
    public static uint ToCompact(ulong ntp) => (uint)(ntp >> 16);

    public static ulong FromTicksSince1900(long ticks)
    {
        ulong seconds = (ulong)(ticks / MediaTime.TicksPerSecond);
        ulong rem = (ulong)(ticks % MediaTime.TicksPerSecond);
        ulong fraction = (rem << 32) / MediaTime.TicksPerSecond; // rem < 2^24, so no overflow
        return (seconds << 32) | fraction;
    }

    public static long ToTicksSince1900(ulong ntp)
    {
        long seconds = (long)(ntp >> 32);
        long fraction = (long)((((ntp & 0xFFFFFFFF) * (ulong)MediaTime.TicksPerSecond) + (1UL << 31)) >> 32);
        return seconds * MediaTime.TicksPerSecond + fraction;
    }

    /// <summary>DLSR: the delay from receiving the last SR to now, in 1/65536 s (RFC 3550 §6.4.1).</summary>
    public static uint DelaySinceLastSr(long lastSrArrivalTicks, long nowTicks)
    {
        long delay = Math.Max(0, nowTicks - lastSrArrivalTicks);
        return (uint)Math.Min(uint.MaxValue, (ulong)delay * 65536UL / (ulong)MediaTime.TicksPerSecond);
    }

    /// <summary>
    /// Round-trip time from a report block seen by the SR sender (RFC 3550 §6.4.1, Figure 2):
    /// RTT = A - LSR - DLSR, with A the compact NTP time the report arrived. Returns false when the block
    /// has no LSR (no SR seen yet) or the result is negative (clock steps).
    /// </summary>
    public static bool TryComputeRtt(uint arrivalCompactNtp, uint lastSr, uint delaySinceLastSr, out long rttTicks)
    {
        rttTicks = 0;
        if (lastSr == 0) return false;
        int rtt = (int)(arrivalCompactNtp - lastSr - delaySinceLastSr);
        if (rtt < 0) return false;
        rttTicks = (long)rtt * MediaTime.TicksPerSecond / 65536;
        return true;
    }
}
