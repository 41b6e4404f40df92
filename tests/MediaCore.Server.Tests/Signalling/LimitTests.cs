using System.Text.Json.Nodes;
using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;
using MediaCore.Server.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MediaCore.Server.Tests.Signalling;

/// <summary>MediaServer:Limits: a client asking too fast gets 429, a full room or node 503, each as problem details.</summary>
public sealed class LimitTests
{
    private static readonly string ChromiumOffer = SessionHarness.Fixture("chromium156-whip-offer.sdp");
    private static readonly string ChromiumWhepOffer = SessionHarness.Fixture("chromium156-whep-offer.sdp");

    [Fact]
    public async Task Post_MoreOffersThanTheClientsBucket_429ProblemWithRetryAfter_NothingCreated()
    {
        await using var server = await TestMediaServer.StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<ISessionManager, FakeSessionManager>()),
            "--MediaServer:Limits:SessionRequestBurst=3", "--MediaServer:Limits:SessionRequestsPerSecond=1");
        var fake = (FakeSessionManager)server.Services.GetRequiredService<ISessionManager>();
        var token = server.Token("room1", "site-7", ParticipantRole.Speaker);
        HttpResponseMessage? limited = null;
        int created = 0;
        // The bucket refills one offer a second: a burst of 50 runs dry long before that adds up to 50.
        for (int i = 0; i < 50 && limited is null; i++)
        {
            var response = await server.Client.SendAsync(HttpExtensions.SdpPost(i % 2 == 0 ? "/whip/room1" : "/whep/room1", token));
            if (response.StatusCode == HttpStatusCode.Created) created++;
            else limited = response;
        }
        Assert.NotNull(limited);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType!.MediaType);
        Assert.Contains("SessionRequestsPerSecond", (string)JsonNode.Parse(await limited.Content.ReadAsStringAsync())!["detail"]!);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After tells the client when to come back");
        Assert.Equal(created, fake.Calls.Count);
        Assert.InRange(created, 3, 49);
    }

    [Fact]
    public async Task Post_RoomAtMaxSessions_503ProblemNamingTheLimit()
    {
        await using var server = await TestMediaServer.StartAsync(null, "--MediaServer:Limits:MaxSessionsPerRoom=2");
        var token = server.Token("full-room", "site-7", ParticipantRole.Speaker);
        for (int i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.Created, (await server.Client.SendAsync(HttpExtensions.SdpPost("/whip/full-room", token, ChromiumOffer))).StatusCode);

        var refused = await server.Client.SendAsync(HttpExtensions.SdpPost("/whip/full-room", token, ChromiumOffer));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Contains("MaxSessionsPerRoom", (string)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["detail"]!);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(2, server.Services.GetRequiredService<MediaCore.Server.Sessions.MediaEngine>().Rooms.Single().Sessions.Count);
    }

    [Fact]
    public async Task Post_NewRoomOnNodeAtMaxRooms_503_ExistingRoomStillJoins()
    {
        await using var server = await TestMediaServer.StartAsync(null, "--MediaServer:Limits:MaxRooms=1");
        Assert.Equal(HttpStatusCode.Created, (await server.Client.SendAsync(
            HttpExtensions.SdpPost("/whip/first", server.Token("first", "a", ParticipantRole.Speaker), ChromiumOffer))).StatusCode);

        var refused = await server.Client.SendAsync(HttpExtensions.SdpPost("/whip/second", server.Token("second", "b", ParticipantRole.Speaker), ChromiumOffer));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("MaxRooms", (string)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["detail"]!);
        Assert.Equal(HttpStatusCode.Created, (await server.Client.SendAsync(
            HttpExtensions.SdpPost("/whep/first", server.Token("first", "c", ParticipantRole.Audience), ChromiumWhepOffer))).StatusCode);
    }
}
