using MediaCore.Protocol.Core;

namespace MediaCore.Routing.Audio;

/// <summary>What <see cref="JitterBuffer.Pop"/> hands the decoder for the next frame.</summary>
internal enum JitterPop
{
    /// <summary>The packet in order: decode it.</summary>
    Packet,
    /// <summary>The next packet is lost but the one after it is here: decode that one's in-band FEC (RFC 6716 §2.1.7).</summary>
    Fec,
    /// <summary>The next packet is lost: conceal (PLC, RFC 6716 §4.4).</summary>
    Lost,
    /// <summary>Nothing to play (not started, or the talkspurt ended): output silence.</summary>
    Silence,
}

/// <summary>
/// A small per-stream jitter buffer ordered by RTP sequence number (RFC 3550 §5.1): absorbs network jitter
/// and reordering of a selected speaker before its packets are decoded on the mixer's 20 ms tick. Playout
/// starts once <c>targetDepth</c> packets are buffered (or the first has waited that long), so the added
/// latency is about targetDepth x 20 ms. A stream that sends faster than it plays (a flood, clock drift)
/// is trimmed back to the target depth; memory is fixed (capacity x slot size) and nothing is allocated
/// per packet.
/// </summary>
internal sealed class JitterBuffer
{
    private readonly byte[][] _slots;
    private readonly int[] _lengths;
    private readonly ulong[] _seqs;
    private readonly int _capacity;
    private readonly int _targetDepth;
    private readonly int _maxConcealed;
    private readonly long _targetDelayTicks;
    private SeqNoUnwrapper _unwrapper;
    private ulong _next;
    private ulong _highest;
    private int _count;
    private bool _playing;
    private bool _any;
    private int _concealed;
    private long _firstBufferedAt;

    /// <param name="capacity">Slots (packets) held at most.</param>
    /// <param name="targetDepth">Packets buffered before playout starts.</param>
    /// <param name="maxConcealed">Consecutive missing frames concealed before the stream is treated as paused.</param>
    /// <param name="frameTicks">Duration of one frame, for the start-up wait.</param>
    public JitterBuffer(int capacity = 8, int targetDepth = 2, int maxConcealed = 3, long frameTicks = 20 * TimeSpan.TicksPerMillisecond,
        int slotBytes = 1500)
    {
        _capacity = capacity;
        _targetDepth = Math.Clamp(targetDepth, 1, capacity);
        _maxConcealed = maxConcealed;
        _targetDelayTicks = frameTicks * _targetDepth;
        _slots = new byte[capacity][];
        for (int i = 0; i < capacity; i++) _slots[i] = new byte[slotBytes];
        _lengths = new int[capacity];
        _seqs = new ulong[capacity];
    }

    /// <summary>Packets held.</summary>
    public int Count => _count;
    public bool IsPlaying => _playing;
    /// <summary>Packets refused: late, duplicate, oversized, or trimmed after a burst.</summary>
    public long Dropped { get; private set; }

    /// <summary>Stores one packet; false when it is late (already played), a duplicate or too large.</summary>
    public bool Insert(long nowTicks, ushort wireSeq, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > _slots[0].Length || payload.IsEmpty) { Dropped++; return false; }
        ulong seq = _unwrapper.Unwrap(wireSeq).Value;
        if (_playing && seq < _next) { Dropped++; return false; }
        if (!_any || seq > _highest) _highest = seq;
        _any = true;
        if (_count == 0) _firstBufferedAt = nowTicks;
        if (!_playing && (_count == 0 || seq < _next)) _next = seq;
        // Keep at most capacity packets ending at the highest: older ones would never play in time.
        if (_highest >= _next && _highest - _next >= (ulong)_capacity)
        {
            Skip(_highest - (ulong)_capacity + 1);
            if (_count == 0) _next = seq;
        }
        if (seq < _next) { Dropped++; return false; }
        int i = (int)(seq % (ulong)_capacity);
        if (_lengths[i] > 0 && _seqs[i] == seq) { Dropped++; return false; }
        if (_lengths[i] == 0) _count++;
        payload.CopyTo(_slots[i]);
        _lengths[i] = payload.Length;
        _seqs[i] = seq;
        return true;
    }

    /// <summary>
    /// Starts playout at the newest packets (a speaker just selected): older buffered audio is dropped so
    /// the speaker is heard with no more than the target latency.
    /// </summary>
    public void Restart()
    {
        _playing = false;
        _concealed = 0;
        if (_count == 0) return;
        ulong from = _highest >= (ulong)(_targetDepth - 1) ? _highest - (ulong)(_targetDepth - 1) : 0;
        if (from > _next) Skip(from);
    }

    /// <summary>
    /// The next frame to decode. <paramref name="packet"/> is valid until the next <see cref="Insert"/>.
    /// </summary>
    public JitterPop Pop(long nowTicks, out ReadOnlySpan<byte> packet)
    {
        packet = default;
        if (!_playing)
        {
            if (_count == 0 || (_count < _targetDepth && nowTicks - _firstBufferedAt < _targetDelayTicks)) return JitterPop.Silence;
            _playing = true;
            _concealed = 0;
        }
        // Bounded latency: a burst (or a flood) beyond twice the target is trimmed to the target.
        if (_count > 2 * _targetDepth + 1 && _highest >= (ulong)_targetDepth) Skip(_highest - (ulong)_targetDepth + 1);

        int i = (int)(_next % (ulong)_capacity);
        if (_lengths[i] > 0 && _seqs[i] == _next)
        {
            packet = _slots[i].AsSpan(0, _lengths[i]);
            Release(i);
            _next++;
            _concealed = 0;
            return JitterPop.Packet;
        }
        if (_count == 0)
        {
            // Nothing newer: conceal a little (a late packet may still come), then pause the stream.
            if (++_concealed > _maxConcealed)
            {
                _playing = false;
                return JitterPop.Silence;
            }
            _next++;
            return JitterPop.Lost;
        }
        _next++;
        int j = (int)(_next % (ulong)_capacity);
        if (_lengths[j] > 0 && _seqs[j] == _next)
        {
            // The packet after the lost one is here: its LBRR data carries the lost frame. It stays
            // buffered and is decoded normally on the next pop.
            packet = _slots[j].AsSpan(0, _lengths[j]);
            return JitterPop.Fec;
        }
        return JitterPop.Lost;
    }

    /// <summary>Drops everything (the stream left or was reset).</summary>
    public void Clear()
    {
        Array.Clear(_lengths);
        _count = 0;
        _playing = false;
        _concealed = 0;
    }

    private void Skip(ulong to)
    {
        // O(capacity) whatever the gap: a sequence jump of thousands costs no more than one of two.
        ulong lowest = ulong.MaxValue;
        for (int i = 0; i < _capacity; i++)
        {
            if (_lengths[i] == 0) continue;
            if (_seqs[i] < to)
            {
                Release(i);
                Dropped++;
            }
            else if (_seqs[i] < lowest)
            {
                lowest = _seqs[i];
            }
        }
        // Resume at the oldest packet kept: the skipped range is gone, there is nothing to conceal in it.
        _next = lowest == ulong.MaxValue ? to : lowest;
    }

    private void Release(int i)
    {
        _lengths[i] = 0;
        _count--;
    }
}
