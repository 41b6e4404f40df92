using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using MediaCore.Server.Auth;

namespace MediaCore.Server.Tests.Ingest;

/// <summary>POST/GET/DELETE /api/rooms/{room}/ingest: access, validation, and a port that survives garbage.</summary>
public sealed class IngestApiTests : IAsyncLifetime
{
    private TestMediaServer _server = null!;

    public async Task InitializeAsync() => _server = await TestMediaServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HttpRequestMessage Request(HttpMethod method, string url, string token, object? body = null)
    {
        var r = new HttpRequestMessage(method, url);
        r.Headers.Authorization = new("Bearer", token);
        if (body is not null) r.Content = JsonContent.Create(body);
        return r;
    }

    [Theory]
    [InlineData(ParticipantRole.Speaker)]
    [InlineData(ParticipantRole.Audience)]
    public async Task Post_NotHostOfRoom_403(ParticipantRole role)
    {
        using var r = await _server.Client.SendAsync(Request(HttpMethod.Post, "/api/rooms/r1/ingest", _server.Token("r1", "x", role), new { }));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using var other = await _server.Client.SendAsync(Request(HttpMethod.Post, "/api/rooms/r1/ingest", _server.Token("r2", "x", ParticipantRole.Host), new { }));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        using var none = await _server.Client.PostAsJsonAsync("/api/rooms/r1/ingest", new { });
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
    }

    [Theory]
    [InlineData("{\"video\":\"theora\"}")]
    [InlineData("{\"video\":\"none\",\"audio\":false}")]
    [InlineData("{\"participant\":\"\"}")]
    public async Task Post_BadBody_400(string json)
    {
        var request = Request(HttpMethod.Post, "/api/rooms/r1/ingest", _server.Token("r1", "h", ParticipantRole.Host));
        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var r = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    [Fact]
    public async Task Ingest_RandomDatagramsThenDelete_ServerKeepsServingAndIngestCloses()
    {
        var token = _server.Token("r1", "h", ParticipantRole.Host);
        using var created = await _server.Client.SendAsync(Request(HttpMethod.Post, "/api/rooms/r1/ingest", token, new { participant = "site:4", video = "h264" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        int port = body.GetProperty("port").GetInt32();
        string id = body.GetProperty("id").GetString()!;
        Assert.Equal("H264", body.GetProperty("videoCodec").GetString());
        Assert.Contains($"rtp://127.0.0.1:{port}", body.GetProperty("example").GetString());

        // Fuzz: random datagrams, some shaped like RTP with our payload types, into the ingest port.
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var rng = new Random(3550);
        for (int i = 0; i < 2000; i++)
        {
            var d = new byte[rng.Next(0, 1400)];
            rng.NextBytes(d);
            if (d.Length > 12 && i % 2 == 0) { d[0] = 0x80; d[1] = (byte)(i % 4 == 0 ? 96 : 111); }
            await udp.SendToAsync(d, new IPEndPoint(IPAddress.Loopback, port));
        }
        using var health = await _server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using var list = await _server.Client.SendAsync(Request(HttpMethod.Get, "/api/rooms/r1/ingest", token));
        Assert.Contains(id, await list.Content.ReadAsStringAsync());
        using var deleted = await _server.Client.SendAsync(Request(HttpMethod.Delete, $"/api/rooms/r1/ingest/{id}", token));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var again = await _server.Client.SendAsync(Request(HttpMethod.Delete, $"/api/rooms/r1/ingest/{id}", token));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }
}
