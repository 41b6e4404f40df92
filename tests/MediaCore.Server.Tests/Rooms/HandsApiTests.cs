using System.Net.Http.Json;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Tests.Sessions;

namespace MediaCore.Server.Tests.Rooms;

/// <summary>Raise hand, grant, revoke on the real MediaServer (real sessions from Chromium's offers).</summary>
public sealed class HandsApiTests : IAsyncLifetime
{
    private TestMediaServer _server = null!;
    private static readonly string WhipOffer = SessionHarness.Fixture("chromium156-whip-offer.sdp");

    public async Task InitializeAsync() => _server = await TestMediaServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Host => _server.Token("plenary", "user:1", ParticipantRole.Host);
    private string Village => _server.Token("plenary", "site:12", ParticipantRole.Audience);

    private Task<HttpResponseMessage> Send(HttpMethod method, string url, string token)
        => _server.Client.SendAsync(HttpExtensions.WithToken(method, url, token));

    private Task<HttpResponseMessage> Publish(string token) => _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/plenary", token, WhipOffer));

    [Fact]
    public async Task Publish_AudienceWithoutGrant_Returns403WithHint()
    {
        using var response = await Publish(Village);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("raise your hand", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Grant_RaisedHand_AudiencePublishesAndHoldsFloor()
    {
        using var host = await Publish(Host);
        Assert.Equal(HttpStatusCode.Created, host.StatusCode);
        using (var raised = await Send(HttpMethod.Post, "/api/rooms/plenary/hands", Village))
        {
            var hand = await raised.Content.ReadFromJsonAsync<HandDto>();
            Assert.Equal(("site:12", false), (hand!.Participant, hand.Granted));
        }
        using (var queue = await Send(HttpMethod.Get, "/api/rooms/plenary/hands", Host))
            Assert.Equal(["site:12"], (await queue.Content.ReadFromJsonAsync<HandsDto>())!.Hands.Select(h => h.Participant));

        using (var granted = await Send(HttpMethod.Post, "/api/rooms/plenary/hands/site:12/grant", Host))
            Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        using (var me = await Send(HttpMethod.Get, "/api/rooms/plenary/hands/me", Village))
            Assert.Equal(new MyHandDto("plenary", "site:12", "granted", true), await me.Content.ReadFromJsonAsync<MyHandDto>());
        using var published = await Publish(Village);
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        using var queueAfter = await Send(HttpMethod.Get, "/api/rooms/plenary/hands", Host);
        Assert.Equal("site:12", (await queueAfter.Content.ReadFromJsonAsync<HandsDto>())!.Floor);
    }

    [Fact]
    public async Task Revoke_GrantedPublisher_EndsItsSessionAndForbidsRepublish()
    {
        using var host = await Publish(Host);
        using (await Send(HttpMethod.Post, "/api/rooms/plenary/hands/site:12/grant", Host)) { }
        using (var published = await Publish(Village)) Assert.Equal(HttpStatusCode.Created, published.StatusCode);

        using (var revoked = await Send(HttpMethod.Delete, "/api/rooms/plenary/hands/site:12", Host))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
            Assert.Contains("\"closedSessions\":1", await revoked.Content.ReadAsStringAsync());
        }
        using var room = await Send(HttpMethod.Get, "/api/rooms/plenary", Host);
        var details = await room.Content.ReadFromJsonAsync<RoomDetailsDto>();
        Assert.DoesNotContain(details!.Participants, p => p.Id == "site:12");
        using var again = await Publish(Village);
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        using var hands = await Send(HttpMethod.Get, "/api/rooms/plenary/hands", Host);
        Assert.Null((await hands.Content.ReadFromJsonAsync<HandsDto>())!.Floor);
    }

    [Fact]
    public async Task Lower_OwnHand_RemovesItFromQueue()
    {
        using (await Send(HttpMethod.Post, "/api/rooms/plenary/hands", Village)) { }
        using (var lowered = await Send(HttpMethod.Delete, "/api/rooms/plenary/hands/me", Village))
            Assert.Equal(HttpStatusCode.OK, lowered.StatusCode);
        using var me = await Send(HttpMethod.Get, "/api/rooms/plenary/hands/me", Village);
        Assert.Equal("none", (await me.Content.ReadFromJsonAsync<MyHandDto>())!.State);
    }

    [Theory]
    [InlineData("GET", "/api/rooms/plenary/hands", "plenary", ParticipantRole.Audience)]
    [InlineData("POST", "/api/rooms/plenary/hands/site:12/grant", "plenary", ParticipantRole.Speaker)]
    [InlineData("DELETE", "/api/rooms/plenary/hands/site:12", "plenary", ParticipantRole.Audience)]
    [InlineData("POST", "/api/rooms/plenary/hands", "plenary", ParticipantRole.Observer)]
    [InlineData("POST", "/api/rooms/plenary/hands", "other-room", ParticipantRole.Audience)]
    [InlineData("POST", "/api/rooms/plenary/hands/site:12/grant", "other-room", ParticipantRole.Host)]
    public async Task HandsApi_WrongRoleOrRoom_Returns403(string method, string url, string tokenRoom, ParticipantRole role)
    {
        using var response = await Send(new HttpMethod(method), url, _server.Token(tokenRoom, "site:13", role));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task HandsApi_PreflightFromPortalOrigin_AllowsPutAndAuthorization()
    {
        // The Portal (ControlPlane's origin) calls the room API directly from the browser.
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/rooms/plenary/hands/site:12/grant");
        request.Headers.Add("Origin", "http://127.0.0.1:8090");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task HandsApi_NoToken_Returns401()
    {
        using var response = await _server.Client.PostAsync("/api/rooms/plenary/hands", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Publish_GrantInAnotherRoom_Returns403()
    {
        using (await Send(HttpMethod.Post, "/api/rooms/other/hands/site:12/grant", _server.Token("*", "controlplane", ParticipantRole.Host))) { }
        using var response = await Publish(Village);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
