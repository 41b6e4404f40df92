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

/// <summary>
/// prometheus-net's default registry is process-wide: these tests run in a collection that xUnit runs alone (no other
/// test's MediaServer counts at the same time), so a counter's delta is exactly this test's effect.
/// </summary>
[Collection(IsolatedMetricsCollection.Name)]
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterADatagram_CountsItAndItsBytes()
    {
        await using var server = await TestMediaServer.StartAsync();
        var port = server.Services.GetRequiredService<MediaCore.Server.Udp.UdpEndpoint>().LocalEndPoint.Port;
        long datagramsBefore = Value(await server.Client.GetStringAsync("/metrics"), "mediacore_udp_datagrams_received_total");
        long bytesBefore = Value(await server.Client.GetStringAsync("/metrics"), "mediacore_udp_bytes_received_total");
        using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        client.SendTo([0x01, 0x02, 0x03], new IPEndPoint(IPAddress.Loopback, port));

        // The receive loop counts after dispatching the batch: wait (bounded) until /metrics shows it.
        string text = await server.Client.GetStringAsync("/metrics");
        for (var deadline = DateTime.UtcNow.AddSeconds(10); Value(text, "mediacore_udp_datagrams_received_total") == datagramsBefore && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(20);
            text = await server.Client.GetStringAsync("/metrics");
        }
        Assert.Equal(datagramsBefore + 1, Value(text, "mediacore_udp_datagrams_received_total"));
        Assert.Equal(bytesBefore + 3, Value(text, "mediacore_udp_bytes_received_total"));
        Assert.Contains("process_cpu_seconds_total", text);
    }

    /// <summary>The value of an unlabelled counter in the exposition text (0 before its first increment).</summary>
    private static long Value(string text, string name)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, $@"^{name} (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        return m.Success ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}

/// <summary>Tests of process-wide metrics, run with nothing else in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedMetricsCollection
{
    public const string Name = "Isolated metrics";
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
