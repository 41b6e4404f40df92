using MediaCore.Protocol.Core;

namespace MediaCore.Routing.Recording;

/// <summary>
/// Puts a stream's packets back in sequence-number order (RFC 3550 §A.1 extended numbers) in preallocated
/// slots. A hole is waited for until the oldest packet behind it has waited <c>maxWait</c> (time for a NACK
/// to be answered) or the buffer is full; then it is skipped and reported as a gap. Late packets (behind what
/// was already released) are dropped. Allocates nothing after construction.
/// </summary>
public sealed class RtpReorderBuffer
{
    private readonly byte[][] _slots;
    private readonly int[] _lengths;
    private readonly long[] _arrivals;
    private readonly bool[] _present;
    private SeqNo _next;
    private bool _started;
    private int _count;
    private bool _gap;

    public RtpReorderBuffer(int capacity, int maxPacketSize)
    {
        _slots = new byte[capacity][];
        for (int i = 0; i < capacity; i++) _slots[i] = new byte[maxPacketSize];
        _lengths = new int[capacity];
        _arrivals = new long[capacity];
        _present = new bool[capacity];
    }

    public int Capacity => _slots.Length;
    public int Count => _count;
    /// <summary>Packets dropped because they came after their place was released or skipped.</summary>
    public long LatePackets { get; private set; }
    /// <summary>Sequence numbers given up on.</summary>
    public long SkippedPackets { get; private set; }

    /// <summary>False when <paramref name="seq"/> is too far ahead: pop (forced) until it fits.</summary>
    public bool Fits(SeqNo seq) => !_started || seq < _next || seq - _next < _slots.Length || _count == 0;

    /// <summary>Stores a packet; false when it is late, a duplicate or too large. Call <see cref="TryPop"/> until false afterwards.</summary>
    public bool Insert(long nowTicks, SeqNo seq, ReadOnlySpan<byte> packet)
    {
        if (packet.Length > _slots[0].Length) return false;
        if (!_started)
        {
            _started = true;
            _next = seq;
        }
        if (seq < _next)
        {
            LatePackets++;
            return false;
        }
        // Too far ahead: release (skip) from the front until it fits.
        while (seq - _next >= _slots.Length)
        {
            if (_present[Index(_next)]) return false; // caller must pop first; never overwrite
            _next = _next.Next;
            SkippedPackets++;
            _gap = true;
        }
        int i = Index(seq);
        if (_present[i]) return false;
        packet.CopyTo(_slots[i]);
        _lengths[i] = packet.Length;
        _arrivals[i] = nowTicks;
        _present[i] = true;
        _count++;
        return true;
    }

    /// <summary>
    /// The next packet in order, if it is here, or the first one after a hole that has waited long enough (or
    /// any, with <paramref name="force"/>). <paramref name="gapBefore"/> says that packets were skipped before it.
    /// The span is valid until the next call.
    /// </summary>
    public bool TryPop(long nowTicks, long maxWaitTicks, bool force, out ReadOnlySpan<byte> packet, out bool gapBefore)
    {
        packet = default;
        gapBefore = false;
        if (_count == 0) return false;
        int i = Index(_next);
        if (!_present[i])
        {
            // Find the first packet behind the hole.
            var s = _next;
            int steps = 0;
            while (!_present[Index(s)] && steps < _slots.Length) { s = s.Next; steps++; }
            if (!force && nowTicks - _arrivals[Index(s)] < maxWaitTicks) return false;
            SkippedPackets += s - _next;
            _next = s;
            _gap = true;
            i = Index(s);
        }
        _present[i] = false;
        _count--;
        packet = _slots[i].AsSpan(0, _lengths[i]);
        gapBefore = _gap;
        _gap = false;
        _next = _next.Next;
        return true;
    }

    private int Index(SeqNo seq) => (int)(seq.Value % (ulong)_slots.Length);
}
