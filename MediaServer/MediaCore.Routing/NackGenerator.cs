using MediaCore.Protocol.Core;

namespace MediaCore.Routing;

/// <summary>
/// Receiver-side loss detection for one producer encoding: sequence gaps become generic NACK requests
/// (RFC 4585 §6.2.1) sent to the publisher right away and retried once per round-trip time, until the
/// packet arrives (original or RTX), ages out, or runs out of retries. Driven by packet arrivals only
/// (video arrives every few milliseconds), so it needs no timer. A gap too large to repair is reported so
/// the caller asks for a key frame instead (RFC 4585 §3.6: PLI when the loss cannot be repaired).
/// </summary>
internal sealed class NackGenerator
{
    public const int MaxMissing = 256;
    public const int MaxRetries = 10;
    private static readonly long MaxAgeTicks = TimeSpan.FromMilliseconds(1000).Ticks;
    private static readonly long MinIntervalTicks = TimeSpan.FromMilliseconds(20).Ticks;

    private struct Missing
    {
        public ulong Seq;
        public long FirstAt;
        public long NextAt;
        public int Retries;
    }

    private readonly Missing[] _missing = new Missing[MaxMissing];
    private int _count;
    private ulong _highest;
    private bool _started;

    public void Reset()
    {
        _count = 0;
        _started = false;
    }

    /// <summary>Sequence numbers currently awaited.</summary>
    public int MissingCount => _count;

    /// <summary>
    /// Records an arrival. Returns false when the gap it reveals is too large to NACK (the caller should
    /// request a key frame); the pending list is then reset.
    /// </summary>
    public bool OnPacket(long nowTicks, SeqNo seq)
    {
        if (!_started)
        {
            _started = true;
            _highest = seq.Value;
            return true;
        }
        if (seq.Value <= _highest)
        {
            Remove(seq.Value);
            return true;
        }
        ulong gap = seq.Value - _highest - 1;
        _highest = seq.Value;
        if (gap == 0) return true;
        if (gap > MaxMissing)
        {
            _count = 0;
            return false;
        }
        for (ulong s = seq.Value - gap; s < seq.Value; s++)
        {
            if (_count == MaxMissing) DropOldest();
            _missing[_count++] = new Missing { Seq = s, FirstAt = nowTicks, NextAt = nowTicks };
        }
        return true;
    }

    /// <summary>
    /// Writes the sequence numbers due for a (re)request into <paramref name="destination"/> and returns how
    /// many; entries past their age or retry budget are dropped.
    /// </summary>
    public int CollectDue(long nowTicks, long roundTripTicks, Span<ushort> destination)
    {
        long interval = Math.Max(roundTripTicks, MinIntervalTicks);
        int n = 0, kept = 0;
        for (int i = 0; i < _count; i++)
        {
            var m = _missing[i];
            if (nowTicks - m.FirstAt > MaxAgeTicks || m.Retries >= MaxRetries) continue;
            if (nowTicks >= m.NextAt && n < destination.Length)
            {
                destination[n++] = (ushort)m.Seq;
                m.Retries++;
                m.NextAt = nowTicks + interval;
            }
            _missing[kept++] = m;
        }
        _count = kept;
        return n;
    }

    private void Remove(ulong seq)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_missing[i].Seq != seq) continue;
            Array.Copy(_missing, i + 1, _missing, i, _count - i - 1);
            _count--;
            return;
        }
    }

    private void DropOldest()
    {
        Array.Copy(_missing, 1, _missing, 0, _count - 1);
        _count--;
    }
}
