using System.Globalization;
using MediaCore.LoadTest.Reporting;

namespace MediaCore.Benchmarks;

/// <summary>
/// Packets forwarded per CPU-second through the real socket path, next to the machine's <c>sendto</c> ceiling measured
/// the same way in the same process (the load tester's calibration): the figure the issue's goal "packets forwarded per
/// second per server core at least the sendto ceiling" is about, without the load generator, the DTLS joins or the
/// JIT of a whole plenary run.
/// <para>Each round routes one 1200 B VP8 packet to N subscribers (<see cref="SocketFanOutBenchmarks"/>'s setup:
/// <c>Router.OnRtp</c>, each consumer's rewrite, AES-GCM protect, and the send path under test) and waits until the
/// kernel has every datagram. CPU time counted: the routing thread inside <c>Route()</c> (its own CPU clock) plus
/// every send worker thread (<c>/proc/self/task/*/schedstat</c>, nanoseconds, spinning and wake-ups included); the
/// wait between rounds is not (the server's receive thread sleeps in <c>recvmmsg</c> there). The receiving sockets
/// are drained after every round off the clock, as the calibration drains its receivers (nobody waits on them, so
/// neither figure includes waking a receiver).</para>
/// <para>Run: <c>dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- fanout-cpu [subscribers=500]
/// [seconds per path=5] [rounds=3] [paths=SendtoInline,Sendmmsg2Workers,ProtectOn2Workers] [ring slots=16384] [df]</c>
/// (<c>df</c>: the socket sends with the don't-fragment bit, the host's <c>MediaServer:DontFragment</c>).</para>
/// </summary>
public static partial class FanOutCpu
{
    private static long ThreadCpuNanoseconds() => MediaCore.LoadTest.Reporting.Calibration.ThreadCpuNanoseconds();

    private static long ThreadsCpuNanoseconds(string prefix) => Calibration.ThreadsCpuNanoseconds(prefix);

    public static int Run(string[] args)
    {
        int subscribers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;
        double seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        int rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
        var paths = (args.Length > 4 ? args[4] : "SendtoInline,Sendmmsg2Workers,ProtectOn2Workers")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<SendPath>).ToArray();
        int slots = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 16384;
        bool dontFragment = args.Length > 6 && args[6] is "df" or "true" or "1";
        Console.WriteLine($"fan-out CPU: 1200 B VP8 to {subscribers} loopback subscribers, AES-GCM, {seconds} s per path per round, {rounds} rounds, {slots} ring slots, don't-fragment {dontFragment}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        var results = paths.ToDictionary(p => p, _ => new List<double>());
        var ceilings = new List<double>();
        var fanOutCeilings = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            var ceiling = Calibration.MeasureSendto(TimeSpan.FromSeconds(Math.Min(3, seconds)));
            ceilings.Add(ceiling.SendtoPerCpuSecond);
            Console.WriteLine($"round {round}: {ceiling}");
            // The batched fan-out ceiling to as many destinations: unread (drained between rounds, as this harness drains its
            // subscribers: the comparable figure) and read by two epoll threads as the load tester's sites are.
            var unread = Calibration.MeasureFanOut(TimeSpan.FromSeconds(Math.Min(3, seconds)), subscribers, readers: 0);
            var read = Calibration.MeasureFanOut(TimeSpan.FromSeconds(Math.Min(3, seconds)), subscribers, readers: 2);
            fanOutCeilings.Add(unread.SendmmsgPerCpuSecond);
            Console.WriteLine($"round {round}: {unread}");
            Console.WriteLine($"round {round}: {read}");
            foreach (var path in paths)
            {
                var r = Measure(path, subscribers, TimeSpan.FromSeconds(seconds), slots, dontFragment);
                results[path].Add(r.PerCpuSecond);
                Console.WriteLine(FormattableString.Invariant(
                    $"round {round}: {path,-18} {r.Datagrams,9} datagrams, {r.PerCpuSecond,9:0}/CPU-s = {100 * r.PerCpuSecond / ceiling.SendtoPerCpuSecond,5:0.0}% of the ceiling; per datagram: routing {r.RoutingNs,6:0} ns, workers {r.WorkerNs,6:0} ns; sendmmsg batch {r.Batch,5:0.0}; failures {r.Failures}"));
                Console.WriteLine(FormattableString.Invariant(
                    $"round {round}: {path,-18} = {100 * r.PerCpuSecond / unread.SendmmsgPerCpuSecond,5:0.0}% of the unread sendmmsg fan-out ceiling ({unread.SendmmsgPerCpuSecond:0}/CPU-s)"));
            }
        }
        double medianCeiling = Median(ceilings);
        double medianFanOut = Median(fanOutCeilings);
        Console.WriteLine(FormattableString.Invariant($"median sendto ceiling {medianCeiling:0}/CPU-s; load average {File.ReadAllText("/proc/loadavg").Trim()}"));
        Console.WriteLine(FormattableString.Invariant($"median unread sendmmsg fan-out ceiling {medianFanOut:0}/CPU-s"));
        foreach (var (path, list) in results)
        {
            double m = Median(list);
            Console.WriteLine(FormattableString.Invariant($"{path,-18} median {m,9:0} datagrams/CPU-s = {100 * m / medianCeiling,5:0.0}% of the median ceiling (min {list.Min():0}, max {list.Max():0})"));
            Console.WriteLine(FormattableString.Invariant($"{path,-18} median = {100 * m / medianFanOut,5:0.0}% of the median unread sendmmsg fan-out ceiling"));
        }
        return 0;
    }

    private static double Median(List<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length == 0 ? 0 : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private readonly record struct PathResult(long Datagrams, double PerCpuSecond, double RoutingNs, double WorkerNs, double Batch, long Failures);

    private static PathResult Measure(SendPath path, int subscribers, TimeSpan duration, int slots, bool dontFragment)
    {
        var bench = new SocketFanOutBenchmarks { Path = path, Subscribers = subscribers, Slots = slots, DontFragment = dontFragment };
        bench.Setup();
        try
        {
            var sink = new byte[2048];
            void Drain()
            {
                foreach (var r in bench.Receivers)
                {
                    while (r.Available > 0) r.Receive(sink);
                }
            }
            Drain();
            long sent0 = bench.Endpoint.DatagramsSent, failures0 = bench.Endpoint.SendFailures, calls0 = bench.Endpoint.SendCalls;
            long workers0 = ThreadsCpuNanoseconds("mediacore-udp-t");
            long routing = 0;
            var wall = System.Diagnostics.Stopwatch.StartNew();
            while (wall.Elapsed < duration)
            {
                long c0 = ThreadCpuNanoseconds();
                long target = bench.Route();
                routing += ThreadCpuNanoseconds() - c0;
                bench.WaitSent(target);
                // Read every datagram before the next round, as the sites do: the kernel's buffers for the 500 queues
                // then stay few and warm (letting 50 rounds pile up costs the sender about a microsecond more per
                // datagram in cold skb memory, and is not what a server sees).
                Drain();

            }
            long workers = ThreadsCpuNanoseconds("mediacore-udp-t") - workers0;
            long sent = bench.Endpoint.DatagramsSent - sent0;
            long calls = bench.Endpoint.SendCalls - calls0;
            double cpuSeconds = (routing + workers) / 1e9;
            return new PathResult(sent, sent / cpuSeconds, routing / (double)sent, workers / (double)sent,
                calls > 0 ? sent / (double)calls : 0, bench.Endpoint.SendFailures - failures0);
        }
        finally
        {
            bench.Cleanup();
        }
    }
}
