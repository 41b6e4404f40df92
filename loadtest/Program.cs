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

CalibrationResult? calibration = null;
if (options.Calibrate)
{
    Console.WriteLine("calibrating: loopback sendto ceiling (3 s) ...");
    calibration = Calibration.MeasureSendto(TimeSpan.FromSeconds(3));
    Console.WriteLine($"calibration: {calibration}");
    // The batched fan-out ceiling, to as many destinations as the run has sites, read the way the sites read (the kernel
    // work a read socket costs the sender included), then the same destinations unread (as the sendto ceiling's).
    int destinations = Math.Clamp(options.Sites, 64, 1000);
    Console.WriteLine($"calibrating: loopback sendmmsg fan-out ceiling to {destinations} sockets, read by {options.Workers} epoll threads, then unread (2 x 3 s) ...");
    calibration = calibration with
    {
        FanOut = Calibration.MeasureFanOut(TimeSpan.FromSeconds(3), destinations, options.Workers),
        FanOutUnread = Calibration.MeasureFanOut(TimeSpan.FromSeconds(3), destinations, readers: 0),
    };
    Console.WriteLine($"calibration (fan-out, read): {calibration.FanOut}");
    Console.WriteLine($"calibration (fan-out, unread): {calibration.FanOutUnread}");
}

var reports = new List<LoadTestReport>();
for (int run = 1; run <= options.Repeat && !cts.IsCancellationRequested; run++)
{
    if (options.Repeat > 1)
    {
        Console.WriteLine($"== run {run} of {options.Repeat} ==");
        // Let the previous run's sessions end on the server (DELETE, close_notify) before the next ramp.
        if (run > 1) await Task.Delay(TimeSpan.FromSeconds(5), cts.Token);
    }
    using var runner = new LoadTestRunner(options, Console.Out, calibration);
    LoadTestReport report;
    try
    {
        report = await runner.RunAsync(cts.Token);
    }
    catch (MediaCore.LoadTest.Recording.RecordingException e)
    {
        Console.Error.WriteLine($"loadtest: {e.Message}");
        return 1;
    }
    reports.Add(report);
    ReportWriter.PrintSummary(report, Console.Out);
    if (options.ReportPath is { } path)
    {
        string file = options.Repeat > 1 ? Path.ChangeExtension(path, null) + $"-run{run}" + Path.GetExtension(path) : path;
        ReportWriter.WriteJson(report, file);
        Console.WriteLine($"report: {file}");
        try
        {
            string plotDir = options.PlotDir ?? Path.GetDirectoryName(Path.GetFullPath(file))!;
            if (options.Repeat > 1) plotDir = Path.Combine(plotDir, $"run{run}");
            Directory.CreateDirectory(plotDir);
            foreach (var png in Plots.Write(report, plotDir)) Console.WriteLine($"plot: {png}");
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"plots skipped: {e.Message}");
        }
    }
}
if (options.Repeat > 1)
{
    RepeatSummary.Print(reports, Console.Out);
    if (calibration != null)
    {
        Console.WriteLine($"calibration: {calibration}");
        if (calibration.FanOut is { } fanOut) Console.WriteLine($"calibration (fan-out, read): {fanOut}");
        if (calibration.FanOutUnread is { } unread) Console.WriteLine($"calibration (fan-out, unread): {unread}");
    }
    if (options.ReportPath is { } path)
    {
        string file = Path.ChangeExtension(path, null) + "-repeat" + Path.GetExtension(path);
        File.WriteAllText(file, JsonSerializer.Serialize(new { calibration, runs = reports.Count, rows = RepeatSummary.Build(reports) }, ReportWriter.Json));
        Console.WriteLine($"repeat summary: {file}");
    }
}
return reports.Count > 0 && reports.All(r => r.Verdict.Passed) ? 0 : 1;
