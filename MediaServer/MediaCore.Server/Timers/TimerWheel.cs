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
/// <para>Steady state allocates nothing: nodes are pooled and reused across reschedules.</para>
/// </summary>
public sealed class TimerWheel
{
    private sealed class Node
    {
        public ITimerTarget? Target;
        public long DueTicks;
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
    /// Sets <paramref name="target"/>'s deadline, replacing any earlier one. <see cref="MediaTime.Never"/>
    /// cancels. A deadline already past fires on the next <see cref="Advance"/>.
    /// </summary>
    public void Schedule(ITimerTarget target, long dueTicks)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (dueTicks == MediaTime.Never) { Cancel(target); return; }
        lock (_lock)
        {
            if (_nodes.TryGetValue(target, out var node))
            {
                if (node.DueTicks == dueTicks) return;
                Unlink(node);
            }
            else
            {
                node = _pool.Count > 0 ? _pool.Pop() : new Node();
                node.Target = target;
                _nodes.Add(target, node);
            }
            node.DueTicks = dueTicks;
            // Round up so a timer never fires early; never into a tick already processed.
            long tick = Math.Max(CeilDiv(dueTicks, _resolution), _processedTick + 1);
            Link(node, (int)(tick % _slots.Length));
        }
    }

    /// <summary>Removes <paramref name="target"/>'s deadline; false when it had none.</summary>
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
        _pool.Push(node);
    }

    private static long CeilDiv(long a, long b) => a <= 0 ? a / b : (a - 1) / b + 1;
}
