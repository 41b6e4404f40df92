using MediaCore.Protocol.Core;

namespace MediaCore.Routing;

/// <summary>
/// The values of one RTCP reception report block (RFC 3550 §6.4.1) for a producer encoding, for the
/// host's receiver reports to the publisher.
/// </summary>
/// <param name="FractionLost">Fraction lost since the previous report, in 1/256 (RFC 3550 A.3).</param>
/// <param name="CumulativeLost">Packets lost since the start (24-bit signed on the wire).</param>
/// <param name="ExtendedHighestSequenceNumber">Cycles in the upper 16 bits, highest sequence number in the lower.</param>
/// <param name="Jitter">Interarrival jitter in timestamp units (RFC 3550 A.8).</param>
public readonly record struct ReceptionReport(byte FractionLost, int CumulativeLost, uint ExtendedHighestSequenceNumber, uint Jitter);

/// <summary>Loss and jitter bookkeeping per RFC 3550 Appendix A.3 and A.8.</summary>
internal struct ReceptionStatistics
{
    private bool _started;
    private ulong _base;
    private ulong _highest;
    private long _received;
    private long _expectedPrior;
    private long _receivedPrior;
    private long _lastTransit;
    private bool _hasTransit;
    private double _jitter;

    /// <summary>Counts a packet (original or repaired); <paramref name="inOrder"/> packets also feed jitter.</summary>
    public void OnPacket(long nowTicks, SeqNo seq, uint rtpTimestamp, uint clockRate, bool inOrder)
    {
        if (!_started)
        {
            _started = true;
            _base = _highest = seq.Value;
        }
        if (seq.Value > _highest) _highest = seq.Value;
        if (seq.Value < _base) _base = seq.Value;
        _received++;
        if (!inOrder || clockRate == 0) return;
        // A.8: transit time in timestamp units; only differences matter, so the clock origin cancels out.
        long arrival = (long)(nowTicks * (double)clockRate / TimeSpan.TicksPerSecond);
        long transit = arrival - rtpTimestamp;
        if (_hasTransit)
        {
            long d = Math.Abs(transit - _lastTransit);
            if (d < int.MaxValue) _jitter += (d - _jitter) / 16.0;
        }
        _lastTransit = transit;
        _hasTransit = true;
    }

    /// <summary>Builds a report block and starts the next fraction-lost interval.</summary>
    public ReceptionReport TakeReport()
    {
        if (!_started) return default;
        long expected = (long)(_highest - _base + 1);
        long lost = expected - _received;
        long expectedInterval = expected - _expectedPrior;
        long receivedInterval = _received - _receivedPrior;
        long lostInterval = expectedInterval - receivedInterval;
        _expectedPrior = expected;
        _receivedPrior = _received;
        byte fraction = expectedInterval == 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
        int cumulative = (int)Math.Clamp(lost, -0x800000, 0x7FFFFF);
        // SeqNoUnwrapper starts at 65536 + first wire value; RFC 3550 counts cycles from zero.
        uint extended = (uint)(_highest - 65536UL);
        return new ReceptionReport(fraction, cumulative, extended, (uint)_jitter);
    }
}
