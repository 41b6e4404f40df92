using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MediaCore.ControlPlane.Meetings;

namespace MediaCore.ControlPlane.Tests.Monitoring;

/// <summary>
/// The ControlPlane's /metrics against the real Prometheus (Debian's package), as MediaServer's is checked: the
/// ControlPlane process runs on a real port, Prometheus scrapes it, API latency, check-in ingest and webhook lag
/// move with real requests, and every PromQL expression of monitoring/grafana/dashboards/controlplane.json names
/// only metrics the ControlPlane exposes.
/// </summary>
public sealed partial class ControlPlaneMetricsTests
{
    private const string WebhookSecret = "metrics-test-webhook-secret";

    [Fact]
    public async Task Prometheus_ScrapesControlPlane_LatencyIngestAndWebhookLagMove_DashboardMatches()
    {
        string root = RepoRoot();
        string dll = Path.Combine(root, "ControlPlane", "MediaCore.ControlPlane", "bin", "Release", "net10.0", "MediaCore.ControlPlane.dll");
        Assert.True(File.Exists(dll), $"build the ControlPlane first: {dll} is missing");
        string dir = Directory.CreateTempSubdirectory("mediacore-cp-metrics-").FullName;
        int cpPort = FreeTcpPort(), promPort = FreeTcpPort();
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
                 {
                     dll, $"--urls=http://127.0.0.1:{cpPort}", $"--ControlPlane:SqlitePath={Path.Combine(dir, "cp.db")}",
                     "--ControlPlane:MediaTokenSecret=metrics-test-media-token-secret-0123456789", $"--ControlPlane:WebhookSecret={WebhookSecret}",
                     "--ControlPlane:SeedDemoData=true", "--ControlPlane:SeedHistoryMonths=0", "--ControlPlane:EnableSnapshotWorker=false",
                     "--ControlPlane:JwtSigningKey=metrics-test-jwt-signing-key-0123456789abcdef", "--Logging:LogLevel:Default=Warning",
                 })
            psi.ArgumentList.Add(a);
        using var controlPlane = Process.Start(psi)!;
        var log = new StringBuilder();
        controlPlane.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        controlPlane.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        controlPlane.BeginOutputReadLine();
        controlPlane.BeginErrorReadLine();
        using var cp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Process? prometheus = null;
        try
        {
            await WaitForAsync(async () =>
            {
                if (controlPlane.HasExited) throw new InvalidOperationException($"ControlPlane exited with {controlPlane.ExitCode}:\n{log}");
                return await TryGet(cp, "/healthz") == HttpStatusCode.OK;
            }, "ControlPlane healthy", TimeSpan.FromSeconds(120));

            var start = new ProcessStartInfo(Path.Combine(root, "scripts/start-prometheus.sh"), ["127.0.0.1:1", $"127.0.0.1:{promPort}", dir])
            {
                RedirectStandardOutput = true,
            };
            start.Environment["SCRAPE_INTERVAL"] = "1s";
            start.Environment["CONTROLPLANE_TARGET"] = $"127.0.0.1:{cpPort}";
            using (var script = Process.Start(start)!)
            {
                prometheus = Process.GetProcessById(int.Parse((await script.StandardOutput.ReadToEndAsync()).Trim()));
                await script.WaitForExitAsync();
            }
            using var prom = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{promPort}") };
            await WaitForAsync(async () => await TryGet(prom, "/-/ready") == HttpStatusCode.OK, "Prometheus ready");
            await WaitForAsync(async () => await QueryAsync(prom, "up{job=\"controlplane\"}") == 1, "first scrape of the ControlPlane");

            // An API call, a check-in from a demo attendance machine, a webhook that left MediaServer 2 s ago.
            var login = await (await cp.PostAsJsonAsync("/api/auth/login", new { userName = "admin", password = "Demo@2026" })).Content.ReadFromJsonAsync<JsonObject>();
            cp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)login!["token"]!);
            var village = (await cp.GetFromJsonAsync<JsonObject>("/api/sites?kind=village&pageSize=1"))!["items"]![0]!;
            var person = (await cp.GetFromJsonAsync<JsonObject>("/api/people?pageSize=1"))!["items"]![0]!;
            cp.DefaultRequestHeaders.Authorization = null;
            using (var checkIn = new HttpRequestMessage(HttpMethod.Post, "/api/attendance/events")
                   {
                       Content = JsonContent.Create(new { eventId = "metrics-1", personId = (int)person["id"]!, method = "face", occurredAt = DateTimeOffset.UtcNow.AddMinutes(-1) }),
                   })
            {
                checkIn.Headers.Add("X-Device-Key", $"demo-{(string)village["code"]!}-ATT");
                var response = await cp.SendAsync(checkIn);
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"check-in: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                @event = "participant_joined", room = "no-such-room", participantId = "site:1", role = "host", kind = "publisher",
                sessionId = "s1", at = DateTimeOffset.UtcNow.AddSeconds(-2).ToString("O"), nodeId = "county-1",
            });
            var hook = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } };
            hook.Headers.Add(WebhookEndpoints.SignatureHeader, WebhookEndpoints.Sign(body, WebhookSecret));
            Assert.Equal(HttpStatusCode.Accepted, (await cp.PostAsync("/api/webhooks/mediaserver", hook)).StatusCode);

            await WaitForAsync(async () => await QueryAsync(prom, "sum(controlplane_checkins_ingested_total{outcome=\"created\"})") >= 1, "check-in counted");
            await WaitForAsync(async () => await QueryAsync(prom, "sum(controlplane_webhook_lag_seconds_count{event=\"participant_joined\"})") >= 1, "webhook lag observed");
            Assert.True(await QueryAsync(prom, "sum(controlplane_webhook_lag_seconds_sum)") >= 1.5, "the webhook's 2 s lag is in the histogram");
            await WaitForAsync(async () => await QueryAsync(prom, "sum(controlplane_webhooks_total{event=\"participant_joined\",status=\"ignored\"})") >= 1,
                "webhook counted as ignored (unknown room): " + await cp.GetStringAsync("/metrics"));
            await WaitForAsync(async () => await QueryAsync(prom, "sum(http_request_duration_seconds_count{job=\"controlplane\",endpoint=~\".*auth/login\"})") >= 1,
                "login latency by endpoint");

            // Every dashboard expression names only series this ControlPlane exposes.
            string text = await cp.GetStringAsync("/metrics");
            var exposed = new HashSet<string>();
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal)) exposed.Add(MetricName().Match(line[7..]).Value);
                if (line.Length > 0 && line[0] != '#') exposed.Add(MetricName().Match(line).Value);
            }
            using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "monitoring/grafana/dashboards/controlplane.json")));
            int expressions = 0;
            foreach (var expr in Expressions(dashboard.RootElement))
            {
                expressions++;
                var names = MetricToken().Matches(expr).Select(m => m.Value).ToList();
                Assert.True(names.Count > 0, $"no metric in '{expr}'");
                foreach (var name in names)
                    Assert.True(exposed.Contains(name) || exposed.Contains(Regex.Replace(name, "_(bucket|count|sum)$", "")), $"'{name}' is not in /metrics ({expr})");
            }
            Assert.True(expressions >= 8, $"{expressions} expressions");
        }
        finally
        {
            if (prometheus is not null)
            {
                prometheus.Kill();
                await prometheus.WaitForExitAsync();
                prometheus.Dispose();
            }
            controlPlane.Kill(entireProcessTree: true);
            await controlPlane.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static IEnumerable<string> Expressions(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
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

    [GeneratedRegex(@"\b(controlplane|process|dotnet|http)_[a-zA-Z0-9_:]*")]
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
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for: {what}");
            await Task.Delay(200);
        }
    }

    private static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string RepoRoot()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "MediaCore.sln"))) dir = Path.GetDirectoryName(dir.TrimEnd('/'))!;
        return dir;
    }
}
