namespace MediaCore.Routing;

/// <summary>
/// Remembers when each recent output sequence number of one consumer was last retransmitted, so a NACK
/// (RFC 4585 §6.2.1) for the same packet is answered at most once per round-trip time. A receiver whose
/// RTX is still in flight re-NACKs after its own retry timer; answering every copy multiplies traffic exactly
/// when the path is congested (the "RTX storm": hundreds of subscribers re-NACKing the same holes while the
/// sender falls further behind). A ring indexed by sequence number: O(1), no allocation, bounded memory.
/// </summary>
internal sealed class RetransmissionGuard
{
    private const int Size = 1024; // a second of 900 kb/s video is ~100 packets: ten seconds of history
    private readonly ulong[] _seq = new ulong[Size];
    private readonly long[] _sentAt = new long[Size];

    /// <summary>
    /// True when <paramref name="outSeq"/> may be resent now (and records it); false when it was resent less
    /// than <paramref name="intervalTicks"/> ago. An interval of 0 or less never suppresses.
    /// </summary>
    public bool TryAcquire(ulong outSeq, long nowTicks, long intervalTicks)
    {
        int i = (int)(outSeq & (Size - 1));
        // Slots start at seq 0, which a consumer never uses (its output starts at 2^16 + initial seq).
        if (intervalTicks > 0 && _seq[i] == outSeq && nowTicks - _sentAt[i] < intervalTicks) return false;
        _seq[i] = outSeq;
        _sentAt[i] = nowTicks;
        return true;
    }
}
