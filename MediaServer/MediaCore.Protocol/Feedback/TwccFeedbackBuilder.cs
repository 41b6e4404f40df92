using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Feedback;

/// <summary>Tuning for <see cref="TwccFeedbackBuilder"/>; the defaults follow libwebrtc's receiver.</summary>
public sealed record TwccFeedbackOptions
{
    /// <summary>Time between periodic feedback packets (libwebrtc: 100 ms by default, 50-250 ms).</summary>
    public long IntervalTicks { get; init; } = MediaTime.FromMilliseconds(100);
    /// <summary>Send early once this many packets wait for feedback, so a burst is reported promptly.</summary>
    public int MaxPendingPackets { get; init; } = 250;
    /// <summary>Largest feedback packet in bytes (before SRTCP adds its trailer).</summary>
    public int MaxPacketSize { get; init; } = 1200;
    /// <summary>Arrival history, in packets (a power of two). Late packets older than this are ignored.</summary>
    public int HistoryCapacity { get; init; } = 4096;
    /// <summary>Reported packets older than this are forgotten, bounding what a late packet re-reports.</summary>
    public long BackWindowTicks { get; init; } = MediaTime.FromMilliseconds(500);
}

/// <summary>
/// Receiver side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01):
/// records the arrival time of every RTP packet carrying the transport-wide sequence number extension and
/// periodically produces transport-cc feedback, which the sender's bandwidth estimator (Chromium's
/// send-side BWE) turns into its send rate. One instance per transport (the sequence is transport-wide).
/// </summary>
/// <remarks>
/// Follows libwebrtc's RemoteEstimatorProxy: each feedback packet starts at the first received packet
/// not yet reported, its reference time is that packet's arrival, missing packets in between are
/// reported as not received, and a packet that cannot be added (delta beyond 16 bits, size limit) starts
/// the next feedback packet. A late (reordered) packet moves the report window back to itself, so the
/// sender learns it did arrive. Sans-IO: the caller passes arrival times and drains with
/// <see cref="TryPollFeedback"/> after each input and each <see cref="HandleTimeout"/>.
/// </remarks>
public sealed class TwccFeedbackBuilder
{
    private const long NotReceived = long.MinValue;

    private readonly TwccFeedbackOptions _options;
    private readonly TransportFeedbackEncoder _encoder;
    private readonly long[] _arrivals;
    private readonly ulong _mask;
    private readonly uint _senderSsrc;
    private SeqNoUnwrapper _unwrapper;
    private bool _started;
    private ulong _begin;        // oldest packet kept in history
    private ulong _end;          // one past the highest packet seen
    private ulong _windowStart;  // first packet not yet reported
    private int _pendingPackets;
    private uint _mediaSsrc;
    private byte _feedbackCount;
    private bool _due;
    private long _now = long.MinValue;
    private long _nextSendTicks = long.MinValue;

    /// <param name="senderSsrc">SSRC put in the "packet sender" field (the receiver's local SSRC).</param>
    public TwccFeedbackBuilder(uint senderSsrc, TwccFeedbackOptions? options = null)
    {
        _options = options ?? new TwccFeedbackOptions();
        if (_options.HistoryCapacity < 16 || (_options.HistoryCapacity & (_options.HistoryCapacity - 1)) != 0)
            throw new ArgumentException("HistoryCapacity must be a power of two >= 16.", nameof(options));
        _senderSsrc = senderSsrc;
        _encoder = new TransportFeedbackEncoder(_options.MaxPacketSize);
        _arrivals = new long[_options.HistoryCapacity];
        _mask = (ulong)_options.HistoryCapacity - 1;
        Array.Fill(_arrivals, NotReceived);
    }

    /// <summary>Feedback packets sent so far (the next packet's fb pkt count, modulo 256).</summary>
    public int FeedbackPacketsSent { get; private set; }

    /// <summary>True when packets wait to be reported.</summary>
    public bool HasPending => _started && _windowStart < _end;

