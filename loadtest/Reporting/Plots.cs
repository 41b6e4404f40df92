namespace MediaCore.LoadTest.Reporting;

/// <summary>PNG plots of the per-second series (ScottPlot).</summary>
internal static class Plots
{
    public static IReadOnlyList<string> Write(LoadTestReport report, string dir)
    {
        Directory.CreateDirectory(dir);
        var t = report.Series.Select(s => s.T).ToArray();
        if (t.Length < 2) return [];
        var files = new List<string>
        {
            One(dir, "loss.png", "Packet loss after RTX (%)", "loss %", t, ("loss", report.Series.Select(s => s.LossPercent).ToArray())),
            One(dir, "delay.png", "End-to-end delay (ms)", "ms", t,
                ("p50", report.Series.Select(s => s.DelayP50Ms).ToArray()), ("p99", report.Series.Select(s => s.DelayP99Ms).ToArray()),
                ("jitter p99", report.Series.Select(s => s.JitterP99Ms).ToArray())),
            One(dir, "cpu.png", "CPU (% of one core)", "%", t,
                ("MediaServer", report.Series.Select(s => s.ServerCpuPercent).ToArray()),
                ("load generator", report.Series.Select(s => s.LoadgenCpuPercent).ToArray())),
            One(dir, "sites.png", "Sites receiving media", "sites", t, ("receiving", report.Series.Select(s => (double)s.SitesReceiving).ToArray())),
        };
        return files;
    }

    private static string One(string dir, string file, string title, string yLabel, double[] x, params (string Label, double[] Y)[] lines)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (label, y) in lines)
        {
            var s = plot.Add.Scatter(x, y);
            s.LegendText = label;
            s.MarkerSize = 0;
        }
        plot.Title(title);
        plot.XLabel("seconds");
        plot.YLabel(yLabel);
        plot.ShowLegend();
        string path = Path.Combine(dir, file);
        plot.SavePng(path, 900, 400);
        return path;
    }
}
