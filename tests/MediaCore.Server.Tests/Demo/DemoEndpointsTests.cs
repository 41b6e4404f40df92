using System.Net.Http.Json;
using MediaCore.Server.Auth;
using MediaCore.Server.Demo;

namespace MediaCore.Server.Tests.Demo;

public sealed class DemoEndpointsTests
{
    [Fact]
    public async Task PostToken_DemoModeOff_Returns404()
    {
        await using var server = await TestMediaServer.StartAsync();
        using var response = await server.Client.PostAsJsonAsync("/demo/token", new { room = "r", role = "host" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task PostToken_DemoModeOn_MintsAShortLivedTokenTheServerAccepts()
    {
        await using var server = await TestMediaServer.StartAsync(null, "--MediaServer:DemoMode=true");
        using var response = await server.Client.PostAsJsonAsync("/demo/token", new { room = "demo1", role = "speaker" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<DemoEndpoints.DemoTokenResponse>())!;
        Assert.True(body.Demo);
        Assert.InRange(body.ExpiresAt, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(16));

        var check = await server.Services.GetRequiredService<MediaTokenValidator>().ValidateAsync(body.Token);
        Assert.Equal(("demo1", ParticipantRole.Speaker, body.ParticipantId), (check.Token!.Room, check.Token.Role, check.Token.Subject));
        using var whip = await server.Client.SendAsync(HttpExtensions.SdpPost("/whip/demo1", body.Token));
        // The token is accepted: the placeholder offer then fails SDP validation (400), not auth (401/403).
        Assert.Equal(HttpStatusCode.BadRequest, whip.StatusCode);
    }

    [Theory]
    [InlineData("*", "host")]
    [InlineData("ok", "root")]
    public async Task PostToken_BadRequest_Returns400(string room, string role)
    {
        await using var server = await TestMediaServer.StartAsync(null, "--MediaServer:DemoMode=true");
        using var response = await server.Client.PostAsJsonAsync("/demo/token", new { room, role });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
