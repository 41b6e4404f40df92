using MediaCore.Protocol.Core;

namespace MediaCore.Server.Timers;

/// <summary>Something with a sans-IO <c>HandleTimeout</c>, e.g. a WebRTC session.</summary>
public interface ITimerTarget
{
    /// <summary>
    /// Called on the timer thread at or after the scheduled time. May be spurious (e.g. the target was
    /// rescheduled later while this firing was in flight): implementations check their own deadlines,
    /// exactly as sans-IO <c>HandleTimeout(now)</c> does anyway.
    /// </summary>
    void HandleTimeout(long nowTicks);
}

/// <summary>
/// A hashed timer wheel (Varghese and Lauck, "Hashed and Hierarchical Timing Wheels", scheme 4) holding at
/// most one deadline per target: the target's latest <c>PollTimeout()</c>. Schedule, reschedule and cancel
/// are O(1); a tick costs O(entries in one slot). Timers fire at most one resolution late, never early.
/// <para>Threading: <see cref="Schedule"/> and <see cref="Cancel"/> may be called from any thread (a lock
/// guards the slots). <see cref="Advance"/> runs on one thread (the <see cref="TimerWheelHost"/>, or a
/// test in virtual time) and calls <see cref="ITimerTarget.HandleTimeout"/> after releasing the lock, so a
/// target may take its own lock and reschedule itself from inside the callback without deadlock. The
/// wheel does not serialize a target's work against its receive path: the target does (a lock per
/// session, or one media thread).</para>
/// <para>Two ways in: <see cref="Schedule"/> sets the target's own next deadline and replaces the previous one (the
/// owner recomputes it from <c>PollTimeout()</c> after every input, so a later value must win); <see cref="Wake"/> is
/// how ANOTHER thread says "the target has output to drain now" (a DTLS handshake thread that finished). A wake stays
/// pending until the target fires: a <see cref="Schedule"/> that the owner computed just before the wake (and calls just
/// after it) cannot push it out. Without that, the owner's stale "nothing due for 30 s" replaced the handshake's
/// wake-up, and a session whose DTLS had completed stayed unconnected while every later datagram re-armed the far
/// deadline (a browser connected, the server never sending: issue 13).</para>
/// <para>Steady state allocates nothing: nodes are pooled and reused across reschedules.</para>
/// </summary>
public sealed class TimerWheel
{
    private sealed class Node
    {
        public ITimerTarget? Target;
        public long DueTicks;
        /// <summary>A pending <see cref="Wake"/>: the node fires no later than this until it fires.</summary>
        public long WakeTicks = MediaTime.Never;
        public Node? Prev, Next;
        public int Slot = -1;
    }

    private readonly Lock _lock = new();
    private readonly Node?[] _slots;
    private readonly long _resolution;
    private readonly Dictionary<ITimerTarget, Node> _nodes = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<Node> _pool = new();
    private readonly List<ITimerTarget> _due = new();
    private long _processedTick;

