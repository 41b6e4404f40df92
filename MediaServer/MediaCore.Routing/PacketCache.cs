using MediaCore.Protocol.Core;

namespace MediaCore.Routing;

/// <summary>
/// Fixed-size packet buffers recycled within one router (single-threaded, like the router), so caching
/// packets for NACK costs no allocation once warm and memory follows the room's actual packet rate.
/// </summary>
internal sealed class PacketBufferPool
{
    private readonly Stack<byte[]> _free = new();
    private readonly int _bufferSize;
    private readonly int _maxFree;

    public PacketBufferPool(int bufferSize, int maxFree = 1024)
    {
        _bufferSize = bufferSize;
        _maxFree = maxFree;
    }

    public int BufferSize => _bufferSize;
    public int FreeCount => _free.Count;

    public byte[] Rent() => _free.TryPop(out var b) ? b : new byte[_bufferSize];

    public void Return(byte[] buffer)
    {
        if (_free.Count < _maxFree) _free.Push(buffer);
    }
}

/// <summary>
/// The last packets of one producer encoding, indexed by extended sequence number, for answering NACKs
/// (RFC 4585 §6.2.1) with retransmissions (RFC 4588). A ring of power-of-two size; entries older than
/// the maximum age are released back to the pool as newer packets arrive.
/// </summary>
internal sealed class PacketCache
{
    private struct Entry
    {
        public byte[]? Buffer;
        public int Length;
        public ulong ExtSeq;
        public long StoredAt;
    }

    private readonly Entry[] _entries;
    private readonly int _mask;
    private readonly long _maxAgeTicks;
    private readonly PacketBufferPool _pool;
    private int _count;
    private ulong _oldest;   // lowest ext seq that may still hold a buffer
    private ulong _newest;
    private bool _any;

    public PacketCache(int capacity, long maxAgeTicks, PacketBufferPool pool)
    {
        int size = 16;
        while (size < capacity) size <<= 1;
        _entries = new Entry[size];
        _mask = size - 1;
        _maxAgeTicks = maxAgeTicks;
        _pool = pool;
    }

    public int Capacity => _entries.Length;
    /// <summary>Slots currently holding a buffer.</summary>
    public int Count => _count;

    public bool Contains(SeqNo seq)
    {
        ref var e = ref _entries[(int)(seq.Value & (ulong)_mask)];
        return e.Buffer != null && e.ExtSeq == seq.Value;
    }

    /// <summary>
    /// Returns a buffer to write packet <paramref name="seq"/> into (call <see cref="Commit"/> after), or
    /// an empty span when the packet is too old for the ring.
    /// </summary>
    public Span<byte> BeginStore(long nowTicks, SeqNo seq)
    {
        if (_any && seq.Value + (ulong)_entries.Length <= _newest) return default;
        ref var e = ref _entries[(int)(seq.Value & (ulong)_mask)];
        if (e.Buffer == null)
        {
            e.Buffer = _pool.Rent();
            _count++;
        }
        else if (e.ExtSeq > seq.Value)
        {
            return default; // a newer packet owns this slot: the requested one is older than the ring
        }
        e.ExtSeq = seq.Value;
        e.Length = 0;
        e.StoredAt = nowTicks;
        if (!_any) { _any = true; _oldest = _newest = seq.Value; }
        if (seq.Value > _newest) _newest = seq.Value;
        if (seq.Value < _oldest) _oldest = seq.Value;
        ReleaseExpired(nowTicks);
        return e.Buffer;
    }

    public void Commit(SeqNo seq, int length)
    {
        ref var e = ref _entries[(int)(seq.Value & (ulong)_mask)];
        if (e.Buffer != null && e.ExtSeq == seq.Value) e.Length = length;
    }

    /// <summary>Looks a packet up; false when it was never stored, was overwritten or is too old.</summary>
    public bool TryGet(long nowTicks, SeqNo seq, out ReadOnlySpan<byte> packet)
    {
        ref var e = ref _entries[(int)(seq.Value & (ulong)_mask)];
        if (e.Buffer == null || e.ExtSeq != seq.Value || e.Length == 0 || nowTicks - e.StoredAt > _maxAgeTicks)
        {
            packet = default;
            return false;
        }
        packet = e.Buffer.AsSpan(0, e.Length);
        return true;
    }

    /// <summary>Releases every buffer (the producer closed).</summary>
    public void Clear()
    {
        for (int i = 0; i < _entries.Length; i++)
        {
            if (_entries[i].Buffer is { } b) _pool.Return(b);
            _entries[i] = default;
        }
        _count = 0;
        _any = false;
    }

    // Walks from the oldest slot towards the newest, releasing what has aged out or fell out of the ring;
    // bounded to a few slots per call so the cost stays flat per packet.
    private void ReleaseExpired(long nowTicks)
    {
        if (_newest >= (ulong)_mask && _oldest < _newest - (ulong)_mask) _oldest = _newest - (ulong)_mask;
        for (int i = 0; i < 4 && _oldest < _newest; i++)
        {
            ref var e = ref _entries[(int)(_oldest & (ulong)_mask)];
            if (e.Buffer != null && e.ExtSeq == _oldest)
            {
                if (nowTicks - e.StoredAt <= _maxAgeTicks) return;
                _pool.Return(e.Buffer);
                e = default;
                _count--;
            }
            _oldest++;
        }
    }
}
