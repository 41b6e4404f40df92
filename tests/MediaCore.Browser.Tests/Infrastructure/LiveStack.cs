using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace MediaCore.Browser.Tests.Infrastructure;

/// <summary>
/// The live pages' whole stack as a user meets it: MediaServer (in this process, fixed ports so it can be
/// restarted in place) sending signed webhooks to the ControlPlane (its own process, fresh SQLite, demo
/// data), which serves the built Portal. The ControlPlane listens on several loopback addresses
/// (127.0.0.1, .2, .3, ...): each is its own browser origin, so one Chromium holds several logins at once.
/// </summary>
public sealed class LiveStack : IAsyncDisposable
{
    public const string Password = "Demo@2026";
    private const string WebhookSecret = "browser-test-webhook-secret";
    private const int Origins = 5;

    private readonly Process _controlPlane;
    private readonly string _dir;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log;
    private readonly int _mediaHttpPort;
    private readonly int _mediaUdpPort;
    private readonly HttpClient _http;
    private readonly Dictionary<string, string> _tokens = [];

    private LiveStack(Process controlPlane, string dir, System.Collections.Concurrent.ConcurrentQueue<string> log, BrowserTestServer media,
        int cpPort, int mediaHttpPort, int mediaUdpPort)
    {
        _controlPlane = controlPlane;
        _dir = dir;
        _log = log;
        Media = media;
        CpPort = cpPort;
        _mediaHttpPort = mediaHttpPort;
        _mediaUdpPort = mediaUdpPort;
        _http = new HttpClient { BaseAddress = Origin(0), Timeout = TimeSpan.FromSeconds(30) };
    }

    public BrowserTestServer Media { get; private set; }
    public int CpPort { get; }

    /// <summary>The Portal at loopback address 127.0.0.(n+1): a distinct origin (own localStorage, own login).</summary>
    public Uri Origin(int n) => new($"http://127.0.0.{n + 1}:{CpPort}/");

    /// <summary>The ControlPlane's recent log lines, for failure messages.</summary>
    public string Log => string.Join("\n", _log.TakeLast(60));

