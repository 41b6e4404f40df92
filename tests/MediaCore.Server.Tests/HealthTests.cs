namespace MediaCore.Server.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_ReturnsOk()
    {
        await using var server = await TestMediaServer.StartAsync();
        Assert.Equal("ok", await server.Client.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Root_ServesDemoPage()
    {
        await using var server = await TestMediaServer.StartAsync();
        using var response = await server.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        using var js = await server.Client.GetAsync("/js/whip-client.js");
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
    }
}
