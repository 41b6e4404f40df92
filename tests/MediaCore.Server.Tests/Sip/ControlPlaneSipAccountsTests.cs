using MediaCore.Server.Auth;
using MediaCore.Server.Sip;
using MediaCore.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCore.Server.Tests.Sip;

/// <summary>
/// MediaServer's look-up of a terminal's ControlPlane state, against a stand-in of the ControlPlane's
/// <c>GET /api/media/sip-accounts/{username}</c> (the real one is exercised by the browser suite's SipRevocationTests):
/// the answer with its generation, 404 as "not registered", a signed node token on every request, and the last known
/// state kept while the ControlPlane is down (a username never answered has none).
/// </summary>
public class ControlPlaneSipAccountsTests
{
    [Fact]
    public async Task Refresh_ReadsStateAnd404_KeepsLastKnownThroughOutage()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var cp = builder.Build();
        bool down = false;
        var tokens = new List<string>();
        cp.MapGet("/api/media/sip-accounts/{username}", (string username, HttpRequest r) =>
        {
            lock (tokens) tokens.Add(r.Headers.Authorization.ToString());
            if (down) return Results.StatusCode(502);
            return username == "site-7-terminal-3" ? Results.Ok(new { username, siteId = 7, deviceId = 3, enabled = false, generation = 2 }) : Results.NotFound();
        });
        await cp.StartAsync();
        var url = new Uri(cp.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/api/media/sip-accounts/");
        using var http = new HttpClient();
        var accounts = new ControlPlaneSipAccounts(http, url, new MediaTokenIssuer(TestMediaServer.Secret), TimeSpan.Zero, TimeProvider.System, NullLogger.Instance);

        await accounts.RefreshAsync("site-7-terminal-3", CancellationToken.None);
        Assert.Equal(new SipAccountState(true, false, 2), accounts.Get("site-7-terminal-3"));
        await accounts.RefreshAsync("site-7-terminal-4", CancellationToken.None);
        Assert.Equal(new SipAccountState(false, false, 0), accounts.Get("site-7-terminal-4"));

        down = true;
        await accounts.RefreshAsync("site-7-terminal-3", CancellationToken.None);
        Assert.Equal(new SipAccountState(true, false, 2), accounts.Get("site-7-terminal-3"));
        await accounts.RefreshAsync("site-7-terminal-5", CancellationToken.None);
        Assert.Null(accounts.Get("site-7-terminal-5"));

        // Every request carried a node token the media-token validator accepts: subject mediaserver, all rooms.
        Assert.Equal(4, tokens.Count);
        var validator = new MediaTokenValidator(TestMediaServer.Secret, TimeSpan.Zero);
        foreach (var header in tokens)
        {
            var check = await validator.CheckHeaderAsync(header);
            Assert.True(check.IsValid, check.Description);
            Assert.Equal("mediaserver", check.Token!.Subject);
            Assert.True(check.Token.IsAdmin);
        }
    }
}
