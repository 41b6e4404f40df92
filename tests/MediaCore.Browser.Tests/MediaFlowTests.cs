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
}
