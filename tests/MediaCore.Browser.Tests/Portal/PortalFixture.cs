using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using MediaCore.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MediaCore.Browser.Tests.Portal;

/// <summary>
/// The real ControlPlane process (SQLite, Pingyin demo data, the built Portal at "/") and one headless
/// Chromium, shared by the Portal tests. Each test opens its own page at 1920x1080 and logs in through the
/// login form. Screenshots go to docs/screenshots/ (committed; the README shows them).
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string Password = "Demo@2026";

    private ControlPlaneProcess? _controlPlane;
    private ChromiumSession? _chromium;

    public Uri Url { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public ChromiumSession Chromium => _chromium!;
    public string Log => _controlPlane?.Log ?? "";
    public static string ScreenshotDir => Path.Combine(ControlPlaneProcess.RepositoryRoot(), "docs", "screenshots");

    public async Task InitializeAsync()
    {
        string index = Path.Combine(ControlPlaneProcess.RepositoryRoot(), "Portal", "dist", "index.html");
        Assert.True(File.Exists(index), $"build the Portal first (scripts/build-portal.sh; test.sh does): {index} is missing");
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)l.LocalEndpoint).Port}/");
        }
        // No MediaServer in these tests: snapshots and live state are not needed; its URL answers nothing.
        _controlPlane = await ControlPlaneProcess.StartAsync(Url, new Uri("http://127.0.0.1:9/"), "--ControlPlane:EnableSnapshotWorker=false",
            "--ControlPlane:Sip:Server=192.0.2.10");
        Http = new HttpClient { BaseAddress = Url };
        _chromium = await ChromiumSession.LaunchAsync();
        Directory.CreateDirectory(ScreenshotDir);
    }

    public async Task DisposeAsync()
    {
        if (_chromium is not null) await _chromium.DisposeAsync();
        if (_controlPlane is not null) await _controlPlane.DisposeAsync();
        Http?.Dispose();
    }

    /// <summary>A fresh page at 1920x1080 on the login form.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var page = await Chromium.Context.NewPageAsync();
        await page.SetViewportSizeAsync(1920, 1080);
        // Each page starts logged out (the session lives in localStorage, shared by the context).
        await page.GotoAsync(new Uri(Url, "/login").ToString());
        await page.EvaluateAsync("() => localStorage.clear()");
        await page.ReloadAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).WaitForAsync(); // the app has mounted
        return page;
    }

    /// <summary>Logs in through the form and waits for the layout's menu.</summary>
    public async Task<IPage> LoginAsync(string user)
    {
        var page = await NewPageAsync();
        await page.GetByLabel("用户名").FillAsync(user);
        await page.GetByLabel("密码", new() { Exact = true }).FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.GetByRole(AriaRole.Navigation, new() { Name = "主菜单" }).WaitForAsync();
        return page;
    }

    /// <summary>Saves a full-viewport screenshot as docs/screenshots/{name}.png.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        // Let charts finish their entry animation and images load.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.WaitForTimeoutAsync(800);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, name + ".png") });
    }

    /// <summary>The API as <paramref name="user"/> (to find test data and check effects).</summary>
    public async Task<AuthenticationHeaderValue> ApiLoginAsync(string user)
    {
        using var resp = await Http.PostAsJsonAsync("/api/auth/login", new { userName = user, password = Password });
        Assert.True(resp.IsSuccessStatusCode, $"login {user}: {resp.StatusCode}");
        return new AuthenticationHeaderValue("Bearer", (string)JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["token"]!);
    }

    public async Task<JsonNode> PostJsonAsync(AuthenticationHeaderValue auth, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = auth;
        using var resp = await Http.SendAsync(request);
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"POST {path}: {resp.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>A check-in from the site's attendance machine (demo key "demo-&lt;code&gt;").</summary>
    public async Task CheckInAsync(string deviceCode, int personId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/attendance/events")
        {
            Content = JsonContent.Create(new { eventId = $"portal-{Guid.NewGuid():N}", personId, method = "face", occurredAt = DateTimeOffset.UtcNow }),
        };
        request.Headers.Add("X-Device-Key", "demo-" + deviceCode);
        using var resp = await Http.SendAsync(request);
        Assert.True(resp.IsSuccessStatusCode, $"check-in: {resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
    }

    /// <summary>What MediaServer would tell the ControlPlane: a participant joined a room (signed webhook).</summary>
    public async Task WebhookJoinedAsync(string room, string participantId)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new
        {
            @event = "participant_joined", room, participantId, role = "host", at = DateTimeOffset.UtcNow.ToString("O"), nodeId = "county-1",
        }));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        content.Headers.Add("X-MediaCore-Signature", "sha256=" + Convert.ToHexStringLower(
            System.Security.Cryptography.HMACSHA256.HashData("browser-test-webhook-secret"u8.ToArray(), body)));
        using var resp = await Http.PostAsync("/api/webhooks/mediaserver", content);
        Assert.True(resp.IsSuccessStatusCode, $"webhook: {resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
    }

    public async Task<JsonNode> GetJsonAsync(AuthenticationHeaderValue auth, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = auth;
        using var resp = await Http.SendAsync(request);
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"GET {path}: {resp.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}
