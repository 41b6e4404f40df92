using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MediaCore.LoadTest.Net;

namespace MediaCore.LoadTest.Reporting;

/// <summary>
/// The machine's loopback UDP send ceiling, measured like the plain C loop in docs/decisions.md: one thread calls
/// <c>sendto</c> with 1,200-byte datagrams round-robin to 64 receiving sockets, draining them between
/// batches; only the send phase is timed, in the thread's own CPU time (so a busy machine slows the run
/// but barely changes the figure). Machines differ by 1.5x, so a throughput means something only next to
/// the same machine's ceiling measured in the same run.
/// <para>In <see cref="MeasureSendto"/> nobody reads the receivers while the sender sends: the sending thread itself
/// drains them between batches, off the clock, and no thread waits on them. So the kernel work it charges the sender
/// (the loopback delivery runs in the sender's own softirq) ends at queueing the datagram: no reader is woken. In a
/// load test each site's socket is in an epoll set of a worker thread that is often asleep in <c>epoll_wait</c>, so
/// a datagram to it also runs the epoll callback and, when the worker sleeps, the wake-up, on the sender's CPU.
/// <see cref="MeasureFanOut"/> measures that: the batched (<c>sendmmsg</c>) fan-out ceiling to N destinations read
/// the way the sites are read, next to <c>sendto</c> to the same destinations.</para>
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

    /// <summary>Time on a CPU of every thread of this process whose name starts with <paramref name="prefix"/>, in ns
    /// (<c>/proc/self/task/*/schedstat</c>: spinning and wake-ups included).</summary>
    public static long ThreadsCpuNanoseconds(string prefix)
    {
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith(prefix, StringComparison.Ordinal)) continue;
                var first = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0];
                total += long.Parse(first, CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }
        return total;
    }

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

    /// <summary>Thread name prefix of the fan-out calibration's readers.</summary>
    public const string ReaderThreadName = "calib-reader";

    /// <summary>Datagrams per <c>sendmmsg</c> call, as the server's send workers batch.</summary>
    public const int FanOutBatch = 64;

    private const int DatagramsPerDestinationPerRound = 4;

    /// <summary>One destination of <see cref="MeasureFanOut"/>: a non-blocking socket read like a site's (recv until EAGAIN).</summary>
    private sealed class FanOutReceiver(Socket socket) : IWorkerTarget
    {
        private readonly byte[] _buffer = new byte[2048];
        public Socket Socket { get; } = socket;
        public int Fd { get; } = (int)socket.Handle;
        /// <summary>Datagrams read (written by the reading thread only).</summary>
        public long Received;

        public unsafe void OnReadable(long nowTicks)
        {
            fixed (byte* p = _buffer)
            {
                while (Epoll.recv(Fd, p, _buffer.Length, Epoll.MSG_DONTWAIT) > 0) Volatile.Write(ref Received, Received + 1);
            }
        }

        public void OnTimer(long nowTicks) { }
    }

    /// <summary>
    /// The pure-kernel batched fan-out ceiling: one thread sends pre-built <paramref name="payloadBytes"/> datagrams
    /// round-robin to <paramref name="destinations"/> loopback sockets with <c>sendmmsg</c>, <see cref="FanOutBatch"/> per
    /// call (consecutive datagrams to different destinations, as a send worker's ring holds a fan-out), alternating rounds
    /// with one <c>sendto</c> per datagram to the same destinations; only the send calls are timed, in the sending thread's
    /// CPU time. Each round sends <c>4 x destinations</c> datagrams, then waits (off the clock) until all are read.
    /// </summary>
    /// <param name="readers">Threads reading the destinations the way the load tester's sites are read: each socket
    /// connected to the sender's address, in a level-triggered epoll set of one of <paramref name="readers"/>
    /// <see cref="Worker"/> threads (the sites' own worker loop), read with <c>recv(MSG_DONTWAIT)</c> until EAGAIN. The
    /// sender's CPU then includes what the kernel charges it for a read socket (epoll callback, waking a sleeping reader).
    /// 0: nobody reads while the sender sends; the sender drains the sockets between rounds, off the clock, as
    /// <see cref="MeasureSendto"/> does.</param>
    public static unsafe FanOutCeiling MeasureFanOut(TimeSpan duration, int destinations = 500, int readers = 2, int payloadBytes = 1200)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || sizeof(Epoll.MMsgHdr) != 64)
            throw new PlatformNotSupportedException("The fan-out calibration needs 64-bit Linux (sendmmsg).");
        ArgumentOutOfRangeException.ThrowIfLessThan(destinations, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(readers);
        var clock = Stopwatch.StartNew();
        var receivers = new List<FanOutReceiver>(destinations);
        var workers = new List<Worker>(readers);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        byte* payloads = null, names = null;
        Epoll.IoVec* iov = null;
        Epoll.MMsgHdr* headers = null;
        try
        {
            sender.SendBufferSize = 1 << 20;
            sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var senderEndPoint = (IPEndPoint)sender.LocalEndPoint!;
            for (int i = 0; i < destinations; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
                receivers.Add(new FanOutReceiver(socket));
                socket.ReceiveBufferSize = 1 << 20;
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                socket.Connect(senderEndPoint);
            }
            for (int i = 0; i < readers; i++) workers.Add(new Worker(i, clock, ReaderThreadName));
            if (readers > 0) Register(receivers, workers);

            // Pre-built: one sockaddr_in and one mmsghdr per destination, FanOutBatch payload buffers.
            payloads = (byte*)NativeMemory.AllocZeroed((nuint)(FanOutBatch * payloadBytes));
            names = (byte*)NativeMemory.AllocZeroed((nuint)(destinations * 16));
            iov = (Epoll.IoVec*)NativeMemory.AllocZeroed((nuint)destinations, (nuint)sizeof(Epoll.IoVec));
            headers = (Epoll.MMsgHdr*)NativeMemory.AllocZeroed((nuint)destinations, (nuint)sizeof(Epoll.MMsgHdr));
            var addresses = new SocketAddress[destinations];
            for (int i = 0; i < destinations; i++)
            {
                var local = (IPEndPoint)receivers[i].Socket.LocalEndPoint!;
                addresses[i] = local.Serialize();
                byte* name = names + i * 16;
                *(ushort*)name = 2; // AF_INET, host order
                name[2] = (byte)(local.Port >> 8);
                name[3] = (byte)local.Port;
                local.Address.TryWriteBytes(new Span<byte>(name + 4, 4), out _);
                iov[i].Base = payloads + (i % FanOutBatch) * payloadBytes;
                iov[i].Length = (nuint)payloadBytes;
                headers[i].Name = name;
                headers[i].NameLength = 16;
                headers[i].Iov = &iov[i];
                headers[i].IovLength = 1;
            }
            var payload = new byte[payloadBytes];
            var sink = new byte[2048];
            int fd = (int)sender.Handle;
            long batchedSent = 0, batchedNs = 0, calls = 0, plainSent = 0, plainNs = 0, expected = 0;
            long readers0 = readers > 0 ? ThreadsCpuNanoseconds(ReaderThreadName + "-") : 0;
            bool batched = true;
            var total = Stopwatch.StartNew();
            while (total.Elapsed < duration || batchedSent == 0 || plainSent == 0)
            {
                long c0 = ThreadCpuNanoseconds();
                if (batched)
                {
                    for (int k = 0; k < DatagramsPerDestinationPerRound; k++)
                    {
                        for (int at = 0; at < destinations; at += FanOutBatch)
                        {
                            int n = Math.Min(FanOutBatch, destinations - at), done = 0;
                            while (done < n)
                            {
                                int r = Epoll.sendmmsg(fd, headers + at + done, (uint)(n - done), 0);
                                calls++;
                                if (r > 0) done += r;
                                else if (Marshal.GetLastPInvokeError() != 4) // EINTR: again
                                    throw new InvalidOperationException($"sendmmsg failed: errno {Marshal.GetLastPInvokeError()}");
                            }
                        }
                    }
                    batchedNs += ThreadCpuNanoseconds() - c0;
                    batchedSent += (long)DatagramsPerDestinationPerRound * destinations;
                }
                else
                {
                    for (int k = 0; k < DatagramsPerDestinationPerRound; k++)
                    {
                        foreach (var a in addresses) sender.SendTo(payload, SocketFlags.None, a);
                    }
                    plainNs += ThreadCpuNanoseconds() - c0;
                    plainSent += (long)DatagramsPerDestinationPerRound * destinations;
                }
                expected += (long)DatagramsPerDestinationPerRound * destinations;
                batched = !batched;
                if (readers == 0) Drain(receivers, sink);
                else WaitRead(receivers, expected, TimeSpan.FromSeconds(1));
            }
            if (readers > 0) WaitRead(receivers, expected, TimeSpan.FromSeconds(10));
            long read = receivers.Sum(r => Volatile.Read(ref r.Received));
            double readerNs = readers > 0 && read > 0 ? (ThreadsCpuNanoseconds(ReaderThreadName + "-") - readers0) / (double)read : 0;
            return new FanOutCeiling(destinations, readers, payloadBytes,
                Math.Round(batchedSent / (batchedNs / 1e9)), Math.Round(plainSent / (plainNs / 1e9)),
                Math.Round(batchedSent / (double)calls, 1), Math.Round(readerNs), batchedSent + plainSent, Math.Max(0, expected - read));
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
            receivers.ForEach(r => r.Socket.Dispose());
            NativeMemory.Free(payloads);
            NativeMemory.Free(names);
            NativeMemory.Free(iov);
            NativeMemory.Free(headers);
        }
    }

    // A worker's epoll set is its own thread's: register there, and wait until every socket is in.
    private static void Register(List<FanOutReceiver> receivers, List<Worker> workers)
    {
        using var registered = new CountdownEvent(receivers.Count);
        Exception? failure = null;
        for (int i = 0; i < receivers.Count; i++)
        {
            var r = receivers[i];
            var w = workers[i % workers.Count];
            w.Post(_ =>
            {
                try
                {
                    w.Register(r.Fd, r);
                }
                catch (InvalidOperationException e)
                {
                    failure = e;
                }
                registered.Signal();
            });
        }
        registered.Wait();
        if (failure is not null) throw new InvalidOperationException($"fan-out calibration: {failure.Message}", failure);
    }

    private static unsafe void Drain(List<FanOutReceiver> receivers, byte[] sink)
    {
        fixed (byte* p = sink)
        {
            foreach (var r in receivers)
            {
                while (Epoll.recv(r.Fd, p, sink.Length, Epoll.MSG_DONTWAIT) > 0) r.Received++;
            }
        }
    }

    // Off the clock: until the readers have every datagram sent so far (what is still missing after the patience was dropped,
    // or the readers get no CPU; between rounds the next round starts anyway).
    private static void WaitRead(List<FanOutReceiver> receivers, long expected, TimeSpan patience)
    {
        var wait = Stopwatch.StartNew();
        while (wait.Elapsed < patience)
        {
            long read = 0;
            foreach (var r in receivers) read += Volatile.Read(ref r.Received);
            if (read >= expected) return;
            Thread.Sleep(1);
        }
    }
}

