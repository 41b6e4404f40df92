using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MediaCore.LoadTest.Reporting;

/// <summary>
/// The machine's loopback UDP send ceiling, measured like the plain C loop in docs/decisions.md: one thread calls
/// <c>sendto</c> with 1,200-byte datagrams round-robin to 64 receiving sockets, draining them between
/// batches; only the send phase is timed, in the thread's own CPU time (so a busy machine slows the run
/// but barely changes the figure). Machines differ by 1.5x, so a throughput means something only next to
/// the same machine's ceiling measured in the same run.
/// </summary>
public static partial class Calibration
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int clock_gettime(int clock, out TimeSpec time);

    /// <summary>CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID), in nanoseconds.</summary>
    public static long ThreadCpuNanoseconds()
    {
        clock_gettime(ClockThreadCpuTime, out var t);
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    private static double ThreadCpuSeconds() => ThreadCpuNanoseconds() / 1e9;

    /// <summary>Runs for about <paramref name="duration"/>.</summary>
    public static CalibrationResult MeasureSendto(TimeSpan duration, int payloadBytes = 1200, int receivers = 64)
    {
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < receivers; i++)
            {
                var r = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                r.ReceiveBufferSize = 1 << 20;
                r.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                sockets.Add(r);
            }
            using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            sender.SendBufferSize = 1 << 20;
            var addresses = sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Serialize()).ToArray();
            var payload = new byte[payloadBytes];
            var sink = new byte[2048];
            const int perReceiverPerBatch = 8; // 512 datagrams per batch: well inside each receiver's buffer
            long sent = 0;
            double cpu = 0, wall = 0;
            var total = System.Diagnostics.Stopwatch.StartNew();
            while (total.Elapsed < duration)
            {
                double c0 = ThreadCpuSeconds();
                long w0 = System.Diagnostics.Stopwatch.GetTimestamp();
                for (int k = 0; k < perReceiverPerBatch; k++)
                {
                    foreach (var a in addresses) sender.SendTo(payload, SocketFlags.None, a);
                }
                wall += System.Diagnostics.Stopwatch.GetElapsedTime(w0).TotalSeconds;
                cpu += ThreadCpuSeconds() - c0;
                sent += perReceiverPerBatch * addresses.Length;
                foreach (var r in sockets)
                {
                    while (r.Available > 0) r.Receive(sink);
                }
            }
            return new CalibrationResult(Math.Round(sent / cpu), Math.Round(sent / wall), sent, Math.Round(cpu, 3), payloadBytes, receivers);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}

/// <param name="SendtoPerCpuSecond">Datagrams per second of the sending thread's CPU time: the per-core ceiling.</param>
/// <param name="SendtoPerWallSecond">The same over wall-clock time of the send phases (lower on a busy machine).</param>
public sealed record CalibrationResult(double SendtoPerCpuSecond, double SendtoPerWallSecond, long Datagrams, double CpuSeconds,
    int PayloadBytes, int Receivers)
{
    /// <summary><paramref name="rate"/> as a percentage of the per-core ceiling.</summary>
    public double PercentOf(double rate) => SendtoPerCpuSecond > 0 ? Math.Round(100 * rate / SendtoPerCpuSecond, 1) : 0;

    public override string ToString() => FormattableString.Invariant(
        $"loopback sendto ceiling {SendtoPerCpuSecond:0} datagrams/s per core ({PayloadBytes} B to {Receivers} sockets, {Datagrams} sent in {CpuSeconds:0.00} CPU-s; {SendtoPerWallSecond:0}/s of wall time)");
}
