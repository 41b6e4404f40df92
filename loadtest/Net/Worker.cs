using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MediaCore.LoadTest.Net;

/// <summary>Something a <see cref="Worker"/> drives: readable-socket and timer callbacks on the worker's thread.</summary>
internal interface IWorkerTarget
{
    /// <summary>The socket is readable: receive until it is empty.</summary>
    void OnReadable(long nowTicks);

    /// <summary>A timer the target asked for is due (or the target was woken).</summary>
    void OnTimer(long nowTicks);
}

/// <summary>
/// One thread that drives many simulated peers (the sans-IO host loop of docs/architecture.md): epoll over their UDP
/// sockets, a timer queue, and an inbox for work handed over from other threads (HTTP signalling, DTLS
/// wake-ups). Everything a target does happens on this thread, so the protocol components stay
/// single-threaded. A handful of workers carry 500 sites.
/// </summary>
internal sealed class Worker : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = ulong.MaxValue;

    private readonly int _epfd;
    private readonly int _eventFd;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<Action<long>> _inbox = new();
    private readonly ConcurrentQueue<IWorkerTarget> _woken = new();
    private readonly PriorityQueue<(IWorkerTarget Target, long Due), long> _timers = new();
    private readonly Dictionary<ulong, IWorkerTarget> _byToken = [];
    private readonly Dictionary<IWorkerTarget, long> _scheduled = new(ReferenceEqualityComparer.Instance);
    private ulong _nextToken;
    private volatile bool _stop;
    private int _signalled;

    /// <param name="name">Thread name prefix (the thread is <c>{name}-{index}</c>; Linux keeps 15 characters).</param>
    public Worker(int index, Stopwatch clock, string name = "loadtest-worker")
    {
        Clock = clock;
        _epfd = Epoll.epoll_create1(0);
        _eventFd = Epoll.eventfd(0, Epoll.EFD_NONBLOCK);
        if (_epfd < 0 || _eventFd < 0) throw new InvalidOperationException($"epoll/eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        var ev = new Epoll.EpollEvent { Events = Epoll.EPOLLIN, Data = WakeToken };
        Epoll.epoll_ctl(_epfd, Epoll.EPOLL_CTL_ADD, _eventFd, ref ev);
        _thread = new Thread(Run) { IsBackground = true, Name = $"{name}-{index}" };
        _thread.Start();
    }

    public Stopwatch Clock { get; }
    public long NowTicks => Clock.Elapsed.Ticks;

    /// <summary>Busy time of the worker thread (for the load generator's own CPU share).</summary>
    public long BusyTicks;

    /// <summary>
    /// The longest single pass (timers, or the readable sockets of one epoll_wait) since the sampler last reset it: a
    /// long pass stamps the packets it reads late (GC pause, no CPU for the thread, too many sockets per worker).
    /// </summary>
    public long MaxPassTicks;

    /// <summary>Runs <paramref name="action"/> on the worker thread (thread-safe).</summary>
    public void Post(Action<long> action)
    {
        _inbox.Enqueue(action);
        Signal();
    }

    /// <summary>Asks for <see cref="IWorkerTarget.OnTimer"/> soon (thread-safe; DTLS thread wake-ups).</summary>
    public void Wake(IWorkerTarget target)
    {
        _woken.Enqueue(target);
        Signal();
    }

    /// <summary>Registers a socket (worker thread only); returns its token for <see cref="Unregister"/>.</summary>
    public ulong Register(int fd, IWorkerTarget target)
    {
        ulong token = _nextToken++;
        _byToken[token] = target;
        var ev = new Epoll.EpollEvent { Events = Epoll.EPOLLIN, Data = token };
        if (Epoll.epoll_ctl(_epfd, Epoll.EPOLL_CTL_ADD, fd, ref ev) != 0)
            throw new InvalidOperationException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
        return token;
    }

    /// <summary>Removes a socket (worker thread only).</summary>
    public void Unregister(int fd, ulong token, IWorkerTarget target)
    {
        var ev = default(Epoll.EpollEvent);
        Epoll.epoll_ctl(_epfd, Epoll.EPOLL_CTL_DEL, fd, ref ev);
        _byToken.Remove(token);
        _scheduled.Remove(target);
    }

    /// <summary>Arms the target's timer at <paramref name="due"/> (worker thread only); an earlier one wins until it fires.</summary>
    public void Schedule(IWorkerTarget target, long due)
    {
        if (due == long.MaxValue) return;
        if (_scheduled.TryGetValue(target, out long current) && current <= due) return;
        _scheduled[target] = due;
        _timers.Enqueue((target, due), due);
    }

    private void Signal()
    {
        if (Interlocked.Exchange(ref _signalled, 1) != 0) return;
        unsafe
        {
            ulong one = 1;
            Epoll.write(_eventFd, (byte*)&one, 8);
        }
    }

    private unsafe void Run()
    {
        var events = stackalloc Epoll.EpollEvent[MaxEvents];
        while (!_stop)
        {
            long start = NowTicks;
            RunInbox(start);
            long now = RunTimers(NowTicks);
            long busyEnd = NowTicks;
            BusyTicks += busyEnd - start;
            NotePass(busyEnd - start);

            int waitMs = 20;
            if (_timers.TryPeek(out _, out long next))
                waitMs = (int)Math.Clamp((next - now + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond, 0, 20);
            int n = Epoll.epoll_wait(_epfd, events, MaxEvents, waitMs);
            long t0 = NowTicks;
            for (int i = 0; i < n; i++)
            {
                ulong token = events[i].Data;
                if (token == WakeToken)
                {
                    ulong value;
                    Epoll.read(_eventFd, (byte*)&value, 8);
                    Volatile.Write(ref _signalled, 0);
                    continue;
                }
                if (_byToken.TryGetValue(token, out var target)) target.OnReadable(NowTicks);
            }
            long t1 = NowTicks;
            BusyTicks += t1 - t0;
            NotePass(t1 - t0);
        }
    }

    private void NotePass(long ticks)
    {
        if (ticks > Volatile.Read(ref MaxPassTicks)) Interlocked.Exchange(ref MaxPassTicks, ticks);
    }

    private void RunInbox(long now)
    {
        while (_inbox.TryDequeue(out var action)) action(now);
        while (_woken.TryDequeue(out var target)) Schedule(target, now);
    }

    private long RunTimers(long now)
    {
        while (_timers.TryPeek(out var item, out long due) && due <= now)
        {
            _timers.Dequeue();
            if (!_scheduled.TryGetValue(item.Target, out long armed) || armed != item.Due) continue;
            _scheduled.Remove(item.Target);
            item.Target.OnTimer(now);
            now = NowTicks;
        }
        return now;
    }

    public void Dispose()
    {
        _stop = true;
        Signal();
        _thread.Join();
        Epoll.close(_epfd);
        Epoll.close(_eventFd);
    }
}
