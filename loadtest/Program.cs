using System.Text.Json;
using MediaCore.LoadTest;
using MediaCore.LoadTest.Reporting;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(LoadTestOptions.Usage);
    return 0;
}

LoadTestOptions options;
try
{
    options = LoadTestOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"loadtest: {e.Message}");
    Console.Error.WriteLine(LoadTestOptions.Usage);
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
using var runner = new LoadTestRunner(options, Console.Out);
var report = await runner.RunAsync(cts.Token);
ReportWriter.PrintSummary(report, Console.Out);
if (options.ReportPath is { } path)
{
    ReportWriter.WriteJson(report, path);
    Console.WriteLine($"report: {path}");
    try
    {
        foreach (var png in Plots.Write(report, options.PlotDir ?? Path.GetDirectoryName(Path.GetFullPath(path))!)) Console.WriteLine($"plot: {png}");
    }
    catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or InvalidOperationException)
    {
        Console.Error.WriteLine($"plots skipped: {e.Message}");
    }
}
return report.Verdict.Passed ? 0 : 1;
