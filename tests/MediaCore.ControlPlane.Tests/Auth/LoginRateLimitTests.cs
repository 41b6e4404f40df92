using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Auth;

public sealed class LoginRateLimitTests(RateLimitedApp app) : IClassFixture<RateLimitedApp>
{
    [Fact]
    public async Task Login_FourthAttemptInAMinute_429Problem()
    {
        var client = app.CreateClient();
        for (var i = 0; i < 3; i++)
            await (await client.PostJsonAsync("/api/auth/login", new { userName = "guess", password = "guess" + i })).AssertProblemAsync(401);
        await (await client.PostJsonAsync("/api/auth/login", new { userName = "guess", password = "guess3" })).AssertProblemAsync(429);
    }
}
