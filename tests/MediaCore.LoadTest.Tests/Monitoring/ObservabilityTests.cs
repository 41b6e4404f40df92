using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MediaCore.LoadTest.Tests.Monitoring;

/// <summary>
/// /metrics against the real Prometheus (Debian's package): it scrapes the running MediaServer, the key
/// series exist and move while the load tester sends media; and every PromQL expression in the Grafana
/// dashboards names only metrics /metrics exposes. The MediaServer runs in this process and prometheus-net's registry is
/// process-wide, so the class runs in the collection xUnit runs alone, with a server of its own, and asserts the deltas of
/// its own run: no other test's sessions are counted at the same time.
/// </summary>
[Collection(IsolatedMetricsCollection.Name)]
public sealed partial class ObservabilityTests(MediaServerFixture server) : IClassFixture<MediaServerFixture>
{
    private static readonly string[] KeySeries =
    [
        "mediacore_rooms", "mediacore_participants", "mediacore_sessions", "mediacore_producers", "mediacore_consumers",
        "mediacore_udp_datagrams_received_total", "mediacore_udp_datagrams_sent_total", "mediacore_rtp_packets_sent_total",
        "mediacore_join_seconds_count", "mediacore_transport_outcomes_total", "mediacore_rtcp_jitter_seconds_count",
        "mediacore_forwarding_datagram_seconds_count", "mediacore_mixer_tick_seconds_count", "mediacore_threadpool_threads",
        "process_cpu_seconds_total",
    ];

    [Fact]
    public async Task Prometheus_ScrapesMediaServer_KeySeriesExistAndMoveWithMedia()
    {
        string root = RepoRoot();
        int port = FreeTcpPort();
        string data = Directory.CreateTempSubdirectory("mediacore-prom-test").FullName;
        var psi = new ProcessStartInfo(Path.Combine(root, "scripts/start-prometheus.sh"),
            [$"{server.BaseAddress.Host}:{server.BaseAddress.Port}", $"127.0.0.1:{port}", data])
        {
            RedirectStandardOutput = true,
        };
        psi.Environment["SCRAPE_INTERVAL"] = "1s";
        using var script = Process.Start(psi)!;
        int pid = int.Parse((await script.StandardOutput.ReadToEndAsync()).Trim());
        await script.WaitForExitAsync();
        using var prometheus = Process.GetProcessById(pid);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        try
        {
            await WaitForAsync(async () => (await TryGet(http, "/-/ready")) == HttpStatusCode.OK, "Prometheus ready");
            await WaitForAsync(async () => (await QueryAsync(http, "up{job=\"mediaserver\"}")) == 1, "first scrape of MediaServer");
            double before = await QueryAsync(http, "sum(mediacore_udp_datagrams_sent_total)") ?? 0;
            double ticksBefore = await QueryAsync(http, "sum(mediacore_mixer_tick_seconds_count)") ?? 0;
            double audioBefore = await QueryAsync(http, "sum(mediacore_rtp_packets_sent_total{kind=\"audio\"})") ?? 0;
            double videoBefore = await QueryAsync(http, "sum(mediacore_rtp_packets_sent_total{kind=\"video\"})") ?? 0;
            double joinsBefore = await QueryAsync(http, "sum(mediacore_join_seconds_count{kind=\"subscriber\"})") ?? 0;
            double connectedBefore = await QueryAsync(http, "sum(mediacore_transport_outcomes_total{outcome=\"connected\"})") ?? 0;

            using (var runner = new LoadTestRunner(server.Options(sites: 5, seconds: 4)))
            {
                var report = await runner.RunAsync();
                Assert.Equal(5, report.Totals.Receiving);
            }

            await WaitForAsync(async () => (await QueryAsync(http, "sum(mediacore_udp_datagrams_sent_total)") ?? 0) > before + 1000,
                "datagram counter moved");
            foreach (var series in KeySeries)
                Assert.True(await QueryAsync(http, $"count({series})") >= 1, $"{series} missing in Prometheus");
            // This run's own sessions: five subscribers joined, and at least their five transports and a publisher's connected.
            await WaitForAsync(async () => (await QueryAsync(http, "sum(mediacore_join_seconds_count{kind=\"subscriber\"})") ?? 0) - joinsBefore >= 5,
                "five subscriber joins observed");
            Assert.Equal(5, await QueryAsync(http, "sum(mediacore_join_seconds_count{kind=\"subscriber\"})") - joinsBefore);
            Assert.True(await QueryAsync(http, "sum(mediacore_transport_outcomes_total{outcome=\"connected\"})") - connectedBefore >= 6);
            Assert.True(await QueryAsync(http, "sum(mediacore_rtp_packets_sent_total{kind=\"video\"})") - videoBefore > 0);
            // Rooms are mixed by default: the plenary's Opus runs the mixer (a tick every 20 ms while anyone
            // sends) and every subscriber's audio is the mix, counted with the forwarded packets.
            await WaitForAsync(async () => (await QueryAsync(http, "sum(mediacore_mixer_tick_seconds_count)") ?? 0) > ticksBefore + 50,
                "mixer tick histogram moved");
            // A mixed room forwards no publisher audio: every audio packet sent is the mix. At least one second of it (50
            // packets) for one subscriber; how many seconds each of the five got depends on how fast they joined on a loaded
            // machine (the run's 4 s include the joins), so no more is asserted.
            double audioSent = 0;
            try
            {
                await WaitForAsync(async () => (audioSent = (await QueryAsync(http, "sum(mediacore_rtp_packets_sent_total{kind=\"audio\"})") ?? 0) - audioBefore) >= 50,
                    "mixed audio counted in mediacore_rtp_packets_sent_total{kind=\"audio\"}");
            }
            catch (TimeoutException e)
            {
                double videoSent = (await QueryAsync(http, "sum(mediacore_rtp_packets_sent_total{kind=\"video\"})") ?? 0) - videoBefore;
                double ticks = (await QueryAsync(http, "sum(mediacore_mixer_tick_seconds_count)") ?? 0) - ticksBefore;
                throw new TimeoutException($"{e.Message}: audio packets sent +{audioSent}, video +{videoSent}, mixer ticks +{ticks}", e);
            }
        }
        finally
        {
            prometheus.Kill();
            await prometheus.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Dashboards_EveryPromQlExpression_NamesOnlyExposedMetrics()
    {
        // Labelled families appear in /metrics once they have a child: let media flow first.
        using (var runner = new LoadTestRunner(server.Options(sites: 3, seconds: 2)))
            await runner.RunAsync();
        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri(server.BaseAddress, "/metrics"));
        var exposed = new HashSet<string>();
        foreach (var line in text.Split('\n'))
        {
            // A declared family counts too: the relay-link series (cluster only) have no child on a single node.
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal)) exposed.Add(MetricName().Match(line[7..]).Value);
            if (line.Length == 0 || line[0] == '#') continue;
            exposed.Add(MetricName().Match(line).Value);
        }

