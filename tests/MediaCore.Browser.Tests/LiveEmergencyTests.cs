using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;
using Microsoft.Playwright;

namespace MediaCore.Browser.Tests;

/// <summary>
/// 手机应急直播: a phone-sized page (390x844) publishes its camera to the county's emergency room with one
/// button; the county console is alerted and decodes the call. And the client module's reconnect: the phone
/// keeps its call through a MediaServer restart, POSTing again within 5 s of the server answering.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class LiveEmergencyTests(LiveStackFixture fixture)
{
    private LiveStack Stack => fixture.Stack;

    private static Task<string?> PhoneStateAsync(IPage phone) => phone.Locator("[data-testid=phone-status]").GetAttributeAsync("data-state");

    private async Task<IPage> StartCallAsync(ChromiumSession chromium, string user)
    {
        var phone = await Stack.OpenAsync(chromium, 1, user, "/phone", 390, 844);
        await phone.Locator("[data-testid=phone-button]").ClickAsync();
        await Stack.WaitAsync(async () => await phone.Locator("[data-testid=phone-status]").CountAsync() > 0 && await PhoneStateAsync(phone) == "connected",
            TimeSpan.FromSeconds(30), "the phone connected");
        return phone;
    }

    [Fact]
    public async Task PhonePage_Publishes_CountyConsoleAlertedAndDecodesIt()
    {
        await using var chromium = await ChromiumSession.LaunchAsync();
        var console = await Stack.OpenAsync(chromium, 0, "admin", "/live/console");
        var phone = await StartCallAsync(chromium, "jinshui09");
        await Stack.WaitAsync(async () => (await phone.Locator("[data-testid=phone-bitrate]").InnerTextAsync()) is var t && !t.Contains(" 0 kb/s"),
            TimeSpan.FromSeconds(15), "the phone showing its upstream bitrate");
        await LiveStack.ScreenshotAsync(phone, "live-phone");

        // This phone's call (the API lists newest first), not another test's.
        var calls = await Stack.GetAsync("admin", "/api/live/emergency?active=true");
        int id = (int)calls.AsArray().First()!["id"]!;
        var call = console.Locator($"[data-testid=emergency-call-{id}]");
        await Stack.WaitAsync(async () => await call.CountAsync() > 0, TimeSpan.FromSeconds(20), "the emergency call listed on the county console");
        await call.GetByRole(AriaRole.Button, new() { Name = "观看" }).ClickAsync();
        await Stack.WaitAsync(async () => await console.EvaluateAsync<int>(
            "() => document.querySelector('[data-testid=emergency-video] video')?.getVideoPlaybackQuality().totalVideoFrames ?? 0") > 30,
            TimeSpan.FromSeconds(30), "the console decoding the phone's video");
        await LiveStack.ScreenshotAsync(console, "live-emergency-console");
        await LiveStack.LeaveAsync(phone, console);
    }

    [Fact]
    public async Task PhonePage_MediaServerRestarts_ReconnectsWithin5sOfItAnswering()
    {
        await using var chromium = await ChromiumSession.LaunchAsync();
        var phone = await StartCallAsync(chromium, "jinshui10");
        var calls = await Stack.GetAsync("admin", "/api/live/emergency?active=true");
        var thisCall = calls.AsArray().Last(c => ((string)c!["callerName"]!).Length > 0)!;
        string room = (string)thisCall["room"]!;
        int callId = (int)thisCall["id"]!;

        await Stack.StopMediaAsync();
        await Stack.WaitAsync(async () => await PhoneStateAsync(phone) == "reconnecting", TimeSpan.FromSeconds(40), "the phone noticing the server is gone");
        await Task.Delay(3000); // a few failed attempts while the server is down
        await Stack.RestartMediaAsync();
        var answering = DateTimeOffset.UtcNow;
        await Stack.WaitAsync(async () => await PhoneStateAsync(phone) == "connected", TimeSpan.FromSeconds(30), "the phone connected again");

        using var http = new HttpClient { BaseAddress = Stack.Media.BaseAddress };
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/rooms/{room}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Stack.Media.Token("*", "test", ParticipantRole.Host));
        using var resp = await http.SendAsync(request);
        var details = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        var publisher = details["participants"]!.AsArray().Single(p => (string?)p!["kind"] == "publisher")!;
        var joined = DateTimeOffset.Parse((string)publisher["joinedAt"]!);
        Assert.True(joined - answering < TimeSpan.FromSeconds(5), $"the new POST came {(joined - answering).TotalSeconds:0.0} s after the server answered");

        // The stopped process sent no participant_left; its successor's node_started closes the old publication,
        // so the ControlPlane holds exactly the new one open (none left running forever).
        await Stack.WaitAsync(async () =>
        {
            var sessions = (await Stack.GetAsync("admin", $"/api/meetings/{callId}"))["participants"]!.AsArray();
            return sessions.Count >= 2 && sessions.Count(p => p!["leftAt"] is null) == 1;
        }, TimeSpan.FromSeconds(10), "the call's session from before the restart closed, the new one open");
        await LiveStack.LeaveAsync(phone);
    }
}