    public static string RepositoryRoot()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MediaCore.sln"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        return root;
    }

    public static async Task<LiveStack> StartAsync()
    {
        string root = RepositoryRoot();
        string dll = Path.Combine(root, "ControlPlane", "MediaCore.ControlPlane", "bin", "Release", "net10.0", "MediaCore.ControlPlane.dll");
        Assert.True(File.Exists(dll), $"build the ControlPlane first: {dll} is missing");
        Assert.True(File.Exists(Path.Combine(root, "Portal", "dist", "index.html")), "build the Portal first: scripts/build-portal.sh (Portal/dist/index.html is missing)");

        int cpPort = FreeTcpPort(), mediaPort = FreeTcpPort(), udpPort = FreeUdpPort();
        string dir = Directory.CreateTempSubdirectory("mediacore-live-").FullName;
        var media = await StartMediaAsync(cpPort, mediaPort, udpPort, dir);
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string urls = string.Join(';', Enumerable.Range(1, Origins).Select(i => $"http://127.0.0.{i}:{cpPort}"));
        foreach (var a in new[]
                 {
                     dll, $"--urls={urls}", $"--ControlPlane:SqlitePath={Path.Combine(dir, "cp.db")}",
                     $"--ControlPlane:MediaTokenSecret={BrowserTestServer.Secret}", $"--ControlPlane:WebhookSecret={WebhookSecret}",
                     $"--ControlPlane:MediaServerUrl=http://127.0.0.1:{mediaPort}", "--ControlPlane:SeedHistoryMonths=1",
                     "--ControlPlane:EnableSnapshotWorker=false", "--ControlPlane:LoginAttemptsPerMinute=1000", "--ControlPlane:SeedDemoData=true",
                     // Lectures only: the plenaries of the console tests are not recorded (no ffmpeg composites competing for the CPU).
                     "--ControlPlane:Recording:AutoStartKinds=lecture",
                     "--ControlPlane:Playback:PollSeconds=1", $"--ControlPlane:Playback:PublicBaseUrl=http://127.0.0.1:{cpPort}",
                     $"--ControlPlane:PortalPath={Path.Combine(root, "Portal", "dist")}",
                     "--Logging:LogLevel:Default=Warning",
                 })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data != null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var stack = new LiveStack(process, dir, log, media, cpPort, mediaPort, udpPort);
        using var probe = new HttpClient { BaseAddress = stack.Origin(0), Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(120); // the first start migrates and seeds the demo county
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"ControlPlane exited with {process.ExitCode}:\n{stack.Log}");
            try
            {
                using var r = await probe.GetAsync("/healthz");
                if (r.IsSuccessStatusCode) return stack;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        await stack.DisposeAsync();
        throw new TimeoutException("ControlPlane did not become healthy within 120 s");
    }

    private static Task<BrowserTestServer> StartMediaAsync(int cpPort, int httpPort, int udpPort, string dir) => BrowserTestServer.StartAsync(null,
        $"--urls=http://127.0.0.1:{httpPort}", $"--MediaServer:UdpPort={udpPort}", $"--MediaServer:Recording:Directory={Path.Combine(dir, "recordings")}",
        $"--MediaServer:Webhooks:Url=http://127.0.0.1:{cpPort}/api/webhooks/mediaserver", $"--MediaServer:Webhooks:Secret={WebhookSecret}",
        // SIP terminals checked against the ControlPlane at every REGISTER and INVITE (no cache), as SipRevocationTests needs.
        "--MediaServer:Sip:Port=0", $"--MediaServer:Sip:AccountsUrl=http://127.0.0.1:{cpPort}/api/media/sip-accounts", "--MediaServer:Sip:AccountCacheTtl=00:00:00");

    /// <summary>Stops MediaServer (every session gone, as in a crash of the process) and returns when it is down.</summary>
    public async Task StopMediaAsync() => await Media.DisposeAsync();

    /// <summary>Starts MediaServer again on the same HTTP and UDP ports; returns when it answers.</summary>
    public async Task RestartMediaAsync() => Media = await StartMediaAsync(CpPort, _mediaHttpPort, _mediaUdpPort, _dir);

    /// <summary>A ControlPlane session token for a demo user (cached).</summary>
    public async Task<string> TokenAsync(string user)
    {
        if (_tokens.TryGetValue(user, out var t)) return t;
        var body = await LoginAsync(user);
        return _tokens[user] = (string)body["token"]!;
    }

    private async Task<JsonNode> LoginAsync(string user)
    {
        using var resp = await _http.PostAsJsonAsync("/api/auth/login", new { userName = user, password = Password });
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"login {user}: {resp.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> GetAsync(string user, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(user));
        using var resp = await _http.SendAsync(request);
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"GET {path} as {user}: {resp.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>POSTs a multipart form (fields and one file) as <paramref name="user"/>; returns the status and the JSON body.</summary>
    public async Task<(int Status, JsonNode Body)> PostFileAsync(string user, string path, IReadOnlyDictionary<string, string> fields, string fileField, string filePath)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (k, v) in fields) form.Add(new StringContent(v), k);
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(filePath));
        form.Add(file, fileField, Path.GetFileName(filePath));
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(user));
        using var resp = await _http.SendAsync(request);
        return ((int)resp.StatusCode, JsonNode.Parse(await resp.Content.ReadAsStringAsync())!);
    }

    /// <summary>GET as <paramref name="user"/>, returning the status only.</summary>
    public async Task<int> StatusAsync(string user, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(user));
        using var resp = await _http.SendAsync(request);
        return (int)resp.StatusCode;
    }

    public async Task<JsonNode> PostAsync(string user, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(user));
        using var resp = await _http.SendAsync(request);
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"POST {path} as {user}: {resp.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Schedules a meeting starting now (a lecture: taught by <paramref name="lecturerUserId"/>); returns (id, room).</summary>
    public async Task<(int Id, string Room)> ScheduleAsync(string user, int siteId, string kind, string title, int? lecturerUserId = null)
    {
        var m = await PostAsync(user, "/api/meetings", new { siteId, kind, title, scheduledStart = DateTimeOffset.UtcNow, lecturerUserId });
        return ((int)m["id"]!, (string)m["room"]!);
    }

    /// <summary>Id of a site by its exact name.</summary>
    public async Task<int> SiteIdAsync(string name)
    {
        var sites = await GetAsync("admin", $"/api/sites?q={Uri.EscapeDataString(name)}&pageSize=50");
        var items = sites is JsonArray a ? a : sites["items"]!.AsArray();
        return (int)items.First(s => (string?)s!["name"] == name)!["id"]!;
    }

    /// <summary>The county site's id.</summary>
    public async Task<int> CountyIdAsync()
    {
        var sites = await GetAsync("admin", "/api/sites?kind=county");
        var items = sites is JsonArray a ? a : sites["items"]!.AsArray();
        return (int)items[0]!["id"]!;
    }

    /// <summary>A demo village operator's user name and site id, the n-th of the pilot sub-district (锦水街道).</summary>
    public async Task<(string User, int SiteId, string SiteName)> VillageOperatorAsync(int n)
    {
        string user = $"jinshui{n:00}";
        var me = await GetAsync(user, "/api/auth/me");
        return (user, (int)me["siteId"]!, (string?)me["siteName"] ?? user);
    }

    /// <summary>
    /// A page of the Portal at <paramref name="path"/>, logged in as <paramref name="user"/> on its own origin
    /// <paramref name="origin"/> (the session goes into localStorage exactly as the login page stores it).
    /// </summary>
    public async Task<IPage> OpenAsync(ChromiumSession chromium, int origin, string user, string path, int width = 1920, int height = 1080)
    {
        var login = await LoginAsync(user);
        var page = await chromium.Context.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        page.Console += (_, msg) => { if (msg.Type == "error") _log.Enqueue($"[browser {user}] {msg.Text}"); };
        await page.GotoAsync(new Uri(Origin(origin), "/login").ToString());
        string session = JsonSerializer.Serialize(new { token = (string)login["token"]!, expiresAt = (string)login["expiresAt"]!, user = login["user"] });
        await page.EvaluateAsync("s => localStorage.setItem('mediacore.portal.session', s)", session);
        await page.GotoAsync(new Uri(Origin(origin), path).ToString());
        return page;
    }

    /// <summary>Writes a screenshot to docs/screenshots/<paramref name="name"/>.png (committed; the README shows them).</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        string dir = Path.Combine(RepositoryRoot(), "docs", "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png") });
    }

    /// <summary>Picks the meeting titled <paramref name="title"/> in a live page's meeting selector.</summary>
    public static async Task SelectMeetingAsync(IPage page, string title)
    {
        await page.Locator(".toolbar .el-select").First.ClickAsync();
        await page.Locator(".el-select-dropdown__item", new() { HasText = title }).First.ClickAsync();
    }

    /// <summary>Leaves the pages as a user closing them would (pagehide: the sessions DELETE their resources).</summary>
    public static async Task LeaveAsync(params IPage[] pages)
    {
        foreach (var page in pages) await page.GotoAsync("about:blank");
    }

    /// <summary>Polls <paramref name="condition"/> until true or <paramref name="timeout"/>; fails with <paramref name="what"/> and the log.</summary>
    public async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(300);
        }
        Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for: {what}\nControlPlane/browser log:\n{Log}");
    }

    private static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_controlPlane.HasExited) _controlPlane.Kill(entireProcessTree: true);
        await _controlPlane.WaitForExitAsync();
        _controlPlane.Dispose();
        try { await Media.DisposeAsync(); } catch (ObjectDisposedException) { }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
