using Microsoft.AspNetCore.Mvc.Testing;

namespace MediaCore.Server.Tests;

public class HealthTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    [Fact]
    public async Task Healthz_ReturnsOk()
    {
        using var client = factory.CreateClient();
        var body = await client.GetStringAsync("/healthz");
        Assert.Equal("ok", body);
    }
}
