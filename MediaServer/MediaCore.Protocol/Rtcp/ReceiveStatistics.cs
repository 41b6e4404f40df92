using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Rtcp;

/// <summary>
/// Reception statistics for one incoming SSRC (RFC 3550 §6.4.1, App. A.3 and A.8): extended highest
/// sequence number, cumulative and interval loss, interarrival jitter, and the LSR/DLSR echo of the
/// sender's last SR. Produces the report block an RR/SR carries. One instance per SSRC, as the RFC
/// defines these per source.
/// </summary>
public sealed class ReceiveStatistics
{
    private readonly int _clockRate;
    private SeqNoUnwrapper _unwrapper;
    private bool _started;
    private ulong _baseSeq;
    private ulong _highestSeq;
    private long _received;
    private long _expectedPrior;
    private long _receivedPrior;
    private long _jitterQ4;        // jitter scaled by 16 (App. A.8 integer form)
    private long _lastTransit;
    private uint _lastTimestamp;
    private bool _haveTransit;
    private uint _lastSr;
    private long _lastSrArrivalTicks;

    /// <param name="ssrc">The media source reported on.</param>
    /// <param name="clockRate">RTP clock rate of its payload (90000 for video, 48000 for Opus).</param>
    public ReceiveStatistics(uint ssrc, int clockRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        Ssrc = ssrc;
        _clockRate = clockRate;
    }

    public uint Ssrc { get; }
    public long PacketsReceived => _received;
    /// <summary>Cycles in the high 16 bits, highest sequence number in the low 16 (App. A.3).</summary>
    public uint ExtendedHighestSequence => _started ? (uint)(_highestSeq - 65536) : 0;
    /// <summary>Expected minus received since the first packet (negative with duplicates).</summary>
    public long CumulativeLost => _started ? (long)(_highestSeq - _baseSeq + 1) - _received : 0;
    /// <summary>Interarrival jitter in RTP timestamp units (App. A.8).</summary>
    public uint Jitter => (uint)(_jitterQ4 >> 4);

    /// <summary>Records one received RTP packet.</summary>
    public void OnPacket(long arrivalTicks, ushort sequence, uint rtpTimestamp)
    {
        ulong seq = _unwrapper.Unwrap(sequence).Value;
        _received++;
        if (!_started)
        {
            _started = true;
            _baseSeq = _highestSeq = seq;
        }
        else if (seq < _baseSeq)
        {
            _baseSeq = seq; // reordered before the first packet: it was expected after all
        }

        bool inOrder = seq >= _highestSeq;
        if (seq > _highestSeq) _highestSeq = seq;

        // App. A.8. Only in-order packets of a new frame are used, as libwebrtc does: packets of one frame
        // share a timestamp but leave the sender spread over the frame's send time, which is not jitter,
        // and late packets would count their reordering twice.
        if (!inOrder) return;
        long arrival = (long)((Int128)arrivalTicks * _clockRate / MediaTime.TicksPerSecond);
        long transit = (int)((uint)arrival - rtpTimestamp);
        if (_haveTransit && rtpTimestamp != _lastTimestamp)
        {
            long d = Math.Abs((long)(int)(transit - _lastTransit)); // 32-bit wrap, as App. A.8's int arithmetic
            _jitterQ4 += d - ((_jitterQ4 + 8) >> 4);
        }
        if (!_haveTransit || rtpTimestamp != _lastTimestamp)
        {
            _lastTransit = transit;
            _lastTimestamp = rtpTimestamp;
            _haveTransit = true;
        }
    }

    /// <summary>Remembers the source's SR (its NTP timestamp and when it arrived) for LSR/DLSR.</summary>
    public void OnSenderReport(long arrivalTicks, ulong ntpTimestamp)
    {
        _lastSr = NtpTime.ToCompact(ntpTimestamp);
        _lastSrArrivalTicks = arrivalTicks;
    }

    /// <summary>
    /// Builds the report block for an RR/SR sent at <paramref name="nowTicks"/> and starts a new interval
    /// for the fraction-lost computation (App. A.3). Returns false before the first packet.
    /// </summary>
    public bool TryCreateReportBlock(long nowTicks, out ReportBlock block)
    {
        block = default;
        if (!_started) return false;
        long expected = (long)(_highestSeq - _baseSeq + 1);
        long expectedInterval = expected - _expectedPrior;
        long receivedInterval = _received - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = _received;
        long lostInterval = expectedInterval - receivedInterval;
        byte fraction = expectedInterval == 0 || lostInterval <= 0
            ? (byte)0
            : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
        int cumulative = (int)Math.Clamp(expected - _received, ReportBlock.MinCumulativeLost, ReportBlock.MaxCumulativeLost);
        uint dlsr = _lastSr == 0 ? 0 : NtpTime.DelaySinceLastSr(_lastSrArrivalTicks, nowTicks);
        block = new ReportBlock(Ssrc, fraction, cumulative, ExtendedHighestSequence, Jitter, _lastSr, dlsr);
        return true;
    }
}
