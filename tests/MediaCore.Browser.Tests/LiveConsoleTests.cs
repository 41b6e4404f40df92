using MediaCore.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MediaCore.Browser.Tests;

/// <summary>The live stack (ControlPlane + Portal + MediaServer) shared by the live-page test classes.</summary>
public sealed class LiveStackFixture : IAsyncLifetime
{
    public LiveStack Stack { get; private set; } = null!;
    public async Task InitializeAsync() => Stack = await LiveStack.StartAsync();
    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class LiveCollection : ICollectionFixture<LiveStackFixture>
{
    public const string Name = "live pages";
}

/// <summary>
/// 主持控制台 and 村级终端 in Chromium against the real ControlPlane, Portal and MediaServer: a village terminal
/// joins the county plenary by itself, raises its hand, the host grants the floor on the console, the
/// terminal publishes and the console shows it publishing with a moving audio level; an audience terminal
/// decodes the granted village's video; revoking stops the village's publishing.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class LiveConsoleTests(LiveStackFixture fixture)
{
    private LiveStack Stack => fixture.Stack;

    private static ILocator Site(IPage console, int siteId) => console.Locator($"[data-testid=site-{siteId}]");

    private async Task<string?> SiteStateAsync(IPage console, int siteId)
        => await Site(console, siteId).CountAsync() > 0 ? await Site(console, siteId).GetAttributeAsync("data-state") : null;

    private static Task<string?> TerminalAsync(IPage terminal, string attribute)
        => terminal.Locator("[data-testid=terminal-state]").GetAttributeAsync(attribute);

    private async Task GrantOnConsoleAsync(IPage console, int siteId)
    {
        var hand = console.Locator($"[data-testid='hand-site:{siteId}']");
        await Stack.WaitAsync(async () => await hand.CountAsync() > 0, TimeSpan.FromSeconds(20), "the raised hand in the console's queue");
        await hand.GetByRole(AriaRole.Button, new() { Name = "允许发言" }).ClickAsync();
    }

    [Fact]
    public async Task VillageTerminal_GrantedFloor_ConsoleShowsItPublishingWithMovingAudioLevel()
    {
        var county = await Stack.CountyIdAsync();
        await Stack.ScheduleAsync("admin", county, "plenary", "全县党员冬训动员大会");
        var village = await Stack.VillageOperatorAsync(1);
        await using var chromium = await ChromiumSession.LaunchAsync();

        var console = await Stack.OpenAsync(chromium, 0, "admin", "/live/console");
        await Stack.WaitAsync(async () => await SiteStateAsync(console, village.SiteId) == "notJoined", TimeSpan.FromSeconds(30),
            $"{village.SiteName} listed as not joined on the console");

        // The terminal finds the plenary by itself and plays the program.
        var terminal = await Stack.OpenAsync(chromium, 1, village.User, "/terminal");
        await Stack.WaitAsync(async () => await TerminalAsync(terminal, "data-play") == "connected", TimeSpan.FromSeconds(30), "the terminal playing the program");
        await Stack.WaitAsync(async () => await SiteStateAsync(console, village.SiteId) == "watching", TimeSpan.FromSeconds(20), "the site shown as watching");

        await terminal.Locator("[data-testid=raise-hand]").ClickAsync();
        await GrantOnConsoleAsync(console, village.SiteId);
        await Stack.WaitAsync(async () => await TerminalAsync(terminal, "data-publish") == "connected", TimeSpan.FromSeconds(30), "the granted terminal publishing");
        await Stack.WaitAsync(async () => await SiteStateAsync(console, village.SiteId) == "publishing", TimeSpan.FromSeconds(20), "the site shown as publishing");

        // The fake microphone beeps: the console's level for the site moves.
        var levels = new List<int>();
        for (int i = 0; i < 24 && (levels.Distinct().Count() < 3 || levels.Max() <= -60); i++)
        {
            var text = await Site(console, village.SiteId).GetAttributeAsync("data-level");
            if (int.TryParse(text, out int level)) levels.Add(level);
            await Task.Delay(500);
        }
        Assert.True(levels.Distinct().Count() >= 3 && levels.Max() > -60, $"audio level did not move: [{string.Join(", ", levels)}]");
        var meter = Site(console, village.SiteId).Locator("[role=meter]");
        Assert.NotNull(await meter.GetAttributeAsync("aria-valuenow"));

        await console.WaitForTimeoutAsync(1500); // let the program picture settle for the screenshot
        await LiveStack.ScreenshotAsync(console, "live-console");
        await LiveStack.ScreenshotAsync(terminal, "live-terminal");
        await LiveStack.LeaveAsync(console, terminal);
    }

    [Fact]
    public async Task HostGrantsFloor_AudienceBrowserDecodesThatVillagesVideo_RevokeStopsIt_HostScreenShareOnTheStage()
    {
        var county = await Stack.CountyIdAsync();
        await Stack.ScheduleAsync("admin", county, "plenary", "全县组织生活会部署会");
        var speaker = await Stack.VillageOperatorAsync(2);
        var audience = await Stack.VillageOperatorAsync(3);
        await using var chromium = await ChromiumSession.LaunchAsync();

        var console = await Stack.OpenAsync(chromium, 0, "admin", "/live/console");
        var speakerPage = await Stack.OpenAsync(chromium, 1, speaker.User, "/terminal");
        var audiencePage = await Stack.OpenAsync(chromium, 2, audience.User, "/terminal");
        await Stack.WaitAsync(async () => await TerminalAsync(audiencePage, "data-play") == "connected", TimeSpan.FromSeconds(30), "the audience terminal playing");
        await Stack.WaitAsync(async () => await TerminalAsync(speakerPage, "data-play") == "connected", TimeSpan.FromSeconds(30), "the speaker terminal playing");
        Assert.Equal(0, await DecodedFramesAsync(audiencePage)); // nobody publishes yet: nothing to decode

        await speakerPage.Locator("[data-testid=raise-hand]").ClickAsync();
        await GrantOnConsoleAsync(console, speaker.SiteId);
        await Stack.WaitAsync(async () => await TerminalAsync(speakerPage, "data-publish") == "connected", TimeSpan.FromSeconds(30), "the granted village publishing");

        // The only video in the room is the granted village's: the audience's program decodes it.
        await Stack.WaitAsync(async () => await DecodedFramesAsync(audiencePage) > 30, TimeSpan.FromSeconds(30), "the audience decoding the village's video");
        int width = await audiencePage.EvaluateAsync<int>("() => document.querySelector('[data-testid=terminal-program] video').videoWidth");
        Assert.True(width >= 320, $"decoded width {width}");

        // Revoke: the village stops publishing and the floor returns to the host.
        var hand = console.Locator($"[data-testid='hand-site:{speaker.SiteId}']");
        await hand.GetByRole(AriaRole.Button, new() { Name = "结束发言" }).ClickAsync();
        await Stack.WaitAsync(async () => await TerminalAsync(speakerPage, "data-publish") == "none", TimeSpan.FromSeconds(20), "the revoked village no longer publishing");
        string? state = null;
        for (var until = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < until && state != "watching"; await Task.Delay(300))
            state = await SiteStateAsync(console, speaker.SiteId);
        Assert.True(state == "watching", $"the site shows {state}, not watching again; the terminal plays: {await TerminalAsync(speakerPage, "data-play")}\n{Stack.Log}");

        // 共享屏幕: the host shares a screen (getDisplayMedia; headless Chromium grants a fake screen) on its
        // camera session's content m-line; the audience terminal puts the share on its stage and decodes it.
        await console.GetByRole(AriaRole.Button, new() { Name = "开启主会场摄像头" }).ClickAsync();
        var share = console.Locator("[data-testid=share-screen]");
        await Stack.WaitAsync(async () => await share.IsEnabledAsync(), TimeSpan.FromSeconds(20), "共享屏幕 enabled once the host camera is on");
        Assert.Equal("共享屏幕", (await share.InnerTextAsync()).Trim());
        await share.ClickAsync();
        await Stack.WaitAsync(async () => (await share.InnerTextAsync()).Trim() == "停止共享", TimeSpan.FromSeconds(10), "the console sharing");
        // (The tile exists only while frames arrive on the content m-line; Chromium may scale the share down under CPU load.)
        int shown = 0;
        for (var until = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < until && shown == 0; await Task.Delay(300))
            shown = await audiencePage.EvaluateAsync<int>("() => document.querySelector('[data-testid=terminal-content] video')?.videoWidth ?? 0");
        Assert.True(shown > 0, $"the audience terminal shows no screen share on its stage (content frames decoded: {await TerminalAsync(audiencePage, "data-content-frames")})\n{Stack.Log}");
        await share.ClickAsync();
        await Stack.WaitAsync(async () => await audiencePage.Locator("[data-testid=terminal-content]").CountAsync() == 0, TimeSpan.FromSeconds(15),
            "the terminal back to the program once the share stopped");
        await LiveStack.LeaveAsync(console, speakerPage, audiencePage);
    }

    [Fact]
    public async Task ListenIn_TownObservesVillageMeeting_VideoDecodedAndAuditShowsStartAndStop()
    {
        var village = await Stack.VillageOperatorAsync(4);
        var (meetingId, _) = await Stack.ScheduleAsync(village.User, village.SiteId, "themeDay", "主题党日：学习党的二十届四中全会精神");
        await using var chromium = await ChromiumSession.LaunchAsync();

        // The village hosts its own meeting: its terminal publishes at once.
        var terminal = await Stack.OpenAsync(chromium, 1, village.User, "/terminal");
        await Stack.WaitAsync(async () => await TerminalAsync(terminal, "data-publish") == "connected", TimeSpan.FromSeconds(30), "the village terminal publishing its meeting");

        var listen = await Stack.OpenAsync(chromium, 0, "jinshui", "/live/listen");
        var row = listen.Locator(".el-table__row", new() { HasText = "学习党的二十届四中全会精神" });
        await Stack.WaitAsync(async () => await row.CountAsync() > 0, TimeSpan.FromSeconds(30), "the village meeting in the town's listen-in list");
        await row.GetByRole(AriaRole.Button, new() { Name = "开始旁听" }).ClickAsync();
        await Stack.WaitAsync(async () => await listen.EvaluateAsync<int>(
            "() => document.querySelector('[data-testid=listen-video] video')?.getVideoPlaybackQuality().totalVideoFrames ?? 0") > 20,
            TimeSpan.FromSeconds(30), "the observer decoding the village's video");
        var audit = listen.Locator("[data-testid=audit-table]");
        await Stack.WaitAsync(async () => (await audit.InnerTextAsync()).Contains("开始旁听"), TimeSpan.FromSeconds(20), "the audit showing the listen-in start");
        var auditText = await audit.InnerTextAsync();
        Assert.Contains("锦水街道管理员", auditText);   // who listened, by name, not the token's "user:N"
        Assert.DoesNotContain("user:", auditText);
        await LiveStack.ScreenshotAsync(listen, "live-listen");

        await listen.GetByRole(AriaRole.Button, new() { Name = "结束旁听" }).ClickAsync();
        await Stack.WaitAsync(async () => (await audit.InnerTextAsync()).Contains("结束旁听"), TimeSpan.FromSeconds(20), "the audit showing the listen-in stop");
        var entries = await Stack.GetAsync("jinshui", $"/api/meetings/{meetingId}/audit");
        Assert.Contains(entries.AsArray(), e => (string?)e!["what"] == "observerLeft");
        await LiveStack.LeaveAsync(terminal, listen);
    }

    private static Task<int> DecodedFramesAsync(IPage page) => page.EvaluateAsync<int>(
        "() => document.querySelector('[data-testid=terminal-program] video')?.getVideoPlaybackQuality().totalVideoFrames ?? 0");
}
