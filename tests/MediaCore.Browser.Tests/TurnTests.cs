using System.Diagnostics;
using System.Security.Cryptography;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>
/// NAT and firewalls: a real coturn (Debian's package, started by scripts/start-coturn.sh) on loopback, shared-secret
/// credentials handed out by MediaServer in RFC 9725 §4.6 Link headers, and Chromium told to use relays only. The
/// server's ICE-lite agent then sees every check from coturn's relay address, not the browser's.
/// </summary>
public sealed class TurnTests
{
    [Fact]
    public async Task WhipWhep_RelayOnlyThroughCoturn_PublishesAndViewerDecodes()
    {
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await using var coturn = await Coturn.StartAsync(secret, port: 3478);
        await using var server = await BrowserTestServer.StartAsync(null,
            "--MediaServer:Turn:Urls:0=turn:127.0.0.1:3478?transport=udp", $"--MediaServer:Turn:Secret={secret}");
        await using var chromium = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 2);

        var publish = await pages[0].PublishAsync("/whip/turn", server.Token("turn", "site:9", ParticipantRole.Speaker),
            new PublishOptions(IceTransportPolicy: "relay"));
        Assert.True(publish.Succeeded, $"WHIP through TURN failed: {publish.Status} {publish.Detail}\n{coturn.Log}");
        var watch = await pages[1].SubscribeAsync("/whep/turn", server.Token("turn", "county", ParticipantRole.Audience), iceTransportPolicy: "relay");
        Assert.True(watch.Succeeded, $"WHEP through TURN failed: {watch.Status} {watch.Detail}");

        var sent = await pages[0].WaitForStatsAsync(publish.Handle,
            s => s.CandidatePair?.LocalCandidateType == "relay" && s.Outbound.Any(x => x.Kind == "video" && x.FramesEncoded > 0), TimeSpan.FromSeconds(15));
        Assert.Equal("relay", sent.CandidatePair!.LocalCandidateType);
        var seen = await pages[1].WaitForStatsAsync(watch.Handle,
            s => s.CandidatePair?.LocalCandidateType == "relay" && s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 10)
                 && s.Inbound.Any(x => x.Kind == "audio" && x.PacketsReceived > 0), TimeSpan.FromSeconds(15));
        Assert.Equal("relay", seen.CandidatePair!.LocalCandidateType);
        Assert.Contains(seen.Inbound, x => x.Kind == "video" && x.FramesDecoded > 10);
    }
}

/// <summary>coturn started by the repository's scripts/start-coturn.sh, loopback peers allowed (tests only).</summary>
internal sealed class Coturn : IAsyncDisposable
{
    private readonly int _pid;
    private readonly string _log;

    private Coturn(int pid, string log) => (_pid, _log) = (pid, log);

    public string Log => File.Exists(_log) ? File.ReadAllText(_log) : "";

    public static async Task<Coturn> StartAsync(string secret, int port)
    {
        var log = Path.Combine(Path.GetTempPath(), $"coturn-test-{Guid.NewGuid():N}.log");
        var psi = new ProcessStartInfo(Path.Combine(RepoRoot.Path, "scripts", "start-coturn.sh"))
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["TURN_SECRET"] = secret;
        psi.Environment["TURN_PORT"] = port.ToString();
        psi.Environment["TURN_LISTEN"] = "127.0.0.1";
        psi.Environment["TURN_ALLOW_LOOPBACK"] = "1";
        psi.Environment["TURN_LOG"] = log;
        using var p = Process.Start(psi)!;
        string stdout = await p.StandardOutput.ReadToEndAsync();
        string stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 || !int.TryParse(stdout.Trim(), out int pid))
            throw new InvalidOperationException($"start-coturn.sh failed ({p.ExitCode}): {stderr}");
        return new Coturn(pid, log);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var p = Process.GetProcessById(_pid);
            p.Kill();
            await p.WaitForExitAsync();
        }
        catch (ArgumentException) { /* already gone */ }
        foreach (var f in new[] { _log, _log + ".pid" })
            try { File.Delete(f); } catch (IOException) { }
    }
}
