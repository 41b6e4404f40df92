using System.Net;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Auth;

/// <summary>A production-style host: no demo data, a bootstrap administrator, 3 logins a minute.</summary>
public sealed class LoginRateLimitTests(RateLimitedApp app) : IClassFixture<RateLimitedApp>
{
    [Fact]
    public async Task Bootstrap_EmptyDatabaseWithoutDemo_CountyAndAdminOnly_ThenRateLimited()
    {
        var client = app.CreateClient();
        var login = await client.PostJsonAsync("/api/auth/login", new { userName = "admin", password = RateLimitedApp.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        client.DefaultRequestHeaders.Authorization = new("Bearer", (string)(await login.ReadAsync())["token"]!);
        var tree = (await client.GetJsonAsync("/api/sites/tree")).AsArray();
        Assert.Equal("平阴县", (string)Assert.Single(tree)!["name"]!);
        Assert.Empty(tree[0]!["children"]!.AsArray());

        // Two more attempts fit in the minute's 3; the fourth is refused before the password is checked.
        for (var i = 0; i < 2; i++)
            await (await client.PostJsonAsync("/api/auth/login", new { userName = "guess", password = "guess" + i })).AssertProblemAsync(401);
        await (await client.PostJsonAsync("/api/auth/login", new { userName = "admin", password = RateLimitedApp.AdminPassword })).AssertProblemAsync(429);
    }
}
