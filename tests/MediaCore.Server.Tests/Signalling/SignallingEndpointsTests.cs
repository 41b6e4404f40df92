using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MediaCore.Server.Tests.Signalling;

/// <summary>WHIP/WHEP over the real HTTP stack with a fake session manager (RFC 9725 §4.2, §4.3.1).</summary>
public sealed class SignallingEndpointsTests : IAsyncLifetime
{
    private TestMediaServer _server = null!;
    private FakeSessionManager Fake => (FakeSessionManager)_server.Services.GetRequiredService<ISessionManager>();

    public async Task InitializeAsync()
        => _server = await TestMediaServer.StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<ISessionManager, FakeSessionManager>()));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/whip/room1", ParticipantRole.Speaker)]
    [InlineData("/whip/room1", ParticipantRole.Host)]
    [InlineData("/whep/room1", ParticipantRole.Audience)]
    [InlineData("/whep/room1", ParticipantRole.Observer)]
    public async Task Post_ValidOffer_Returns201WithAnswerAndLocation(string url, ParticipantRole role)
    {
        var token = _server.Token("room1", "site-7", role);
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost(url, token));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/sdp", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(FakeSessionManager.Answer, await response.Content.ReadAsStringAsync());
        Assert.Equal($"{url}/s1", response.Headers.Location!.OriginalString);
        Assert.Equal("\"abc\"", response.Headers.ETag!.Tag);
        var call = Assert.Single(Fake.Calls);
        Assert.Equal("room1", call.Room.Value);
        Assert.Equal(new ParticipantInfo("site-7", role), call.Participant);
        Assert.Equal(HttpExtensions.Offer, call.Offer);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task Post_WrongContentType_Returns415AndCreatesNothing(string contentType)
    {
        var token = _server.Token("room1", "a", ParticipantRole.Speaker);
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/room1", token, contentType: contentType));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Empty(Fake.Calls);
    }

    [Fact]
    public async Task Post_ContentTypeWithParameters_IsAccepted()
    {
        var token = _server.Token("room1", "a", ParticipantRole.Speaker);
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/room1", token, contentType: "Application/SDP; charset=utf-8"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Post_OfferRejectedByManager_Returns400ProblemWithReason()
    {
        var token = _server.Token("room1", "a", ParticipantRole.Speaker);
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/room1", token, body: "garbage"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("v=0", await response.Content.ReadAsStringAsync());
        Assert.Null(_server.Services.GetRequiredService<IRoomDirectory>().GetRoom(RoomId.Parse("room1")));
    }

    [Fact]
    public async Task Post_EmptyBody_Returns400()
    {
        var token = _server.Token("room1", "a", ParticipantRole.Speaker);
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/room1", token, body: ""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(Fake.Calls);
    }

    [Fact]
    public async Task Post_OversizedOffer_Returns413()
    {
        var token = _server.Token("room1", "a", ParticipantRole.Speaker);
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/room1", token, body: "v=0\r\n" + new string('a', 70_000)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(Fake.Calls);
    }

    [Fact]
    public async Task Post_InvalidRoomId_Returns400()
    {
        var token = _server.Token("room1", "a", ParticipantRole.Speaker);
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/bad%20room", token));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Delete_Owner_Returns200ThenUnknown404()
    {
        var token = _server.Token("room1", "site-1", ParticipantRole.Speaker);
        using var created = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/room1", token));
        var location = created.Headers.Location!.OriginalString;

        using var deleted = await _server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Delete, location, token));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var again = await _server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Delete, location, token));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Delete_OtherParticipant_Returns403AndKeepsSession()
    {
        var owner = _server.Token("room1", "site-1", ParticipantRole.Speaker);
        using var created = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/room1", owner));
        var location = created.Headers.Location!.OriginalString;

        var other = _server.Token("room1", "site-2", ParticipantRole.Speaker);
        using var response = await _server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Delete, location, other));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.NotNull(Fake.FindSession(RoomId.Parse("room1"), "s1"));
    }

    [Fact]
    public async Task Delete_HostOfRoom_Returns200()
    {
        var owner = _server.Token("room1", "site-1", ParticipantRole.Audience);
        using var created = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whep/room1", owner));
        var host = _server.Token("room1", "county", ParticipantRole.Host);
        using var response = await _server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Delete, created.Headers.Location!.OriginalString, host));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Delete_HostOfAnotherRoom_Returns403()
    {
        var owner = _server.Token("room1", "site-1", ParticipantRole.Speaker);
        using var created = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/room1", owner));
        var host = _server.Token("room2", "county", ParticipantRole.Host);
        using var response = await _server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Delete, created.Headers.Location!.OriginalString, host));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Delete_WhipSessionThroughWhepUrl_Returns404()
    {
        var owner = _server.Token("room1", "site-1", ParticipantRole.Speaker);
        using var created = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/room1", owner));
        using var response = await _server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Delete, "/whep/room1/s1", owner));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Delete_WithoutToken_Returns401()
    {
        using var response = await _server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Delete, "/whip/room1/s1", null));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/whip/room1/s1")]
    [InlineData("/whep/room1/s1")]
    public async Task Patch_TrickleIce_Returns405(string url)
    {
        var request = HttpExtensions.WithToken(HttpMethod.Patch, url, _server.Token("room1", "a", ParticipantRole.Speaker));
        request.Content = new StringContent("a=candidate:1 1 udp 1 127.0.0.1 9 typ host");
        request.Content.Headers.ContentType = new("application/trickle-ice-sdpfrag");
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("DELETE", response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("/whip/room1")]
    [InlineData("/whep/room1")]
    public async Task Options_Endpoint_Returns204WithAcceptPost(string url)
    {
        using var response = await _server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Options, url));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("application/sdp", Assert.Single(response.Headers.GetValues("Accept-Post")));
    }

    [Fact]
    public async Task Options_CorsPreflight_AllowsAnyOriginWithAuthorization()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/whip/room1");
        request.Headers.Add("Origin", "http://portal.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        using var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("POST", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")));
        Assert.Contains("authorization", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Options_CorsPreflightForDelete_IsAllowed()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/whep/room1/s9");
        request.Headers.Add("Origin", "http://portal.example");
        request.Headers.Add("Access-Control-Request-Method", "DELETE");
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Fact]
    public async Task Post_CrossOrigin_ExposesLocation()
    {
        var request = HttpExtensions.SdpPost("/whip/room1", _server.Token("room1", "a", ParticipantRole.Speaker));
        request.Headers.Add("Origin", "http://portal.example");
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("Location", string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers")));
    }
}