    /// <param name="resolutionTicks">Tick length (100 ns units), e.g. <c>MediaTime.FromMilliseconds(10)</c>.</param>
    /// <param name="slotCount">Slots per revolution; timers further out than a revolution wait extra rounds.</param>
    /// <param name="startTicks">The current time; nothing earlier is processed.</param>
    public TimerWheel(long resolutionTicks, int slotCount = 512, long startTicks = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolutionTicks);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotCount, 2);
        _resolution = resolutionTicks;
        _slots = new Node?[slotCount];
        _processedTick = startTicks / resolutionTicks;
    }

    /// <summary>Tick length in 100 ns units.</summary>
    public long ResolutionTicks => _resolution;

    /// <summary>Number of scheduled targets.</summary>
    public int Count { get { lock (_lock) return _nodes.Count; } }

    /// <summary>
    /// Sets <paramref name="target"/>'s deadline, replacing any earlier one (a pending <see cref="Wake"/> still
    /// holds). <see cref="MediaTime.Never"/> clears the deadline. A deadline already past fires on the next
    /// <see cref="Advance"/>.
    /// </summary>
    public void Schedule(ITimerTarget target, long dueTicks)
    {
        ArgumentNullException.ThrowIfNull(target);
        lock (_lock)
        {
            if (_nodes.TryGetValue(target, out var node))
            {
                long effective = Math.Min(dueTicks, node.WakeTicks);
                if (effective == MediaTime.Never)
                {
                    _nodes.Remove(target);
                    Release(node);
                    return;
                }
                if (node.DueTicks == effective) return;
                Unlink(node);
                Place(node, effective);
            }
            else if (dueTicks != MediaTime.Never)
            {
                Place(Add(target), dueTicks);
            }
        }
    }

    /// <summary>
    /// Asks for <paramref name="target"/> to fire at <paramref name="nowTicks"/> (the next <see cref="Advance"/>),
    /// from any thread. Unlike <see cref="Schedule"/> it cannot be overwritten: it holds until the target fires
    /// (or is cancelled), whatever later deadline its owner sets meanwhile.
    /// </summary>
    public void Wake(ITimerTarget target, long nowTicks)
    {
        ArgumentNullException.ThrowIfNull(target);
        lock (_lock)
        {
            if (_nodes.TryGetValue(target, out var node))
            {
                node.WakeTicks = Math.Min(node.WakeTicks, nowTicks);
                if (node.DueTicks <= node.WakeTicks) return;
                Unlink(node);
            }
            else
            {
                node = Add(target);
                node.WakeTicks = nowTicks;
            }
            Place(node, node.WakeTicks);
        }
    }

    private Node Add(ITimerTarget target)
    {
        var node = _pool.Count > 0 ? _pool.Pop() : new Node();
        node.Target = target;
        node.WakeTicks = MediaTime.Never;
        _nodes.Add(target, node);
        return node;
    }

    private void Place(Node node, long dueTicks)
    {
        node.DueTicks = dueTicks;
        // Round up so a timer never fires early; never into a tick already processed.
        long tick = Math.Max(CeilDiv(dueTicks, _resolution), _processedTick + 1);
        Link(node, (int)(tick % _slots.Length));
    }

    /// <summary>Removes <paramref name="target"/>'s deadline and any pending wake; false when it had none.</summary>
    public bool Cancel(ITimerTarget target)
    {
        lock (_lock)
        {
            if (!_nodes.Remove(target, out var node)) return false;
            Release(node);
            return true;
        }
    }

    /// <summary>The deadline of <paramref name="target"/>, or <see cref="MediaTime.Never"/>.</summary>
    public long GetDue(ITimerTarget target)
    {
        lock (_lock) return _nodes.TryGetValue(target, out var n) ? n.DueTicks : MediaTime.Never;
    }

    /// <summary>
    /// Moves time to <paramref name="nowTicks"/> and calls <see cref="ITimerTarget.HandleTimeout"/> for every
    /// deadline at or before it. A fired target is unscheduled first, so it reschedules from its new
    /// <c>PollTimeout()</c>. Exceptions from targets propagate after the remaining due targets have run.
    /// Single caller thread only. Returns the number fired.
    /// </summary>
    public int Advance(long nowTicks)
    {
        lock (_lock)
        {
            long target = nowTicks / _resolution;
            if (target <= _processedTick) return 0;
            // After a jump longer than a revolution every slot is visited once: enough, since due times are compared, not counted.
            long first = Math.Max(_processedTick + 1, target - _slots.Length + 1);
            for (long t = first; t <= target; t++)
                CollectDue((int)(t % _slots.Length), nowTicks);
            _processedTick = target;
        }
        return Fire(nowTicks);
    }

    private void CollectDue(int slot, long nowTicks)
    {
        var node = _slots[slot];
        while (node is not null)
        {
            var next = node.Next;
            if (node.DueTicks <= nowTicks)
            {
                _due.Add(node.Target!);
                _nodes.Remove(node.Target!);
                Release(node);
            }
            node = next;
        }
    }

    private int Fire(long nowTicks)
    {
        int count = _due.Count;
        List<Exception>? errors = null;
        for (int i = 0; i < count; i++)
        {
            try
            {
                _due[i].HandleTimeout(nowTicks);
            }
            catch (Exception e)
            {
                (errors ??= []).Add(e);
            }
        }
        _due.Clear();
        if (errors is not null) throw new AggregateException("timer targets threw", errors);
        return count;
    }

    private void Link(Node node, int slot)
    {
        node.Slot = slot;
        node.Prev = null;
        node.Next = _slots[slot];
        if (node.Next is not null) node.Next.Prev = node;
        _slots[slot] = node;
    }

    private void Unlink(Node node)
    {
        if (node.Prev is not null) node.Prev.Next = node.Next;
        else _slots[node.Slot] = node.Next;
        if (node.Next is not null) node.Next.Prev = node.Prev;
        node.Prev = node.Next = null;
        node.Slot = -1;
    }

    private void Release(Node node)
    {
        Unlink(node);
        node.Target = null;
        node.WakeTicks = MediaTime.Never;
        _pool.Push(node);
    }

    private static long CeilDiv(long a, long b) => a <= 0 ? a / b : (a - 1) / b + 1;
}
