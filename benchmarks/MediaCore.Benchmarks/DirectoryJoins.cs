using System.Diagnostics;
using MediaCore.Server.Cluster;
using StackExchange.Redis;

namespace MediaCore.Benchmarks;

/// <summary>
/// Joins per second the cluster directory writes to a real Redis (not a BenchmarkDotNet run: the figure is end-to-end through
/// the network and Redis). Each simulated node writes its joins one after the other, as its directory write loop does; nodes
/// run side by side. Usage:
/// <c>dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- directory-joins 127.0.0.1:6390 [joins=20000] [nodes=3]</c>.
/// It writes into keys of rooms named <c>bench-*</c> and deletes them afterwards (leaves).
/// </summary>
internal static class DirectoryJoins
{
    public static async Task<int> RunAsync(string[] args)
    {
        string redis = args.Length > 1 ? args[1] : "127.0.0.1:6390";
        int joins = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
        int nodes = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = mux.GetDatabase();
        var entries = Enumerable.Range(0, joins).Select(i => (Room: $"bench-{i % 500}", Entry: new DirectoryEntry($"node-{i % nodes}", $"site:{i}",
            $"s{i:D8}", "audience", "subscriber", null, DateTimeOffset.UtcNow))).ToList();
        var perNode = entries.GroupBy(e => e.Entry.Node).ToList();

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(perNode.Select(async g => { foreach (var (room, e) in g) await ClusterDirectory.WriteJoinAsync(db, room, e); }));
        double joinSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        await Task.WhenAll(perNode.Select(async g => { foreach (var (room, e) in g) await ClusterDirectory.WriteLeaveAsync(db, room, e); }));
        double leaveSeconds = clock.Elapsed.TotalSeconds;
        foreach (var room in entries.Select(e => e.Room).Distinct()) await db.SetRemoveAsync("mc:rooms", room);
        for (int n = 0; n < nodes; n++) await db.KeyDeleteAsync($"mc:node:node-{n}:rooms");
        Console.WriteLine($"directory joins: {joins} joins from {nodes} nodes in {joinSeconds:F2} s = {joins / joinSeconds:F0} joins/s; " +
                          $"leaves {joins / leaveSeconds:F0}/s (Redis {redis}; load average {File.ReadAllText("/proc/loadavg").Trim()})");
        return 0;
    }
}
