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

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterADatagram_CountsIt()
    {
        await using var server = await TestMediaServer.StartAsync();
        var port = server.Services.GetRequiredService<MediaCore.Server.Udp.UdpEndpoint>().LocalEndPoint.Port;
        var host = server.Services.GetRequiredService<MediaCore.Server.Udp.UdpEndpointHost>();
        using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        client.SendTo([0x01], new IPEndPoint(IPAddress.Loopback, port));
        SpinWait.SpinUntil(() => host.DatagramsReceived == 1, TimeSpan.FromSeconds(10));

        var text = await server.Client.GetStringAsync("/metrics");
        // prometheus-net's default registry is process-wide, so other tests' servers count here too.
        var received = System.Text.RegularExpressions.Regex.Match(text, @"^mediacore_udp_datagrams_received_total (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(received.Success && long.Parse(received.Groups[1].Value) >= 1, text);
        Assert.Contains("process_cpu_seconds_total", text);
    }
}

public sealed class OpenApiTests
{
    [Fact]
    public async Task OpenApi_DescribesWhipAndRoomApi()
    {
        await using var server = await TestMediaServer.StartAsync();
        var json = await server.Client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/whip/{room}", json);
        Assert.Contains("/whep/{room}/{sessionId}", json);
        Assert.Contains("/api/rooms/{room}", json);
        Assert.Contains("application/sdp", json);
        Assert.DoesNotContain("/demo/token", json);
    }
}
