using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Firewalls that block UDP: with every UDP packet dropped by nftables in the test's namespace, Chromium reaches the
/// server's passive ICE-TCP candidate (RFC 6544) and STUN, DTLS and SRTP run over RFC 4571 framing.
/// </summary>
public sealed class IceTcpTests
{
    [Fact]
    public async Task WhipWhep_UdpBlockedByNftables_PublishAndPlayOverIceTcp()
    {
        await using var server = await BrowserTestServer.StartAsync(null, "--MediaServer:IceTcpPort=0");
        await using var chromium = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 2);
        await using var block = await UdpBlock.StartAsync();

        var publish = await pages[0].PublishAsync("/whip/tcp", server.Token("tcp", "site:5", ParticipantRole.Speaker));
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");
        var watch = await pages[1].SubscribeAsync("/whep/tcp", server.Token("tcp", "county", ParticipantRole.Audience));
        Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");

        var sent = await pages[0].WaitForStatsAsync(publish.Handle,
            s => s.CandidatePair?.Protocol == "tcp" && s.Outbound.Any(x => x.Kind == "video" && x.FramesEncoded > 0), TimeSpan.FromSeconds(20));
        Assert.Equal("tcp", sent.CandidatePair!.Protocol);
        var seen = await pages[1].WaitForStatsAsync(watch.Handle,
            s => s.CandidatePair?.Protocol == "tcp" && s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 10)
                 && s.Inbound.Any(x => x.Kind == "audio" && x.PacketsReceived > 0), TimeSpan.FromSeconds(20));
        Assert.Equal("tcp", seen.CandidatePair!.Protocol);
        Assert.Contains(seen.Inbound, x => x.Kind == "video" && x.FramesDecoded > 10);
        Assert.True(await block.DroppedPacketsAsync() > 0, "the nftables rule dropped no UDP: the test did not block anything");
    }
}

/// <summary>Drops every UDP packet on input (nftables, with a counter) while alive.</summary>
internal sealed class UdpBlock : IAsyncDisposable
{
    private const string Table = "mediacore_noudp";

    public static async Task<UdpBlock> StartAsync()
    {
        await Nft.RunAsync($"add table inet {Table}");
        await Nft.RunAsync($"add chain inet {Table} input {{ type filter hook input priority 0 ; }}");
        await Nft.RunAsync($"add rule inet {Table} input meta l4proto udp counter drop");
        return new UdpBlock();
    }

    /// <summary>Packets the rule dropped so far.</summary>
    public async Task<long> DroppedPacketsAsync()
    {
        var listing = await Nft.RunAsync($"list table inet {Table}");
        var m = System.Text.RegularExpressions.Regex.Match(listing, @"counter packets (\d+)");
        return m.Success ? long.Parse(m.Groups[1].Value) : 0;
    }

    public async ValueTask DisposeAsync() => await Nft.RunAsync($"delete table inet {Table}");
}

internal static class Nft
{
    public static async Task<string> RunAsync(string arguments)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("nft", arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string output = await p.StandardOutput.ReadToEndAsync();
        string error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"nft {arguments} failed ({p.ExitCode}): {error}");
        return output;
    }
}