/// <summary>
/// The batched fan-out ceiling (<see cref="Calibration.MeasureFanOut"/>): datagrams per second of the sending thread's
/// CPU time with <c>sendmmsg</c> and with <c>sendto</c>, round-robin to <paramref name="Destinations"/> loopback sockets.
/// </summary>
/// <param name="Readers">Epoll threads reading the destinations as the sites are read; 0: drained between rounds, nobody waiting.</param>
/// <param name="DatagramsPerSendmmsg">Datagrams per <c>sendmmsg</c> call achieved (64 per call, the last of each pass shorter).</param>
/// <param name="ReaderCpuNsPerDatagram">The readers' CPU per datagram read (not charged to the sender; 0 without readers).</param>
/// <param name="Lost">Datagrams sent but never read (receive buffers overflowed).</param>
public sealed record FanOutCeiling(int Destinations, int Readers, int PayloadBytes, double SendmmsgPerCpuSecond, double SendtoPerCpuSecond,
    double DatagramsPerSendmmsg, double ReaderCpuNsPerDatagram, long Datagrams, long Lost)
{
    public override string ToString() => Readers > 0
        ? FormattableString.Invariant(
            $"loopback fan-out ceiling {SendmmsgPerCpuSecond:0} datagrams/s per core with sendmmsg ({DatagramsPerSendmmsg:0.0} per call), {SendtoPerCpuSecond:0}/s with sendto ({PayloadBytes} B round-robin to {Destinations} sockets read by {Readers} epoll threads as the sites read; readers {ReaderCpuNsPerDatagram:0} ns CPU per datagram; {Datagrams} sent, {Lost} lost)")
        : FormattableString.Invariant(
            $"loopback fan-out ceiling {SendmmsgPerCpuSecond:0} datagrams/s per core with sendmmsg ({DatagramsPerSendmmsg:0.0} per call), {SendtoPerCpuSecond:0}/s with sendto ({PayloadBytes} B round-robin to {Destinations} sockets nobody reads while the sender sends: drained between rounds, as the sendto ceiling's; {Datagrams} sent, {Lost} lost)");
}

