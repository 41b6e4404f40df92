using System.Diagnostics.Tracing;
using System.Globalization;

namespace MediaCore.Benchmarks;

/// <summary>
/// Where a fan-out's allocations come from, process-wide (routing thread, send workers, runtime): the runtime's
/// allocation-tick events (one per ~100 KB allocated) name the type being allocated when the tick fired.
/// <c>dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- fanout-alloc [subscribers=500] [fan-outs=3000] [path=ProtectOn2Workers]</c>
/// </summary>
public static class FanOutAllocations
{
    private sealed class Ticks : EventListener
    {
        public readonly Dictionary<string, int> ByType = [];

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (!e.EventName!.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
            int i = e.PayloadNames.IndexOf("TypeName");
            string type = i >= 0 ? e.Payload![i]?.ToString() ?? "?" : "?";
            lock (ByType) ByType[type] = ByType.GetValueOrDefault(type) + 1;
        }
    }

    /// <summary>
    /// BenchmarkDotNet's allocation measurement, reproduced: its diagnostic iteration reads
    /// <c>GC.GetTotalAllocatedBytes(precise: true)</c> after a forced <c>GC.Collect()</c> on each side of 128 invocations.
    /// Rounds of 128 fan-outs, once with the two forced collections and once without, printing every round that allocated
    /// anything and how much of it was the calling (routing) thread's.
    /// </summary>
    private static int MeasureLikeBenchmarkDotNet(SocketFanOutBenchmarks bench, int rounds)
    {
        foreach (bool collect in new[] { true, false })
        {
            int allocating = 0;
            long total = 0;
            for (int round = 0; round < rounds; round++)
            {
                if (collect) GC.Collect();
                long all0 = GC.GetTotalAllocatedBytes(precise: true), own0 = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 128; i++) bench.FanOut();
                if (collect) GC.Collect();
                long all = GC.GetTotalAllocatedBytes(precise: true) - all0, own = GC.GetAllocatedBytesForCurrentThread() - own0;
                if (all == 0) continue;
                allocating++;
                total += all;
                Console.WriteLine(FormattableString.Invariant($"  GC.Collect around the round {collect}: round {round}: {all} B in the process, {own} B on the routing thread"));
            }
            Console.WriteLine(FormattableString.Invariant($"GC.Collect around each round {collect}: {allocating} of {rounds} rounds of 128 fan-outs allocated, {total} B in all"));
        }
        return 0;
    }

    public static int Run(string[] args)
    {
        int subscribers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;
        int count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3000;
        var path = args.Length > 3 ? Enum.Parse<SendPath>(args[3]) : SendPath.ProtectOn2Workers;
        var bench = new SocketFanOutBenchmarks { Path = path, Subscribers = subscribers };
        bench.Setup();
        try
        {
            for (int i = 0; i < 500; i++) bench.FanOut();
            if (args.Length > 4 && args[4] == "iterations") return MeasureLikeBenchmarkDotNet(bench, count);
            // First without any listener (it allocates its own event objects), then with it if anything was allocated.
            long total0 = GC.GetTotalAllocatedBytes(precise: true);
            long thread0 = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < count; i++) bench.FanOut();
            long thread = GC.GetAllocatedBytesForCurrentThread() - thread0;
            long total = GC.GetTotalAllocatedBytes(precise: true) - total0;
            Console.WriteLine(FormattableString.Invariant(
                $"{path}, {subscribers} subscribers, {count} fan-outs: {total} B allocated in the process ({total / (double)count:0.0} B per fan-out), {thread} B of it on the routing thread"));
            if (total == 0) return 0;
            using var ticks = new Ticks();
            for (int i = 0; i < count; i++) bench.FanOut();
            lock (ticks.ByType) foreach (var (type, n) in ticks.ByType.OrderByDescending(kv => kv.Value)) Console.WriteLine($"  allocation ticks (~100 KB each): {n} x {type}");
        }
        finally
        {
            bench.Cleanup();
        }
        return 0;
    }
}
