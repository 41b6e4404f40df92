using System.Diagnostics;
using MediaCore.Server.Sip;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MediaCore.Server.Tests.Sip;

/// <summary>
/// A terminal disabled in the ControlPlane, or whose password an admin reset there, loses the call it is in, not only its next
/// REGISTER/INVITE: MediaServer re-reads the terminal's state (<c>GET /api/media/sip-accounts/{username}</c>, a stand-in here,
/// cached <c>Sip:AccountCacheTtl</c>) while the call lasts and sends the terminal a BYE. Real sipp, which waits in the call
/// until it receives the BYE and answers it.
/// </summary>
public class SipRevokedCallTests
{
    [Theory]
    [InlineData("disable", "terminal disabled in the ControlPlane")]
    [InlineData("reset", "terminal's password reset in the ControlPlane")]
    public async Task Sipp_LiveCall_TerminalRevokedInControlPlane_ServerSendsBye(string change, string reason)
    {
        Assert.True(File.Exists("/usr/bin/sipp"), "sipp is missing: apt-get install sip-tester (scripts/install-deps.sh)");
        const string user = "site-7-terminal-3";
        bool enabled = true;
        int generation = 0, answers = 0;
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var cp = builder.Build();
        cp.MapGet("/api/media/sip-accounts/{username}", (string username) =>
        {
            Interlocked.Increment(ref answers);
            return username == user
                ? Results.Ok(new { username, siteId = 7, deviceId = 3, enabled = Volatile.Read(ref enabled), generation = Volatile.Read(ref generation) })
                : Results.NotFound();
        });
        await cp.StartAsync();
        string accountsUrl = cp.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/api/media/sip-accounts/";

        var logs = new CapturingLoggerProvider(nameof(SipServer));
        await using var server = await TestMediaServer.StartAsync(b => b.Logging.AddProvider(logs),
            "--MediaServer:Sip:Port=0", $"--MediaServer:Sip:AccountsUrl={accountsUrl}", "--MediaServer:Sip:AccountCacheTtl=00:00:00.300",
            "--Logging:LogLevel:MediaCore.Server.Sip=Information");
        var sip = server.Services.GetRequiredService<SipServer>();
        var call = SipCallTests.RunSippAsync(sip.Port, "call-until-bye.xml", "revokeroom", user, SipAccounts.Password(TestMediaServer.Secret, user), 0, "-m", "1");

        // The call is up and carries the terminal's audio.
        var wait = Stopwatch.StartNew();
        while (!(sip.Calls.FirstOrDefault() is { PacketsReceived: > 20 }))
        {
            Assert.False(call.IsCompleted, "sipp ended before the call was up:\n" + (call.IsCompleted ? (await call).Output : ""));
            Assert.True(wait.Elapsed < TimeSpan.FromSeconds(15), "the call did not come up within 15 s");
            await Task.Delay(50);
        }
        // While the terminal stays enabled the server re-checks it and keeps the call.
        int before = Volatile.Read(ref answers);
        wait.Restart();
        while (Volatile.Read(ref answers) < before + 2)
        {
            Assert.True(wait.Elapsed < TimeSpan.FromSeconds(10), "the server did not re-check the terminal during its call");
            await Task.Delay(50);
        }
        Assert.Single(sip.Calls);
        Assert.False(call.IsCompleted);

        if (change == "disable") Volatile.Write(ref enabled, false);
        else Volatile.Write(ref generation, 1);
        // sipp's scenario ends only when it has received the BYE and answered 200 OK.
        var result = await call;
        Assert.True(result.ExitCode == 0, "sipp did not get a BYE:\n" + result.Output);
        Assert.Empty(sip.Calls);
        Assert.Contains(logs.Lines, l => l.Contains(user, StringComparison.Ordinal) && l.Contains("ended by the server: " + reason, StringComparison.Ordinal));
    }
}
