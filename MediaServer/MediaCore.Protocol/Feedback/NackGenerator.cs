using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Feedback;

/// <summary>Tuning for <see cref="NackGenerator"/>.</summary>
public sealed record NackOptions
{
    /// <summary>How many times one missing packet is requested before giving up.</summary>
    public int MaxRetries { get; init; } = 3;
    /// <summary>Spacing between requests for the same packet until an RTT is known (then the RTT is used).</summary>
    public long RetryIntervalTicks { get; init; } = MediaTime.FromMilliseconds(100);
    /// <summary>Lower bound on the spacing, so a tiny LAN RTT does not turn into a NACK storm.</summary>
    public long MinRetryIntervalTicks { get; init; } = MediaTime.FromMilliseconds(10);
    /// <summary>Wait before the first request, to let slightly reordered packets arrive (0 = next poll).</summary>
    public long InitialDelayTicks { get; init; }
    /// <summary>Packets more than this many sequence numbers behind the newest are given up.</summary>
    public int MaxAgePackets { get; init; } = 1000;
    /// <summary>Most packets tracked as missing; beyond it the oldest are dropped and a key frame is requested.</summary>
    public int MaxMissing { get; init; } = 500;
}

/// <summary>
/// Receiver-side loss detection for one media SSRC that requests retransmission with Generic NACK
/// (RFC 4585 §6.2.1; RTX per RFC 4588 answers it). Gaps in the sequence numbers become missing entries;
/// each is requested up to <see cref="NackOptions.MaxRetries"/> times, spaced by about one RTT, and
/// forgotten when it arrives (late or retransmitted), when it falls out of the age window, or after its
/// last request. Sans-IO: feed <see cref="OnPacket"/> and <see cref="HandleTimeout"/>, drain
/// <see cref="TryPollNack"/>.
/// </summary>
public sealed class NackGenerator
{
    private struct Entry
    {
        public ulong Seq;
        public long NextSendAt;
        public int Sent;
    }

    private const int MaxSeqsPerPoll = 256;

    private readonly NackOptions _options;
    private readonly Entry[] _missing;
    private int _count;
    private SeqNoUnwrapper _unwrapper;
    private bool _started;
    private ulong _highest;
    private long _now = long.MinValue;
    private long _rttTicks;
    private bool _keyFrameNeeded;
    private long _nextDue = MediaTime.Never; // earliest NextSendAt; may be early after removals (harmless)

    public NackGenerator(uint senderSsrc, uint mediaSsrc, NackOptions? options = null)
    {
        _options = options ?? new NackOptions();
        if (_options.MaxMissing < 1 || _options.MaxRetries < 1) throw new ArgumentException("MaxMissing and MaxRetries must be positive.", nameof(options));
        SenderSsrc = senderSsrc;
        MediaSsrc = mediaSsrc;
        _missing = new Entry[_options.MaxMissing];
    }

    public uint SenderSsrc { get; }
    public uint MediaSsrc { get; }
    /// <summary>Packets currently considered missing and still to be (re-)requested.</summary>
    public int MissingCount => _count;

    /// <summary>Uses <paramref name="rttTicks"/> as the spacing between repeated requests.</summary>
    public void UpdateRtt(long rttTicks) => _rttTicks = rttTicks;

    /// <summary>Records a received packet (original or recovered via RTX, by its original sequence number).</summary>
    public void OnPacket(long nowTicks, ushort sequence)
    {
        if (nowTicks > _now) _now = nowTicks;
        ulong seq = _unwrapper.Unwrap(sequence).Value;
        if (!_started)
        {
            _started = true;
            _highest = seq;
            return;
        }
        if (seq > _highest)
        {
            ulong first = _highest + 1;
            ulong maxAge = (ulong)_options.MaxAgePackets;
            if (seq - first > maxAge) first = seq - maxAge;
            _highest = seq;
            DropOlderThan(seq > maxAge ? seq - maxAge : 0);
            ulong capacity = (ulong)_missing.Length;
            if (seq - first > capacity)
            {
                first = seq - capacity;
                _keyFrameNeeded = true;
            }
            int overflow = _count + (int)(seq - first) - _missing.Length;
            if (overflow > 0)
            {
                DropOldest(overflow);
                _keyFrameNeeded = true;
            }
            long sendAt = nowTicks + _options.InitialDelayTicks;
            for (ulong s = first; s < seq; s++) _missing[_count++] = new Entry { Seq = s, NextSendAt = sendAt };
            if (first < seq && sendAt < _nextDue) _nextDue = sendAt;
        }
        else if (seq < _highest)
        {
            int i = IndexOf(seq);
            if (i >= 0) RemoveAt(i);
        }
    }

