using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Real media through the SFU: headless Chromium publishes by WHIP and plays by WHEP (issue 2's checks).
/// </summary>
public sealed class MediaFlowTests
{
    private static readonly TimeSpan MediaTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Whip_OnePublisherThreeSubscribers_AllDecodeVideoAndReceiveAudio()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var publisherPage = await chromium.OpenPageAsync(server.BaseAddress);
        var publish = await publisherPage.PublishAsync("/whip/flow", server.Token("flow", "county", ParticipantRole.Host));
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");

        var viewers = await chromium.OpenPagesAsync(server.BaseAddress, 3);
        var handles = new List<(MediaPage Page, int Handle)>();
        for (int i = 0; i < viewers.Count; i++)
        {
            var watch = await viewers[i].SubscribeAsync("/whep/flow", server.Token("flow", $"village-{i}", ParticipantRole.Audience));
            Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");
            handles.Add((viewers[i], watch.Handle));
        }
        foreach (var (page, handle) in handles)
        {
            var stats = await page.WaitForStatsAsync(handle,
                s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 0) && s.Inbound.Any(x => x.Kind == "audio" && x.PacketsReceived > 0),
                MediaTimeout);
            Assert.Contains(stats.Inbound, x => x.Kind == "video" && x.FramesDecoded > 0);
            Assert.Contains(stats.Inbound, x => x.Kind == "audio" && x.PacketsReceived > 0);
        }
    }

    [Fact]
    public async Task Whip_H264Forced_SubscriberDecodesH264()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 2);
        var publish = await pages[0].PublishAsync("/whip/h264", server.Token("h264", "county", ParticipantRole.Host), new PublishOptions(Codec: "H264"));
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");
        var watch = await pages[1].SubscribeAsync("/whep/h264", server.Token("h264", "village", ParticipantRole.Audience));
        Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");

        var stats = await pages[1].WaitForStatsAsync(watch.Handle, s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 0), MediaTimeout);
        Assert.Contains(stats.Inbound, x => x.Kind == "video" && x.FramesDecoded > 0);
        string codec = await pages[1].Page.EvaluateAsync<string>("""
            async (h) => {
              const s = window.__mc.sessions.get(h);
              const report = await s.pc.getStats();
              let mime = '';
              report.forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'video') mime = report.get(r.codecId)?.mimeType ?? ''; });
              return mime;
            }
            """, watch.Handle);
        Assert.Equal("video/H264", codec);
    }

    [Fact]
    public async Task Whep_SimulcastLayerOverride_SwitchesLowestToHighest()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 2);
        // libwebrtc enables all three layers only from about 960x540 up (simulcast format table), so publish 720p.
        var publish = await pages[0].PublishAsync("/whip/sim", server.Token("sim", "county", ParticipantRole.Host),
            new PublishOptions(Simulcast: true, Width: 1280, Height: 720));
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");
        var watch = await pages[1].SubscribeAsync("/whep/sim", server.Token("sim", "village", ParticipantRole.Audience));
        Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");

        var admin = server.Token("*", "controlplane", ParticipantRole.Host);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await SetLayer(http, admin, "sim", "village", 0)).StatusCode);
        var low = await pages[1].WaitForStatsAsync(watch.Handle,
            s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 0 && x.FrameWidth is > 0 and <= 320), TimeSpan.FromSeconds(15));
        int lowWidth = low.Inbound.First(x => x.Kind == "video").FrameWidth;

        Assert.Equal(System.Net.HttpStatusCode.OK, (await SetLayer(http, admin, "sim", "village", 2)).StatusCode);
        StatsSummary high;
        try
        {
            high = await pages[1].WaitForStatsAsync(watch.Handle,
                s => s.Inbound.Any(x => x.Kind == "video" && x.FrameWidth >= 1280), TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException e)
        {
            var pub = await pages[0].GetStatsAsync(publish.Handle);
            throw new TimeoutException($"{e.Message}\npublisher: {System.Text.Json.JsonSerializer.Serialize(pub)}");
        }
        Assert.True(high.Inbound.First(x => x.Kind == "video").FrameWidth > lowWidth);
    }

    private static Task<HttpResponseMessage> SetLayer(HttpClient http, string token, string room, string participant, int? layer)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/rooms/{room}/participants/{participant}/layer")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { layer }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }

    [Fact]
    public async Task Whep_PublisherHandsOver_SubscribersDecodeTheNewSourceWithoutRenegotiating()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 3);
        var a = await pages[0].PublishAsync("/whip/handover", server.Token("handover", "site-a", ParticipantRole.Speaker));
        Assert.True(a.Succeeded, $"WHIP A failed: {a.Status} {a.Detail}");
        var watch = await pages[2].SubscribeAsync("/whep/handover", server.Token("handover", "county", ParticipantRole.Audience));
        Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");
        await pages[2].WaitForStatsAsync(watch.Handle, s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 0 && x.FrameWidth == 640), MediaTimeout);

        // A leaves; B publishes 1280x720, so the subscriber's frame size tells whose video it decodes.
        Assert.Equal(200, await pages[0].StopAsync(a.Handle));
        var b = await pages[1].PublishAsync("/whip/handover", server.Token("handover", "site-b", ParticipantRole.Speaker), new PublishOptions(Width: 1280, Height: 720));
        Assert.True(b.Succeeded, $"WHIP B failed: {b.Status} {b.Detail}");
        var after = await pages[2].WaitForStatsAsync(watch.Handle, s => s.Inbound.Any(x => x.Kind == "video" && x.FrameWidth == 1280), TimeSpan.FromSeconds(15));
        Assert.Equal("connected", after.ConnectionState);
    }

    [Fact]
    public async Task Whep_TwoVideoTransceivers_GetsHostFirstThenSpeaker()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        // One fake camera per browser process captures at one size at a time: the 720p host needs its own.
        await using var hostBrowser = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 2);
        var hostPage = await hostBrowser.OpenPageAsync(server.BaseAddress);
        // The speaker publishes first at 640x480; the host joins later at 1280x720 and still takes slot 0.
        var speaker = await pages[0].PublishAsync("/whip/program", server.Token("program", "village-1", ParticipantRole.Speaker));
        Assert.True(speaker.Succeeded, $"WHIP speaker failed: {speaker.Status} {speaker.Detail}");
        var host = await hostPage.PublishAsync("/whip/program", server.Token("program", "county", ParticipantRole.Host), new PublishOptions(Width: 1280, Height: 720));
        Assert.True(host.Succeeded, $"WHIP host failed: {host.Status} {host.Detail}");
        var watch = await pages[1].SubscribeAsync("/whep/program", server.Token("program", "town", ParticipantRole.Audience), videoCount: 2);
        Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");

        var stats = await pages[1].WaitForStatsAsync(watch.Handle,
            s => s.Inbound.Count(x => x.Kind == "video" && x.FramesDecoded > 0 && x.FrameWidth > 0) == 2, TimeSpan.FromSeconds(15));
        var videos = stats.Inbound.Where(x => x.Kind == "video").OrderBy(x => int.Parse(x.Mid!)).ToList();
        // Chromium may scale the 720p host down while its estimate ramps up, so tell the sources by aspect ratio:
        // the first video m-line carries the host (16:9), the second the speaker (4:3).
        Assert.Equal(9.0 / 16, (double)videos[0].FrameHeight / videos[0].FrameWidth, 2);
        Assert.Equal(3.0 / 4, (double)videos[1].FrameHeight / videos[1].FrameWidth, 2);
    }
}
