using System.Diagnostics;
using System.Text.Json.Nodes;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace MediaCore.Browser.Tests.Portal;

/// <summary>
/// The Portal in headless Chromium against the real ControlPlane process with the demo county: one test per
/// role and check of issue 8, each writing the screenshot of the page it looks at.
/// </summary>
public sealed class PortalTests(PortalFixture portal, ITestOutputHelper output) : IClassFixture<PortalFixture>
{
    private static readonly string[] Towns = ["榆山街道", "锦水街道", "东阿镇", "玫瑰镇", "洪范池镇", "孔村镇", "孝直镇", "安城镇"];

    [Fact]
    public async Task CountyAdmin_LogsIn_DashboardListsTheEightTowns()
    {
        // Something live today: 东关村 holds a meeting now (its terminal joined the room) and two cadres checked in.
        var admin = await portal.ApiLoginAsync("admin");
        var (siteId, code, people) = await DongguanAsync(admin);
        var meeting = await portal.PostJsonAsync(admin, "/api/meetings",
            new { siteId, kind = "committeeDay", title = "东关村两委议事会", scheduledStart = DateTimeOffset.UtcNow.AddMinutes(-5) });
        await portal.WebhookJoinedAsync((string)meeting["room"]!, $"site:{siteId}");
        foreach (var p in people.Take(2)) await portal.CheckInAsync(code, p);

        var page = await portal.LoginAsync("admin");
        Assert.EndsWith("/dashboard", page.Url);
        var tree = page.GetByTestId("site-tree");
        foreach (var town in Towns)
            await Assertions.Expect(tree.GetByText(town, new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("平阴县", new() { Exact = true }).First).ToBeVisibleAsync();
        // The town ranking chart is drawn (a canvas with pixels), not an empty box.
        var canvas = page.Locator("[role=img][aria-label*='镇(街道)综合排名'] canvas");
        await Assertions.Expect(canvas).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("东关村 · 东关村两委议事会")).ToBeVisibleAsync(); // the online site
        await PortalFixture.ScreenshotAsync(page, "portal-dashboard");

        // First load of the dashboard with a warm session: navigation to the towns and the chart on screen.
        var sw = Stopwatch.StartNew();
        await page.GotoAsync(new Uri(portal.Url, "/dashboard").ToString());
        await Assertions.Expect(page.GetByTestId("site-tree").GetByText("安城镇", new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(canvas).ToBeVisibleAsync();
        sw.Stop();
        var nav = await page.EvaluateAsync<NavTiming>("() => { const n = performance.getEntriesByType('navigation')[0]; return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd } }");
        output.WriteLine($"dashboard load: {sw.ElapsedMilliseconds} ms to towns and chart (DOMContentLoaded {nav.Dcl:F0} ms, load {nav.Load:F0} ms)");
    }

    [Fact]
    public async Task Keyboard_LogsInAndOpensTheRankingsWithoutAMouse()
    {
        // Staff who cannot use a mouse (or a TV terminal's remote that sends Tab/Enter): the login form and the
        // main menu work from the keyboard alone, and focus is visible where it lands.
        var page = await portal.NewPageAsync();
        await page.Locator("body").FocusAsync();
        await TabUntilAsync(page, "document.activeElement?.getAttribute('aria-label') === '用户名' || document.activeElement?.closest('.el-form-item')?.querySelector('label')?.textContent?.includes('用户名')", "the user name field");
        await page.Keyboard.TypeAsync("admin");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(PortalFixture.Password);
        await page.Keyboard.PressAsync("Enter");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "主菜单" }).WaitForAsync();

        // The menu: Tab to 考勤签到, open it with Enter, then to 考核排名 and Enter.
        await TabUntilAsync(page, "document.activeElement?.textContent?.trim().startsWith('考勤签到')", "the 考勤签到 menu");
        await page.Keyboard.PressAsync("Enter");
        // The section opens with an animation: its pages take focus once they are shown.
        await Assertions.Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "考核排名" })).ToBeVisibleAsync();
        await TabUntilAsync(page, "document.activeElement?.matches('nav li.el-menu-item') && document.activeElement.textContent?.trim() === '考核排名'", "the 考核排名 menu item");
        var outline = await page.EvaluateAsync<string>("() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.boxShadow }");
        Assert.False(outline.StartsWith("none none", StringComparison.Ordinal), $"no visible focus on the menu item: {outline}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalFixture.ScreenshotDir, "portal-keyboard-focus.png") });
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/attendance/rankings$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "镇(街道)排名" })).ToBeVisibleAsync();
    }

    private static async Task TabUntilAsync(IPage page, string condition, string what)
    {
        for (int i = 0; i < 60; i++)
        {
            if (await page.EvaluateAsync<bool>($"() => !!({condition})")) return;
            await page.Keyboard.PressAsync("Tab");
        }
        var focused = await page.EvaluateAsync<string>("() => document.activeElement?.outerHTML?.slice(0, 200) ?? '(none)'");
        Assert.Fail($"{what} was not reached with 60 Tab presses; focus is on {focused}");
    }

    [Fact]
    public async Task WrongPassword_ShowsChineseErrorNextToTheForm()
    {
        var page = await portal.NewPageAsync();
        await page.GetByLabel("用户名").FillAsync("admin");
        await page.GetByLabel("密码", new() { Exact = true }).FillAsync("wrong-password");
        var response = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync(),
            r => r.Url.EndsWith("/api/auth/login"));
        Assert.Equal(401, response.Status);
        await PortalFixture.ScreenshotAsync(page, "portal-login-error");
        var error = page.GetByTestId("login-error");
        await Assertions.Expect(error).ToContainTextAsync("用户名或密码错误");
        Assert.EndsWith("/login", new Uri(page.Url).AbsolutePath);
    }

    [Fact]
    public async Task TownAdmin_ApprovesPendingMeeting_AndAnotherTownsMeetingIsAChinese404()
    {
        var town = await portal.ApiLoginAsync("jinshui");
        var admin = await portal.ApiLoginAsync("admin");
        var towns = await portal.GetJsonAsync(admin, "/api/sites?kind=subDistrict&pageSize=50");
        // The pilot sub-district 锦水街道 reviews its villages; 榆山街道 is another town.
        int ownId = (int)towns["items"]!.AsArray().First(t => (string?)t!["name"] == "锦水街道")!["id"]!;
        int foreignTownId = (int)towns["items"]!.AsArray().First(t => (string?)t!["name"] == "榆山街道")!["id"]!;
        var pending = await portal.GetJsonAsync(town, $"/api/meetings?townId={ownId}&review=pending&held=true&pageSize=100");
        var meeting = pending["items"]!.AsArray().First(m => m!["endedAt"] is not null && (int)m["siteId"]! != ownId)!;
        int id = (int)meeting["id"]!;

        var page = await portal.LoginAsync("jinshui");
        await page.GotoAsync(new Uri(portal.Url, $"/meetings/{id}").ToString());
        await Assertions.Expect(page.GetByText((string)meeting["title"]!).First).ToBeVisibleAsync();
        await page.GetByLabel("审核意见").FillAsync("会议记录完整，同意。");
        await PortalFixture.ScreenshotAsync(page, "portal-meeting-detail");
        await page.GetByTestId("approve").ClickAsync();
        await Assertions.Expect(page.GetByText("已审核通过")).ToBeVisibleAsync();
        var after = await portal.GetJsonAsync(town, $"/api/meetings/{id}");
        Assert.Equal("approved", (string)after["meeting"]!["review"]!);
        Assert.Equal("会议记录完整，同意。", (string?)after["meeting"]!["reviewComment"]);

        var foreign = await portal.GetJsonAsync(admin, $"/api/meetings?townId={foreignTownId}&pageSize=1");
        int foreignId = (int)foreign["items"]![0]!["id"]!;
        await page.GotoAsync(new Uri(portal.Url, $"/meetings/{foreignId}").ToString());
        var error = page.GetByTestId("meeting-error");
        await Assertions.Expect(error).ToContainTextAsync("记录不存在，或不在您的管理范围内");
        await Assertions.Expect(error).ToContainTextAsync("页面不存在");
    }

    [Fact]
    public async Task ExportButton_DownloadsXlsx_ThatTheReaderOpens()
    {
        var page = await portal.LoginAsync("jinshui");
        await page.GotoAsync(new Uri(portal.Url, "/meetings/list").ToString());
        await Assertions.Expect(page.GetByTestId("meeting-table").Locator("tbody tr").First).ToBeVisibleAsync();
        await PortalFixture.ScreenshotAsync(page, "portal-meetings");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-xlsx").ClickAsync());
        Assert.EndsWith(".xlsx", download.SuggestedFilename);
        var path = await download.PathAsync();
        var rows = XlsxReader.Read(await File.ReadAllBytesAsync(path!));
        Assert.Equal(["会议编号", "村(社区)", "类型", "名称", "开始时间", "结束时间", "时长(分钟)", "参会人数", "审核状态", "审核意见"], rows[0]);
        Assert.True(rows.Count > 10, $"only {rows.Count} rows exported");
    }

    [Fact]
    public async Task LiveCheckInFeed_ShowsANewCheckInWithinFiveSeconds()
    {
        var admin = await portal.ApiLoginAsync("admin");
        var (_, code, people) = await DongguanAsync(admin);
        foreach (var p in people.Take(3)) await portal.CheckInAsync(code, p);
        var page = await portal.LoginAsync("jinshui");
        await page.GotoAsync(new Uri(portal.Url, "/attendance/live").ToString());
        var feed = page.GetByTestId("live-feed");
        await Assertions.Expect(feed.GetByText("东关村").First).ToBeVisibleAsync();
        int before = await feed.Locator("tbody tr").CountAsync();
        // A check-in uploaded now appears, marked new, within 5 s (the page polls every 3 s).
        await portal.CheckInAsync(code, people[3]);
        await Assertions.Expect(feed.GetByText("新", new() { Exact = true }).First).ToBeVisibleAsync(new() { Timeout = 5000 });
        Assert.True(await feed.Locator("tbody tr").CountAsync() >= before);
        await PortalFixture.ScreenshotAsync(page, "portal-attendance-live");
    }

    /// <summary>东关村: its id, its attendance machine's code and its cadres.</summary>
    private async Task<(int SiteId, string Code, int[] People)> DongguanAsync(System.Net.Http.Headers.AuthenticationHeaderValue admin)
    {
        var site = (await portal.GetJsonAsync(admin, "/api/sites?q=东关村"))["items"]![0]!;
        int siteId = (int)site["id"]!;
        var people = (await portal.GetJsonAsync(admin, $"/api/people?siteId={siteId}&pageSize=50"))["items"]!.AsArray()
            .Select(p => (int)p!["id"]!).ToArray();
        return (siteId, (string)site["code"]! + "-ATT", people);
    }

    /// <summary>Every main non-live page renders its Chinese content for the county admin (and is photographed).</summary>
    [Fact]
    public async Task MainPages_RenderForTheCountyAdmin()
    {
        var page = await portal.LoginAsync("admin");
        var pages = new (string Path, string Expect, string Shot)[]
        {
            ("/meetings/compliance", "达标情况", "portal-compliance"),
            ("/meetings/calendar", "党员主题活动日", "portal-calendar"),
            ("/attendance/rankings", "县内排名", "portal-rankings"),
            ("/attendance/rates", "出勤率", "portal-cadre-rates"),
            ("/disclosures/gallery", "党务村务公开栏", "portal-disclosures"),
            ("/disclosures/missing", "未上传", "portal-disclosures-missing"),
            ("/system/sites", "站点", "portal-sites"),
            ("/system/users", "用户管理", "portal-users"),
        };
        foreach (var (path, expect, shot) in pages)
        {
            await page.GotoAsync(new Uri(portal.Url, path).ToString());
            await Assertions.Expect(page.Locator("main.main, .el-main").GetByText(expect).First).ToBeVisibleAsync();
            if (shot == "portal-sites")
            {
                await page.GetByTestId("site-tree-admin").GetByText("锦水街道", new() { Exact = true }).ClickAsync();
                await page.GetByTestId("site-tree-admin").GetByText("东关村", new() { Exact = true }).ClickAsync();
                await Assertions.Expect(page.GetByText("考勤机").First).ToBeVisibleAsync();
                // A terminal's SIP settings: derived username and password, the configured server, the room URI format.
                await page.GetByTestId("sip-account").First.ClickAsync();
                await Assertions.Expect(page.GetByTestId("sip-username")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^site-[0-9]+-terminal-[0-9]+$"));
                await Assertions.Expect(page.GetByTestId("sip-password")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-Za-z0-9_-]{24}$"));
                await Assertions.Expect(page.GetByTestId("sip-server")).ToHaveTextAsync("192.0.2.10");
                await Assertions.Expect(page.GetByTestId("sip-room-uri")).ToHaveTextAsync("sip:{room}@192.0.2.10:5060");
                await Assertions.Expect(page.GetByText("SIP 终端配置").First).ToBeVisibleAsync();
                await PortalFixture.ScreenshotAsync(page, "portal-sip-terminal");
                // 重置密码: after the confirmation the dialog shows a new password (the old one is revoked).
                var oldPassword = await page.GetByTestId("sip-password").InnerTextAsync();
                await page.GetByTestId("sip-reset").ClickAsync();
                await page.Locator(".el-message-box").GetByRole(AriaRole.Button, new() { Name = "确定" }).ClickAsync();
                await Assertions.Expect(page.GetByTestId("sip-password")).Not.ToHaveTextAsync(oldPassword);
                await Assertions.Expect(page.GetByTestId("sip-password")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-Za-z0-9_-]{24}$"));
                await page.GetByRole(AriaRole.Button, new() { Name = "关闭" }).Last.ClickAsync();
            }
            await PortalFixture.ScreenshotAsync(page, shot);
        }
        // Search finds a village by its Chinese name.
        await page.GotoAsync(new Uri(portal.Url, "/search").ToString());
        await page.GetByLabel("关键字").FillAsync("东关");
        await page.GetByRole(AriaRole.Button, new() { Name = "查询" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "东关村" }).First).ToBeVisibleAsync();
        await PortalFixture.ScreenshotAsync(page, "portal-search");
    }

    /// <summary>Navigation timing numbers read from the page.</summary>
    public sealed class NavTiming
    {
        public double Dcl { get; set; }
        public double Load { get; set; }
    }
}
