using System.Text.Json;

namespace MediaCore.LoadTest.Reporting;

/// <summary>report.json and the summary table.</summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void WriteJson(LoadTestReport report, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(report, Json));
    }

    public static void PrintSummary(LoadTestReport r, TextWriter w)
    {
        var t = r.Totals;
        w.WriteLine();
        w.WriteLine($"== summary: {t.Peers} peers ({t.Publishers} publishers, {t.Subscribers} subscribers), {r.DurationSeconds:0} s ==");
        w.WriteLine($"receiving {t.Receiving}/{t.Subscribers}, failed {t.Failed}; packets received {t.PacketsReceived}, lost {t.Lost} ({t.LossPercent:0.####}%)");
        w.WriteLine($"NACKs sent {t.NacksSent}, RTX received {t.RtxReceived} (recovered {t.RtxRecovered}), PLIs sent {t.PlisSent}; publishers sent {t.PacketsSent} packets");
        w.WriteLine($"server CPU mean {t.ServerCpuPercentMean}% (max {t.ServerCpuPercentMax}%) of one core, RSS max {t.ServerRssMbMax} MB; load generator CPU mean {t.LoadgenCpuPercentMean}%; kernel UDP receive-buffer drops {t.UdpReceiveBufferDrops}");
        if (r.Throughput is { } tp)
        {
            string pct = tp.PercentOfCeiling is { } p ? $" = {p}% of the sendto ceiling per core" : "";
            string rxPct = tp.PeakRxPercentOfCeiling is { } q ? $" ({q}% of the ceiling)" : "";
            w.WriteLine($"server sent {tp.DatagramsPerSecond:0} datagrams/s (run mean), {tp.DatagramsPerCpuSecond:0} per server CPU-second{pct}; sites' peak receive rate {tp.PeakRxPerSecond:0} pkt/s{rxPct}");
            string steadyPct = tp.SteadyPercentOfCeiling is { } sp ? $" = {sp}% of the ceiling" : "";
            string batch = tp.DatagramsPerSendCall is { } bs ? $"; {bs:0.0} datagrams per send system call (sendmmsg batch)" : "";
            w.WriteLine($"steady state (second half): {tp.SteadyRxPerCpuSecond:0} packets received by the sites per server CPU-second{steadyPct}{batch}");
        }
        if (r.Calibration is { } cal) w.WriteLine($"calibration: {cal}");
        foreach (var n in r.Nodes ?? [])
            w.WriteLine($"node {n.Url}: {n.Subscribers} subscribers, CPU mean {n.CpuPercentMean}% (max {n.CpuPercentMax}%) of one core{(n.Pid is null ? " (process not found on this machine)" : "")}");
        w.WriteLine($"server's busiest thread: running {t.ServerHotThreadRunPercentMean}% of the time, waiting for a CPU {t.ServerHotThreadWaitPercentMean}% (steady state)");
        w.WriteLine($"{"per site",-16}{"n",6}{"p50",10}{"p95",10}{"p99",10}{"max",10}");
        foreach (var (name, d) in r.PerSite) w.WriteLine($"{name,-16}{d.Count,6}{d.P50,10:0.##}{d.P95,10:0.##}{d.P99,10:0.##}{d.Max,10:0.##}");
        if (r.Capacity is { } steps)
        {
            foreach (var s in steps)
            {
                string never = s.NeverJoined > 0 ? $", {s.NeverJoined} never joined (failed)" : "";
                w.WriteLine($"capacity {s.Sites,5} sites: loss {s.LossPercent}%, join p95 {s.JoinP95Ms} ms{never}, CPU {s.ServerCpuPercent}% -> {(s.Passed ? "pass" : "FAIL")}");
            }
            w.WriteLine($"capacity: largest passing count = {r.CapacityPassingSites?.ToString() ?? "none"}");
        }
        w.WriteLine(r.Verdict.Passed ? "verdict: PASS" : $"verdict: FAIL ({string.Join("; ", r.Verdict.Reasons)})");
    }
}
