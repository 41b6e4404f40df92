using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using MediaCore.Browser.Tests.Infrastructure;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Issue 4's snapshot check across the real pieces: the ControlPlane (its own process, SQLite, demo data),
/// MediaServer, and a Chromium village terminal. The village operator gets a media token from the
/// ControlPlane, publishes its camera into the meeting's room, MediaServer's signed webhook marks the site
/// live, an attendance machine checks someone in, and the check-in gets a JPEG of the published size.
/// </summary>
public sealed class ControlPlaneSnapshotTests
{
    private const string WebhookSecret = "browser-test-webhook-secret";
    private const string Password = "Demo@2026";

    [Fact]
    public async Task CheckIn_SiteLiveInMeeting_GetsJpegOfThePublishedVideo()
    {
        int cpPort = FreeTcpPort();
        var cpUrl = new Uri($"http://127.0.0.1:{cpPort}/");
        await using var media = await BrowserTestServer.StartAsync(null,
            $"--MediaServer:Webhooks:Url={cpUrl}api/webhooks/mediaserver", $"--MediaServer:Webhooks:Secret={WebhookSecret}");
        await using var controlPlane = await ControlPlaneProcess.StartAsync(cpUrl, media.BaseAddress);
        using var http = new HttpClient { BaseAddress = cpUrl };

        // The 东关村 operator (demo account jinshui01 .. for the pilot's villages) schedules a meeting now.
        var admin = await LoginAsync(http, "admin");
        var sites = await GetJsonAsync(http, admin, "/api/sites?q=东关村");
        int siteId = (int)sites["items"]![0]!["id"]!;
        var operatorName = await FindOperatorAsync(http, admin, siteId);
        var op = await LoginAsync(http, operatorName);
        var meeting = await PostJsonAsync(http, op, "/api/meetings",
            new { siteId, kind = "partyMemberAssembly", title = "浏览器快照测试", scheduledStart = DateTimeOffset.UtcNow });
        string room = (string)meeting["room"]!;
        var token = await PostJsonAsync(http, op, "/api/media-tokens", new { room, role = "host" });

        await using var chromium = await ChromiumSession.LaunchAsync();
        var page = await chromium.OpenPageAsync(media.BaseAddress);
        var publish = await page.PublishAsync($"/whip/{room}", (string)token["token"]!);
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");
        await page.WaitForStatsAsync(publish.Handle, s => s.Outbound.Any(x => x.Kind == "video" && x.FrameWidth == 640), TimeSpan.FromSeconds(15));

        var people = await GetJsonAsync(http, admin, $"/api/people?siteId={siteId}");
        int personId = (int)people["items"]![0]!["id"]!;
        var devices = await GetJsonAsync(http, admin, $"/api/sites/{siteId}/devices");
        var deviceList = devices is JsonArray array ? array : devices["items"]!.AsArray();
        string code = (string)deviceList.First(d => ((string?)d!["code"])?.EndsWith("-ATT") == true)!["code"]!;

        // The webhook may still be on its way: the ControlPlane snapshots only sites it knows are live.
        long checkInId = 0;
        JsonNode? detail = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (checkInId == 0 || SnapshotIds(detail).Count == 0)
            {
                var device = new HttpRequestMessage(HttpMethod.Post, "/api/attendance/events")
                {
                    Content = JsonContent.Create(new { eventId = $"e2e-{Guid.NewGuid():N}", personId, method = "face", occurredAt = DateTimeOffset.UtcNow }),
                };
                device.Headers.Add("X-Device-Key", "demo-" + code);
                using var posted = await http.SendAsync(device);
                Assert.True(posted.IsSuccessStatusCode, $"check-in failed: {posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
                checkInId = (long)JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["id"]!;
            }
            await Task.Delay(1000);
            detail = await GetJsonAsync(http, admin, $"/api/attendance/events/{checkInId}");
            if (SnapshotIds(detail).Count > 0) break;
        }
        var ids = SnapshotIds(detail);
        Assert.True(ids.Count > 0, $"no snapshot linked to check-in {checkInId}: {detail?.ToJsonString()}\nControlPlane log:\n{controlPlane.Log}");
        var image = new HttpRequestMessage(HttpMethod.Get, $"/api/snapshots/{ids[0]}");
        image.Headers.Authorization = admin;
        using var jpeg = await http.SendAsync(image);
        Assert.Equal("image/jpeg", jpeg.Content.Headers.ContentType?.MediaType);
        Assert.True(SnapshotTests.TryReadJpegSize(await jpeg.Content.ReadAsByteArrayAsync(), out int width, out int height));
        Assert.Equal((640, 480), (width, height));
    }

