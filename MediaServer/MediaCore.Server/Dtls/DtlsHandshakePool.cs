using System.Runtime.InteropServices;
using MediaCore.Protocol.Dtls;

namespace MediaCore.Server.Dtls;

/// <summary>
/// The join path's share of the CPU. BouncyCastle's DTLS handshake is blocking, so each runs on its own thread
/// (<see cref="DtlsEndpoint"/>); this host bounds how many run at once (<c>MediaServer:MaxConcurrentHandshakes</c>;
/// the rest wait for a slot), runs them at a lower scheduling priority than the forwarding threads (Linux nice
/// +5, so a burst of joins cannot delay media already flowing to hundreds of sites), and measures each
/// handshake's CPU time (<c>mediacore_dtls_handshake_cpu_seconds</c>).
/// </summary>
public sealed partial class DtlsHandshakePool : IDtlsHandshakeHost
{
    private const int PrioProcess = 0;
    private const int ClockThreadCpuTime = 3;
    /// <summary>CFS weight of nice 5 is about a third of nice 0's.</summary>
    public const int HandshakeNice = 5;

    [ThreadStatic] private static double t_cpuAtEnter;
    private readonly SemaphoreSlim _slots;
    private long _completed, _cpuMicroseconds, _priorityRefused;

    public DtlsHandshakePool(int maxConcurrent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        MaxConcurrent = maxConcurrent;
        _slots = new SemaphoreSlim(maxConcurrent, maxConcurrent);
    }

    public int MaxConcurrent { get; }

    /// <summary>Handshakes running now.</summary>
    public int Running => MaxConcurrent - _slots.CurrentCount;

    /// <summary>Handshakes that connected, and their mean CPU time (server side).</summary>
    public (long Count, TimeSpan MeanCpu) Completed
    {
        get
        {
            long n = Interlocked.Read(ref _completed);
            return (n, n == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Interlocked.Read(ref _cpuMicroseconds) * 10 / n));
        }
    }

    /// <summary>Handshakes whose thread could not be deprioritised.</summary>
    public long PriorityRefused => Interlocked.Read(ref _priorityRefused);

    public bool Enter(TimeSpan maxWait)
    {
        if (!_slots.Wait(maxWait)) return false;
        // The handshake thread is short-lived and runs nothing else: its nice value dies with it. Where the
        // call is refused the handshake runs at normal priority (counted, not fatal).
        if (OperatingSystem.IsLinux() && setpriority(PrioProcess, gettid(), HandshakeNice) != 0)
            Interlocked.Increment(ref _priorityRefused);
        t_cpuAtEnter = ThreadCpuSeconds();
        return true;
    }

    public void Exit(bool connected)
    {
        try
        {
            double cpu = ThreadCpuSeconds() - t_cpuAtEnter;
            if (connected && cpu >= 0)
            {
                Interlocked.Increment(ref _completed);
                Interlocked.Add(ref _cpuMicroseconds, (long)(cpu * 1e6));
                Metrics.MediaMetrics.DtlsHandshakeCpuSeconds.Observe(cpu);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private static double ThreadCpuSeconds()
    {
        if (!OperatingSystem.IsLinux() || clock_gettime(ClockThreadCpuTime, out var t) != 0) return 0;
        return t.Seconds + t.Nanoseconds / 1e9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, out TimeSpec time);

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc")]
    private static partial int setpriority(int which, int who, int prio);
}
