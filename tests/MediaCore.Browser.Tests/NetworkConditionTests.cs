using System.Diagnostics;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Media under impaired and unimpaired links. The suite runs in its own loopback-only network namespace
/// (test.sh), so nftables rules here touch nothing outside it. This kernel has no netem (docs/decisions.md): random
/// loss comes from an nftables <c>numgen random</c> rule on UDP input.
/// </summary>
public sealed class NetworkConditionTests
{
    [Fact]
    public async Task Whep_FivePercentUdpLoss_NacksAnsweredByRetransmissionsWithoutFreezes()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 2);
        var publish = await pages[0].PublishAsync("/whip/lossy", server.Token("lossy", "county", ParticipantRole.Host));
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");
        var watch = await pages[1].SubscribeAsync("/whep/lossy", server.Token("lossy", "village", ParticipantRole.Audience));
        Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");
        await pages[1].WaitForStatsAsync(watch.Handle, s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 0), TimeSpan.FromSeconds(10));

        await using var loss = await UdpLoss.StartAsync(percent: 5);
        var before = (await pages[1].GetStatsAsync(watch.Handle)).Inbound.First(x => x.Kind == "video");
        Assert.NotNull(before.TotalFreezesDuration); // Chromium reports freezes: an absent figure must not pass as zero
        var during = await pages[1].WaitForStatsAsync(watch.Handle,
            s => s.Inbound.Any(x => x.Kind == "video" && x.NackCount > 0 && x.RetransmittedPacketsReceived > 0 && x.FramesDecoded > before.FramesDecoded + 100),
            TimeSpan.FromSeconds(20));
        var video = during.Inbound.First(x => x.Kind == "video");
        Assert.True(video.NackCount > 0);
        // The NACKs were answered: RTX packets arrived (RFC 4588), and they repaired the picture (no long freezes).
        Assert.True(video.RetransmittedPacketsReceived > 0, $"no retransmission received for {video.NackCount} NACKs");
        Assert.True(video.FramesDecoded > before.FramesDecoded + 100, $"decoding stalled under loss: {video.FramesDecoded} frames (before: {before.FramesDecoded})");
        double frozen = video.TotalFreezesDuration!.Value - before.TotalFreezesDuration!.Value;
        Assert.True(frozen < 1.0, $"froze {frozen:0.00} s in total ({video.FreezeCount - before.FreezeCount} freezes) under 5% loss: retransmission did not repair it");
    }

    [Fact]
    public async Task Whip_720pPublisher_BandwidthEstimateGrowsPastOnePointFiveMbps()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var page = await chromium.OpenPageAsync(server.BaseAddress);
        var publish = await page.PublishAsync("/whip/hd", server.Token("hd", "lecturer", ParticipantRole.Speaker), new PublishOptions(Width: 1280, Height: 720));
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");

        // Our transport-cc feedback must let Chromium's send-side estimate grow (docs/decisions.md: broken feedback collapses it).
        var stats = await page.WaitForStatsAsync(publish.Handle,
            s => s.CandidatePair?.AvailableOutgoingBitrate >= 1_500_000
                 && s.Outbound.Any(x => x.Kind == "video" && x.FramesEncoded > 0 && x.QualityLimitationReason != "bandwidth"),
            TimeSpan.FromSeconds(15));
        Assert.True(stats.CandidatePair!.AvailableOutgoingBitrate >= 1_500_000);
        var video = stats.Outbound.First(x => x.Kind == "video");
        Assert.NotEqual("bandwidth", video.QualityLimitationReason);
    }
}

/// <summary>Drops a share of UDP datagrams on input with nftables while alive.</summary>
internal sealed class UdpLoss : IAsyncDisposable
{
    private const string Table = "mediacore_loss";

    public static async Task<UdpLoss> StartAsync(int percent)
    {
        await Nft($"add table inet {Table}");
        await Nft($"add chain inet {Table} input {{ type filter hook input priority 0 ; }}");
        await Nft($"add rule inet {Table} input meta l4proto udp numgen random mod 100 lt {percent} drop");
        return new UdpLoss();
    }

    public async ValueTask DisposeAsync() => await Nft($"delete table inet {Table}");

    private static async Task Nft(string arguments)
    {
        var psi = new ProcessStartInfo("nft", arguments) { RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        string error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"nft {arguments} failed ({p.ExitCode}): {error}");
    }
}
