namespace MediaCore.Server.Udp;

/// <summary>
/// Key-frame burst pacing for one send worker (sans-IO: the worker passes its clock in). A key frame is about 30
/// packets; routed to 500 subscribers it lands in the send rings as 15,000 datagrams within a few milliseconds.
/// Handed to the kernel at once, it is a line-rate burst into every subscriber's path (and, on loopback, into the
/// receivers' socket buffers). The pacer spreads such a burst evenly over <c>spread</c> (a few ms), in 1 ms
/// intervals, and never holds a datagram back longer than <c>maxDelay</c>: past that it lets everything go.
/// <para>Up to <see cref="FreeBatch"/> datagrams queued nothing is paced: steady forwarding (a packet to a few
/// hundred subscribers every few ms) is not delayed. When the kernel sends slower than the pacing rate,
/// the pacer never binds and adds nothing.</para>
/// <para>The bound: a burst starts when the worker first finds more than a batch queued; every datagram queued
/// then or later in the burst is sent before <c>maxDelay</c> after that start, so pacing adds at most
/// <c>maxDelay</c> to any datagram.</para>
/// </summary>
internal sealed class SendPacer
{
    /// <summary>
    /// A backlog up to this many datagrams is sent at once, never paced: four sendmmsg batches, one packet's fan-out to
    /// 500 subscribers over two workers. A key frame (30 packets) to more than a handful of subscribers is more.
    /// </summary>
    public const int FreeBatch = 4 * UdpSendWorker.MaxBatch;
    /// <summary>Pacing interval: the quota is per millisecond.</summary>
    public static readonly long IntervalTicks = TimeSpan.TicksPerMillisecond;

    private readonly long _spread;
    private readonly long _maxDelay;
    private long _burstStart = -1;
    private long _intervalStart;
    private int _quota;
    private int _sentInInterval;

    /// <param name="spreadTicks">Time a burst is spread over (0: no pacing).</param>
    /// <param name="maxDelayTicks">The most pacing may delay a datagram (at least one interval more than the spread).</param>
    public SendPacer(long spreadTicks, long maxDelayTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spreadTicks);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelayTicks, spreadTicks);
        _spread = spreadTicks;
        _maxDelay = maxDelayTicks;
    }

    /// <summary>True while a burst is being paced.</summary>
    public bool InBurst => _burstStart >= 0;

    /// <summary>When the next interval's quota opens (meaningful after <see cref="Allow"/> returned 0).</summary>
    public long NextReleaseAt => _intervalStart + IntervalTicks;

    /// <summary>
    /// How many of the <paramref name="backlog"/> queued datagrams may be sent at <paramref name="nowTicks"/>;
    /// 0 means wait until <see cref="NextReleaseAt"/>. Report what was sent with <see cref="OnSent"/>.
    /// </summary>
    public int Allow(long nowTicks, int backlog)
    {
        if (backlog <= 0) return 0;
        if (_spread == 0) return backlog;
        if (_burstStart < 0)
        {
            if (backlog <= FreeBatch) return backlog;
            _burstStart = nowTicks;
            _intervalStart = nowTicks;
            _sentInInterval = 0;
            _quota = Math.Max(FreeBatch, CeilDiv(backlog, Math.Max(1, _spread / IntervalTicks)));
        }
        else if (backlog <= FreeBatch)
        {
            // The tail of the burst goes now; the next burst starts afresh.
            _burstStart = -1;
            return backlog;
        }
        long elapsed = nowTicks - _burstStart;
        // The promise: nothing queued during the burst waits longer than maxDelay for the pacer.
        if (elapsed >= _maxDelay - IntervalTicks) return backlog;
        if (nowTicks >= _intervalStart + IntervalTicks)
        {
            _intervalStart = nowTicks;
            _sentInInterval = 0;
            // More arrived during the burst (the rest of the key frame, another frame): raise the rate so what is
            // queued still leaves within the spread (or, past it, within the intervals left before maxDelay).
            long left = (_spread > elapsed ? _spread - elapsed : _maxDelay - IntervalTicks - elapsed) / IntervalTicks;
            _quota = Math.Max(_quota, CeilDiv(backlog, Math.Max(1, left)));
        }
        return Math.Clamp(_quota - _sentInInterval, 0, backlog);
    }

    /// <summary>The worker handed <paramref name="datagrams"/> to the kernel (counts against this interval's quota).</summary>
    public void OnSent(int datagrams) => _sentInInterval += datagrams;

    private static int CeilDiv(long a, long b) => (int)Math.Min(int.MaxValue, (a + b - 1) / b);
}