    /// <summary>The check-in's snapshot ids, wherever the detail puts them (flat or under <c>checkIn</c>).</summary>
    private static List<long> SnapshotIds(JsonNode? detail)
    {
        var ids = detail?["snapshotIds"] ?? detail?["checkIn"]?["snapshotIds"];
        return ids?.AsArray().Select(x => (long)x!).ToList() ?? [];
    }

    private static async Task<string> FindOperatorAsync(HttpClient http, AuthenticationHeaderValue admin, int siteId)
    {
        var users = await GetJsonAsync(http, admin, "/api/users?pageSize=500");
        static string Norm(string? role) => (role ?? "").Replace("_", "").ToLowerInvariant();
        var user = users["items"]!.AsArray().First(u => Norm((string?)u!["role"]) == "villageoperator" && (int?)u["siteId"] == siteId);
        return (string)user!["userName"]!;
    }

    private static async Task<AuthenticationHeaderValue> LoginAsync(HttpClient http, string user)
    {
        using var resp = await http.PostAsJsonAsync("/api/auth/login", new { userName = user, password = Password });
        Assert.True(resp.IsSuccessStatusCode, $"login {user}: {resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
        var body = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        return new AuthenticationHeaderValue("Bearer", (string)body["token"]!);
    }

    private static async Task<JsonNode> GetJsonAsync(HttpClient http, AuthenticationHeaderValue auth, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = auth;
        using var resp = await http.SendAsync(request);
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"GET {path}: {resp.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<JsonNode> PostJsonAsync(HttpClient http, AuthenticationHeaderValue auth, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = auth;
        using var resp = await http.SendAsync(request);
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"POST {path}: {resp.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>The built ControlPlane as a real process on a fresh SQLite file, sharing MediaServer's secrets.</summary>
internal sealed class ControlPlaneProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log;

    private ControlPlaneProcess(Process process, string dir, System.Collections.Concurrent.ConcurrentQueue<string> log)
        => (_process, _dir, _log) = (process, dir, log);

    /// <summary>What the process logged (warnings and up), for failure messages.</summary>
    public string Log => string.Join("\n", _log.TakeLast(60));

    /// <summary>The repository root (where MediaCore.sln is).</summary>
    public static string RepositoryRoot()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MediaCore.sln"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        return root;
    }

    /// <summary>Starts it; it also serves the repository's built Portal (Portal/dist) at "/".</summary>
    public static async Task<ControlPlaneProcess> StartAsync(Uri url, Uri mediaServer, params string[] extraArgs)
    {
        string root = RepositoryRoot();
        string dll = Path.Combine(root, "ControlPlane", "MediaCore.ControlPlane", "bin", "Release", "net10.0", "MediaCore.ControlPlane.dll");
        Assert.True(File.Exists(dll), $"build the ControlPlane first: {dll} is missing");
        string dir = Directory.CreateTempSubdirectory("mediacore-cp-").FullName;
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
                 {
                     dll, $"--urls={url.ToString().TrimEnd('/')}", $"--ControlPlane:SqlitePath={Path.Combine(dir, "cp.db")}",
                     $"--ControlPlane:MediaTokenSecret={BrowserTestServer.Secret}", "--ControlPlane:WebhookSecret=browser-test-webhook-secret", "--ControlPlane:SeedDemoData=true",
                     $"--ControlPlane:MediaServerUrl={mediaServer.ToString().TrimEnd('/')}", "--Logging:LogLevel:Default=Information", "--Logging:LogLevel:Microsoft.EntityFrameworkCore=Warning", "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
                     $"--ControlPlane:PortalPath={Path.Combine(root, "Portal", "dist")}",
                 }.Concat(extraArgs))
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data != null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90); // first start migrates and seeds the demo county
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"ControlPlane exited with {process.ExitCode}");
            try
            {
                using var r = await http.GetAsync("/healthz");
                if (r.IsSuccessStatusCode) return new ControlPlaneProcess(process, dir, log);
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("ControlPlane did not become healthy within 90 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