        string dir = Path.Combine(RepoRoot(), "monitoring/grafana/dashboards");
        // The ControlPlane's dashboard is checked against the ControlPlane's /metrics (ControlPlaneMetricsTests).
        var files = Directory.GetFiles(dir, "*.json").Where(f => !Path.GetFileName(f).StartsWith("controlplane", StringComparison.Ordinal)).ToArray();
        Assert.True(files.Length >= 4);
        int expressions = 0;
        foreach (var file in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var expr in Expressions(doc.RootElement))
            {
                expressions++;
                var names = MetricToken().Matches(expr).Select(m => m.Value).ToList();
                Assert.True(names.Count > 0, $"{Path.GetFileName(file)}: no metric in '{expr}'");
                foreach (var name in names) Assert.True(exposed.Contains(name), $"{Path.GetFileName(file)}: '{name}' is not in /metrics ({expr})");
            }
        }
        Assert.True(expressions > 20);
    }

    private static IEnumerable<string> Expressions(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            // A datasource template variable's "query" is a plugin id, not PromQL.
            if (e.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "datasource") yield break;
            foreach (var p in e.EnumerateObject())
            {
                if ((p.Name == "expr" || p.Name == "query") && p.Value.ValueKind == JsonValueKind.String) yield return p.Value.GetString()!;
                else foreach (var x in Expressions(p.Value)) yield return x;
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray()) foreach (var x in Expressions(item)) yield return x;
        }
    }

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\b(mediacore|process|dotnet|http)_[a-zA-Z0-9_:]*")]
    private static partial Regex MetricToken();

    private static async Task<double?> QueryAsync(HttpClient http, string promql)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(promql)}"));
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() == 0) return null;
        return double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<HttpStatusCode?> TryGet(HttpClient http, string path)
    {
        try
        {
            using var r = await http.GetAsync(path);
            return r.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Polls an external process's state (Prometheus scrapes on its own clock), at most 30 s.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(250);
        }
    }

    private static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MediaCore.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
