using MediaCore.LoadTest.Reporting;

namespace MediaCore.LoadTest.Tests;

/// <summary>
/// The load test's command line (README "Performance" commands are contracts) and how a capacity step is judged:
/// a site that never joins is a failed site, never a join time.
/// </summary>
public sealed class LoadTestOptionsTests
{
    [Fact]
    public void Parse_ReadmePlenaryCommand_ThreeCalibratedRuns()
    {
        var o = LoadTestOptions.Parse(["--server", "http://127.0.0.1:8080", "--token-secret", "s3cret",
            "--calibrate", "--sites", "500", "--scenario", "plenary", "--duration", "60", "--ramp", "25", "--repeat", "3", "--report", "report.json"]);
        Assert.Equal(new Uri("http://127.0.0.1:8080"), o.Server);
        Assert.Equal("s3cret", o.TokenSecret);
        Assert.True(o.Calibrate);
        Assert.Equal(500, o.Sites);
        Assert.Equal(Scenario.Plenary, o.Scenario);
        Assert.Equal(TimeSpan.FromSeconds(60), o.Duration);
        Assert.Equal(25, o.RampPerSecond);
        Assert.Equal(3, o.Repeat);
        Assert.Equal("report.json", o.ReportPath);
    }

    [Fact]
    public void Parse_ReadmeCapacityCommand_StepsOfAHundred()
    {
        var o = LoadTestOptions.Parse(["--server", "http://127.0.0.1:8080", "--token-secret", "s", "--calibrate", "--sites", "1000",
            "--scenario", "capacity", "--step", "100", "--step-duration", "10", "--ramp", "25", "--report", "capacity.json"]);
        Assert.Equal(Scenario.Capacity, o.Scenario);
        Assert.Equal(1000, o.Sites);
        Assert.Equal(100, o.Step);
        Assert.Equal(TimeSpan.FromSeconds(10), o.StepDuration);
        Assert.Equal(1, o.Repeat);
    }

    [Fact]
    public void Parse_Defaults_OneUncalibratedRunWithReconnect()
    {
        var o = LoadTestOptions.Parse(["--token-secret", "s"]);
        Assert.False(o.Calibrate);
        Assert.Equal(1, o.Repeat);
        Assert.True(o.Reconnect);
        Assert.Null(o.ServerPid);
        Assert.False(LoadTestOptions.Parse(["--token-secret", "s", "--no-reconnect"]).Reconnect);
        Assert.Equal(4242, LoadTestOptions.Parse(["--token-secret", "s", "--server-pid", "4242"]).ServerPid);
        Assert.Equal(Scenario.ListenIn, LoadTestOptions.Parse(["--token-secret", "s", "--scenario", "listen-in"]).Scenario);
    }

    [Theory]
    [InlineData("--sites", "abc", "--sites needs a whole number, not 'abc'")]
    [InlineData("--duration", "1m", "--duration needs a number, not '1m'")]
    [InlineData("--server", "127.0.0.1:8080", "--server needs an http(s) URL")]
    [InlineData("--scenario", "town-hall", "unknown scenario town-hall")]
    [InlineData("--repeat", "0", "--repeat must be 1..100")]
    [InlineData("--repeat", "101", "--repeat must be 1..100")]
    [InlineData("--sites", "0", "--sites must be at least 1")]
    [InlineData("--ramp", "0", "--ramp must be more than 0")]
    [InlineData("--step", "0", "--step must be at least 1")]
    public void Parse_BadValue_ClearErrorNamingTheOption(string option, string value, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--token-secret", "s", option, value]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Parse_RecordFlashBeep_ReadmeCommandsAndClearErrors()
    {
        var o = LoadTestOptions.Parse(["--token-secret", "s", "--sites", "1", "--duration", "60", "--record", "--flash-beep", "--composite-timeout", "600"]);
        Assert.True(o.Record && o.FlashBeep);
        Assert.Equal(TimeSpan.FromSeconds(600), o.CompositeTimeout);
        var plenary = LoadTestOptions.Parse(["--token-secret", "s", "--sites", "500", "--site-audio", "--record", "--recording-dir", "rec"]);
        Assert.True(plenary.Record && plenary.SiteAudio && !plenary.FlashBeep);
        Assert.Equal("rec", plenary.RecordingDownloadDir);
        Assert.Contains("drop --site-audio", Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--token-secret", "s", "--site-audio", "--record", "--flash-beep"])).Message);
        Assert.Contains("--questions 0", Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--token-secret", "s", "--scenario", "lecture", "--record", "--flash-beep"])).Message);
        Assert.Contains("not capacity", Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--token-secret", "s", "--scenario", "capacity", "--record"])).Message);
    }

    [Fact]
    public void Parse_MissingValueOrUnknownOption_ClearError()
    {
        Assert.Contains("--sites needs a value", Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--token-secret", "s", "--sites"])).Message);
        Assert.Contains("unknown option --site", Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--token-secret", "s", "--site", "5"])).Message);
    }

    [Fact]
    public void Evaluate_SiteThatNeverJoined_FailsTheStepAndIsNoJoinTime()
    {
        // 99 sites joined in 100-190 ms, one never did: the p95 is over the 99, and the step fails on the one.
        var joins = Enumerable.Range(0, 99).Select(i => (double?)(100 + i % 10 * 10)).Append(null).ToList();
        var step = CapacityStep.Evaluate(100, packetsExpected: 10_000, packetsLost: 0, joins, serverCpuPercent: 42.04);
        Assert.False(step.Passed);
        Assert.Equal(1, step.NeverJoined);
        Assert.InRange(step.JoinP95Ms, 100, 190);
        Assert.Equal(0, step.LossPercent);
        Assert.Equal(42, step.ServerCpuPercent);
    }

    [Theory]
    [InlineData(10_000, 0, 1900, true)]
    [InlineData(10_000, 100, 1900, true)]    // 1% loss is the limit, still a pass
    [InlineData(10_000, 101, 1900, false)]
    [InlineData(10_000, 0, 2100, false)]     // join p95 over 2 s
    [InlineData(0, 0, 100, false)]           // nothing flowed: 100% loss
    public void Evaluate_LossAndJoinLimits(long expected, long lost, double joinMs, bool passes)
    {
        var step = CapacityStep.Evaluate(10, expected, lost, Enumerable.Repeat((double?)joinMs, 10).ToList(), 10);
        Assert.Equal(passes, step.Passed);
        Assert.Equal(0, step.NeverJoined);
    }
}