/// <param name="SendtoPerCpuSecond">Datagrams per second of the sending thread's CPU time: the per-core ceiling.</param>
/// <param name="SendtoPerWallSecond">The same over wall-clock time of the send phases (lower on a busy machine).</param>
public sealed record CalibrationResult(double SendtoPerCpuSecond, double SendtoPerWallSecond, long Datagrams, double CpuSeconds,
    int PayloadBytes, int Receivers)
{
    /// <summary><paramref name="rate"/> as a percentage of the per-core ceiling.</summary>
    public double PercentOf(double rate) => SendtoPerCpuSecond > 0 ? Math.Round(100 * rate / SendtoPerCpuSecond, 1) : 0;

    /// <summary>The batched fan-out ceiling to sockets read as the sites read them (<see cref="Calibration.MeasureFanOut"/>), or null.</summary>
    public FanOutCeiling? FanOut { get; init; }

    /// <summary>The same destinations nobody reads while the sender sends (drained between rounds, like this ceiling's), or null.</summary>
    public FanOutCeiling? FanOutUnread { get; init; }

    /// <summary><paramref name="rate"/> as a percentage of the read <see cref="FanOut"/> ceiling's <c>sendmmsg</c> figure, or null.</summary>
    public double? PercentOfFanOut(double rate) =>
        FanOut is { SendmmsgPerCpuSecond: > 0 } f ? Math.Round(100 * rate / f.SendmmsgPerCpuSecond, 1) : null;

    public override string ToString() => FormattableString.Invariant(
        $"loopback sendto ceiling {SendtoPerCpuSecond:0} datagrams/s per core ({PayloadBytes} B to {Receivers} sockets, {Datagrams} sent in {CpuSeconds:0.00} CPU-s; {SendtoPerWallSecond:0}/s of wall time)");
}
