using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;

namespace MediaCore.Routing.Recording;

/// <summary>
/// One publisher's capture clock mapped onto this node's clock, shared by all of that publisher's tracks.
/// RTCP sender reports (RFC 3550 §6.4.1) tie each stream's RTP timestamps to the publisher's NTP wallclock;
/// the publisher's NTP clock is tied to ours by the smallest observed (arrival - capture) difference, fixed
/// once a track first uses it. Audio and video of one publisher thus line up exactly as captured (lip sync),
/// whatever their different network and pacing delays; publishers line up with each other to within their
/// network delay.
/// </summary>
public sealed class SenderClock
{
    private long _offsetTicks = long.MaxValue;

    /// <summary>True once a track placed frames with it; the offset no longer moves.</summary>
    public bool IsFixed { get; private set; }

    /// <summary>The publisher's NTP time (ticks since 1900) of <paramref name="rtpTimestamp"/>, from the encoding's last SR.</summary>
    public static bool TryGetCaptureTicks(ProducerEncoding encoding, uint rtpTimestamp, out long ntpTicks)
    {
        ntpTicks = 0;
        uint clock = encoding.Producer.ClockRate;
        if (!encoding.HasSenderReport || clock == 0) return false;
        long delta = (int)(rtpTimestamp - encoding.SenderReportRtpTimestamp);
        ntpTicks = NtpTime.ToTicksSince1900(encoding.SenderReportNtp) + delta * MediaTime.TicksPerSecond / clock;
        return true;
    }

    /// <summary>A packet of <paramref name="encoding"/> arrived at <paramref name="nowTicks"/>: refine the offset.</summary>
    public void Observe(long nowTicks, ProducerEncoding encoding, uint rtpTimestamp)
    {
        if (IsFixed || !TryGetCaptureTicks(encoding, rtpTimestamp, out long capture)) return;
        long offset = nowTicks - capture;
        if (offset < _offsetTicks) _offsetTicks = offset;
    }

    /// <summary>Our clock's time (ticks) at which <paramref name="rtpTimestamp"/> was captured; fixes the offset.</summary>
    public bool TryMap(ProducerEncoding encoding, uint rtpTimestamp, out long localTicks)
    {
        localTicks = 0;
        if (_offsetTicks == long.MaxValue || !TryGetCaptureTicks(encoding, rtpTimestamp, out long capture)) return false;
        IsFixed = true;
        localTicks = capture + _offsetTicks;
        return true;
    }
}