    /// <summary>
    /// Records one incoming RTP packet: its transport-wide sequence number (from the header extension),
    /// its arrival time and its SSRC (used as the feedback's media SSRC, as libwebrtc does).
    /// Duplicates are ignored.
    /// </summary>
    public void OnPacket(long arrivalTicks, ushort transportSequence, uint mediaSsrc)
    {
        if (arrivalTicks > _now) _now = arrivalTicks;
        _mediaSsrc = mediaSsrc;
        ulong capacity = (ulong)_arrivals.Length;
        ulong seq = _unwrapper.Unwrap(transportSequence).Value;
        if (!_started)
        {
            _started = true;
            _begin = _end = _windowStart = seq;
            _nextSendTicks = arrivalTicks + _options.IntervalTicks;
        }

        if (seq >= _end)
        {
            if (seq - _end >= capacity)
            {
                // A jump beyond the whole history: nothing before it can be described any more.
                Array.Fill(_arrivals, NotReceived);
                _begin = _windowStart = seq;
                _pendingPackets = 0;
            }
            else
            {
                // Slots are reused every HistoryCapacity packets: clear the new one too, not just the gap.
                for (ulong s = _end; s <= seq; s++) _arrivals[s & _mask] = NotReceived;
            }
            _end = seq + 1;
            if (_end - _begin > capacity)
            {
                _begin = _end - capacity;
                if (_windowStart < _begin) _windowStart = _begin;
            }
        }
        else if (seq < _begin)
        {
            return; // older than the history: the sender has long counted it lost
        }

        ref long slot = ref _arrivals[seq & _mask];
        if (slot != NotReceived) return;
        slot = arrivalTicks;
        _pendingPackets++;
        if (seq < _windowStart) _windowStart = seq;
        if (_pendingPackets >= _options.MaxPendingPackets) _due = true;
    }

    /// <summary>When <see cref="HandleTimeout"/> wants to run next; <see cref="MediaTime.Never"/> when idle.</summary>
    public long PollTimeout()
    {
        if (!HasPending) return MediaTime.Never;
        return _due ? _now : _nextSendTicks;
    }

    public void HandleTimeout(long nowTicks)
    {
        if (nowTicks > _now) _now = nowTicks;
        if (HasPending && nowTicks >= _nextSendTicks) _due = true;
        ForgetOld(nowTicks);
    }

    /// <summary>
    /// Writes the next due feedback packet into <paramref name="destination"/> (at least
    /// <see cref="TwccFeedbackOptions.MaxPacketSize"/> bytes). Call until it returns false.
    /// </summary>
    public bool TryPollFeedback(Span<byte> destination, out int written)
    {
        written = 0;
        if (!_due) return false;
        if (destination.Length < _options.MaxPacketSize)
            throw new ArgumentException("Destination is smaller than MaxPacketSize.", nameof(destination));

        ulong seq = _windowStart;
        while (seq < _end && _arrivals[seq & _mask] == NotReceived) seq++;
        if (seq >= _end)
        {
            FinishRound();
            return false;
        }

        _encoder.Reset(_senderSsrc, _mediaSsrc, (ushort)seq, _arrivals[seq & _mask], _feedbackCount);
        ulong next = seq;
        for (; seq < _end; seq++)
        {
            long arrival = _arrivals[seq & _mask];
            if (arrival == NotReceived) continue;
            if (!_encoder.TryAddReceived((ushort)seq, arrival)) break; // the next packet starts here
            next = seq + 1;
        }
        _windowStart = next;
        _feedbackCount++;
        FeedbackPacketsSent++;
        written = _encoder.WriteTo(destination);
        if (_windowStart >= _end) FinishRound();
        return true;
    }

    private void FinishRound()
    {
        _due = false;
        _pendingPackets = 0;
        _nextSendTicks = _now + _options.IntervalTicks;
    }

    private void ForgetOld(long nowTicks)
    {
        // Only reported packets are dropped, so nothing unreported is lost.
        long horizon = nowTicks - _options.BackWindowTicks;
        while (_begin < _windowStart)
        {
            long arrival = _arrivals[_begin & _mask];
            if (arrival != NotReceived && arrival >= horizon) break;
            _begin++;
        }
    }
}
