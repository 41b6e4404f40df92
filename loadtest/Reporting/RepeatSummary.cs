namespace MediaCore.LoadTest.Reporting;

/// <summary>Min / median / max of the headline figures over <c>--repeat N</c> runs of one scenario.</summary>
public static class RepeatSummary
{
    /// <summary>The figures compared across runs, with how to read each from a report.</summary>
    private static readonly (string Name, Func<LoadTestReport, double> Value)[] Figures =
    [
        ("subscribers receiving", r => r.Totals.Receiving),
        ("failed peers", r => r.Totals.Failed),
        ("loss after RTX %", r => r.Totals.LossPercent),
        ("join p95 ms", r => r.PerSite["joinMs"].P95),
        ("delay p50 ms (median site)", r => r.PerSite["delayP50Ms"].P50),
        ("delay p99 ms (p99 over sites)", r => r.PerSite["delayP99Ms"].P99),
        ("jitter p99 ms (over sites)", r => r.PerSite["jitterMs"].P99),
        ("NACKs sent", r => r.Totals.NacksSent),
        ("RTX received", r => r.Totals.RtxReceived),
        ("kernel UDP drops", r => r.Totals.UdpReceiveBufferDrops),
        ("server CPU % (steady mean)", r => r.Totals.ServerCpuPercentMean),
        ("server datagrams/s (run mean)", r => r.Throughput?.DatagramsPerSecond ?? 0),
        ("server datagrams per CPU-s", r => r.Throughput?.DatagramsPerCpuSecond ?? 0),
        ("  as % of sendto ceiling", r => r.Throughput?.PercentOfCeiling ?? 0),
        ("  as % of sendmmsg fan-out ceiling", r => r.Throughput?.PercentOfFanOutCeiling ?? 0),
        ("sites' peak rx pkt/s", r => r.Throughput?.PeakRxPerSecond ?? 0),
    ];

    public sealed record Row(string Figure, double Min, double Median, double Max, IReadOnlyList<double> Runs);

    public static IReadOnlyList<Row> Build(IReadOnlyList<LoadTestReport> reports)
    {
        var rows = new List<Row>();
        foreach (var (name, value) in Figures)
        {
            var runs = reports.Select(value).ToList();
            var sorted = runs.OrderBy(x => x).ToList();
            double median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
            rows.Add(new Row(name, sorted[0], Math.Round(median, 3), sorted[^1], runs));
        }
        return rows;
    }

    public static void Print(IReadOnlyList<LoadTestReport> reports, TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"== {reports.Count} runs: min / median / max ==");
        w.WriteLine($"{"figure",-32}{"min",12}{"median",12}{"max",12}   runs");
        foreach (var row in Build(reports))
            w.WriteLine(FormattableString.Invariant($"{row.Figure,-32}{row.Min,12:0.###}{row.Median,12:0.###}{row.Max,12:0.###}   {string.Join(" ", row.Runs.Select(v => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)))}"));
        int passed = reports.Count(r => r.Verdict.Passed);
        w.WriteLine($"verdicts: {passed} of {reports.Count} runs PASS");
    }
}
