using System.Net.Http.Json;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;

namespace MediaCore.Server.Tests.Sessions;

/// <summary>PUT /api/rooms/{room}/participants/{id}/source: a patrol cell's video follows one publisher, no renegotiation.</summary>
public sealed class SourceSwitchTests : IAsyncLifetime
{
    private TestMediaServer _server = null!;
    private string _cellSession = "";

    public async Task InitializeAsync()
    {
        _server = await TestMediaServer.StartAsync();
        var whip = SessionHarness.Fixture("chromium156-whip-simulcast-offer.sdp");
        foreach (var (sub, role) in new[] { ("user:1", ParticipantRole.Host), ("site:12", ParticipantRole.Speaker), ("site:13", ParticipantRole.Speaker) })
        {
            using var r = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/plenary", _server.Token("plenary", sub, role), whip));
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        }
        using var cell = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whep/plenary",
            _server.Token("plenary", "user:7", ParticipantRole.Audience), SessionHarness.Fixture("chromium156-whep-offer.sdp")));
        Assert.Equal(HttpStatusCode.Created, cell.StatusCode);
        _cellSession = cell.Headers.Location!.OriginalString.Split('/')[^1];
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string? VideoSourceOfCell()
    {
        var engine = _server.Services.GetRequiredService<MediaEngine>();
        lock (engine.Gate)
        {
            var sub = engine.Rooms.Single().Sessions.OfType<SubscriberSession>().Single();
            return sub.Consumers.First(c => c.Kind == MediaCore.Protocol.Sdp.MediaKind.Video).Source?.ParticipantId;
        }
    }

    private Task<HttpResponseMessage> Put(string url, object body, string token)
    {
        var request = HttpExtensions.WithToken(HttpMethod.Put, url, token);
        request.Content = JsonContent.Create(body);
        return _server.Client.SendAsync(request);
    }

    [Fact]
    public async Task PutSource_OwnToken_CellShowsThatPublisherThenProgramAgain()
    {
        Assert.Equal("user:1", VideoSourceOfCell()); // the program: the host
        var own = _server.Token("plenary", "user:7", ParticipantRole.Audience);
        using (var r = await Put("/api/rooms/plenary/participants/user:7/source", new { source = "site:13", session = _cellSession }, own))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("site:13", VideoSourceOfCell());
        using (var r = await Put("/api/rooms/plenary/participants/user:7/source", new { source = "site:12" }, own))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("site:12", VideoSourceOfCell());
        using (var r = await Put("/api/rooms/plenary/participants/user:7/source", new { source = (string?)null }, own))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("user:1", VideoSourceOfCell());
    }

    [Fact]
    public async Task PutLayer_OneSession_OwnTokenAllowed()
    {
        using var r = await Put("/api/rooms/plenary/participants/user:7/layer", new { layer = 0, session = _cellSession },
            _server.Token("plenary", "user:7", ParticipantRole.Audience));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var unknown = await Put("/api/rooms/plenary/participants/user:7/layer", new { layer = 0, session = "nope" },
            _server.Token("plenary", "user:7", ParticipantRole.Audience));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task PutSource_NotPublishing_Returns404()
    {
        using var r = await Put("/api/rooms/plenary/participants/user:7/source", new { source = "site:99" }, _server.Token("plenary", "user:1", ParticipantRole.Host));
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("user:1", VideoSourceOfCell());
    }

    [Fact]
    public async Task PutSource_AnotherParticipantsSubscription_Returns403()
    {
        using var r = await Put("/api/rooms/plenary/participants/user:7/source", new { source = "site:12" }, _server.Token("plenary", "site:40", ParticipantRole.Audience));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Equal("user:1", VideoSourceOfCell());
    }
}