    /// <summary>When the next request is due; <see cref="MediaTime.Never"/> when nothing is missing.</summary>
    public long PollTimeout() => _count == 0 ? MediaTime.Never : _nextDue;

    public void HandleTimeout(long nowTicks)
    {
        if (nowTicks > _now) _now = nowTicks;
        if (_nextDue <= _now) RecomputeNextDue(); // drop a stale early value left by removals
    }

    /// <summary>
    /// Writes one Generic NACK covering the requests due now into <paramref name="destination"/>.
    /// Returns false when nothing is due. Call until false.
    /// </summary>
    public bool TryPollNack(Span<byte> destination, out int written)
    {
        written = 0;
        int maxItems = Math.Min((destination.Length - 12) / 4, MaxSeqsPerPoll);
        if (maxItems <= 0) throw new ArgumentException("Destination too small for a NACK.", nameof(destination));

        Span<ushort> seqs = stackalloc ushort[MaxSeqsPerPoll];
        Span<NackItem> items = stackalloc NackItem[MaxSeqsPerPoll];
        int n = 0;
        int itemCount = 0;
        ulong itemStart = 0;
        long spacing = Math.Max(_rttTicks > 0 ? _rttTicks : _options.RetryIntervalTicks, _options.MinRetryIntervalTicks);
        for (int i = 0; i < _count && n < MaxSeqsPerPoll; i++)
        {
            ref var e = ref _missing[i];
            if (e.NextSendAt > _now) continue;
            // Entries are in ascending order, so a new FCI item starts when the seq leaves the current one's 17.
            if (itemCount == 0 || e.Seq - itemStart > 16)
            {
                if (itemCount == maxItems) break;
                itemCount++;
                itemStart = e.Seq;
            }
            seqs[n++] = (ushort)e.Seq;
            e.Sent++;
            e.NextSendAt = _now + spacing;
        }
        if (n == 0) return false;

        // Forget entries whose last request just went out.
        int w = 0;
        for (int i = 0; i < _count; i++)
            if (_missing[i].Sent < _options.MaxRetries) _missing[w++] = _missing[i];
        _count = w;
        RecomputeNextDue();

        int packed = NackItem.Pack(seqs[..n], items);
        written = new GenericNackWriter(SenderSsrc, MediaSsrc, items[..packed]).WriteTo(destination);
        return true;
    }

    /// <summary>
    /// True once (then cleared) when losses exceeded what NACK can repair, so the caller should send a
    /// PLI/FIR instead (libwebrtc's NackRequester does the same).
    /// </summary>
    public bool TryPollKeyFrameRequest()
    {
        bool needed = _keyFrameNeeded;
        _keyFrameNeeded = false;
        return needed;
    }

    private void RecomputeNextDue()
    {
        long next = MediaTime.Never;
        for (int i = 0; i < _count; i++)
            if (_missing[i].NextSendAt < next) next = _missing[i].NextSendAt;
        _nextDue = next;
    }

    private void DropOlderThan(ulong oldest)
    {
        int drop = 0;
        while (drop < _count && _missing[drop].Seq < oldest) drop++;
        DropOldest(drop);
    }

    private void DropOldest(int drop)
    {
        if (drop <= 0) return;
        drop = Math.Min(drop, _count);
        Array.Copy(_missing, drop, _missing, 0, _count - drop);
        _count -= drop;
    }

    private int IndexOf(ulong seq)
    {
        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            ulong v = _missing[mid].Seq;
            if (v == seq) return mid;
            if (v < seq) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    private void RemoveAt(int index)
    {
        Array.Copy(_missing, index + 1, _missing, index, _count - index - 1);
        _count--;
    }
}
