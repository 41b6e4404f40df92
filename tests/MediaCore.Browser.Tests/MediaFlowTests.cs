using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Real media through the server with the app's default registrations. Skipped until the WebRTC session
/// wiring (Sessions/) replaces the 501 stub: remove the Skip and they are the end-to-end acceptance tests.
/// </summary>
public sealed class MediaFlowTests
{
    private const string Pending = "enable when Sessions/ wires ISessionManager (the stub answers 501)";
    private static readonly TimeSpan MediaPatience = TimeSpan.FromSeconds(20);

    [Fact(Skip = Pending)]
    public async Task PublishThenSubscribe_VideoAndAudioArrive_AndDeleteEndsBoth()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 2);

        var pub = await pages[0].PublishAsync("/whip/flow", server.Token("flow", "county", ParticipantRole.Host), new PublishOptions(Width: 640, Height: 360));
        Assert.True(pub.Succeeded, pub.Detail);
        var sub = await pages[1].SubscribeAsync("/whep/flow", server.Token("flow", "village-1", ParticipantRole.Audience));
        Assert.True(sub.Succeeded, sub.Detail);

        var stats = await pages[1].WaitForStatsAsync(sub.Handle,
            s => s.Inbound.Any(i => i.Kind == "video" && i.FramesDecoded > 30) && s.Inbound.Any(i => i.Kind == "audio" && i.PacketsReceived > 50),
            MediaPatience);
        Assert.Equal(640, stats.Inbound.Single(i => i.Kind == "video").FrameWidth);

        Assert.Equal(200, await pages[1].StopAsync(sub.Handle));
        Assert.Equal(200, await pages[0].StopAsync(pub.Handle));
    }

    [Fact(Skip = Pending)]
    public async Task Simulcast_AllThreeLayersAreSent_WithoutBandwidthLimit()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var page = await chromium.OpenPageAsync(server.BaseAddress);

        var pub = await page.PublishAsync("/whip/simulcast", server.Token("simulcast", "county", ParticipantRole.Host),
            new PublishOptions(Simulcast: true, Codec: "VP8", Width: 1280, Height: 720));
        Assert.True(pub.Succeeded, pub.Detail);

        var stats = await page.WaitForStatsAsync(pub.Handle,
            s => s.Outbound.Count(o => o.Kind == "video" && o.FramesEncoded > 0) == 3, MediaPatience);
        Assert.Equal(["f", "h", "q"], stats.Outbound.Where(o => o.Kind == "video").Select(o => o.Rid).Order());
        Assert.All(stats.Outbound.Where(o => o.Kind == "video"), o => Assert.NotEqual("bandwidth", o.QualityLimitationReason));
        Assert.True(stats.CandidatePair?.AvailableOutgoingBitrate > 1_000_000, $"BWE {stats.CandidatePair?.AvailableOutgoingBitrate}");
    }

    [Fact(Skip = Pending)]
    public async Task OnePublisher_FourSubscribers_AllDecode()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 5);

        var pub = await pages[0].PublishAsync("/whip/fanout", server.Token("fanout", "county", ParticipantRole.Host));
        Assert.True(pub.Succeeded, pub.Detail);
        var subs = new List<(MediaPage Page, int Handle)>();
        for (int i = 1; i < pages.Count; i++)
        {
            var s = await pages[i].SubscribeAsync("/whep/fanout", server.Token("fanout", $"village-{i}", ParticipantRole.Audience));
            Assert.True(s.Succeeded, s.Detail);
            subs.Add((pages[i], s.Handle));
        }
        foreach (var (page, handle) in subs)
            await page.WaitForStatsAsync(handle, s => s.Inbound.Any(i => i.Kind == "video" && i.FramesDecoded > 20), MediaPatience);
    }
}
