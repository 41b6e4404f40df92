using System.Net;
using System.Net.Http.Json;
using MediaCore.Server.Auth;
using MediaCore.Server.Cluster;
using MediaCore.Server.Rooms;
using MediaCore.Server.Tests.Infrastructure;
using static MediaCore.Server.Tests.Cluster.ClusterTests;

namespace MediaCore.Server.Tests.Cluster;

/// <summary>
/// Raise-hand queues across two nodes (county and town-1) on one real redis-server: villages on the town raise their hands
/// there and the county host, on the county node, sees one queue in raise order; the county's grant lets a village publish on
/// its town with its audience token, and the county's revoke ends that publishing on the town. With Redis down each node
/// keeps its own queue; when Redis returns (empty: it keeps nothing on disk) the hands and grants come back and the town's
/// change made meanwhile reaches the county.
/// </summary>
[Collection("cluster")]
public sealed class ClusterHandsTests
{
    private const string Room = "plenary";

    private static async Task<HandDto> RaiseAsync(TestMediaServer node, string participant)
    {
        using var response = await node.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Post, $"/api/rooms/{Room}/hands", node.Token(Room, participant, ParticipantRole.Audience)));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"raise {participant}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<HandDto>())!;
    }

    private static async Task<HandsDto> QueueAsync(TestMediaServer node)
    {
        using var response = await node.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Get, $"/api/rooms/{Room}/hands", node.Token(Room, "county-host", ParticipantRole.Host)));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"queue: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<HandsDto>())!;
    }

    private static async Task<MyHandDto> MyHandAsync(TestMediaServer node, string participant)
    {
        using var response = await node.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Get, $"/api/rooms/{Room}/hands/me", node.Token(Room, participant, ParticipantRole.Audience)));
        return (await response.Content.ReadFromJsonAsync<MyHandDto>())!;
    }

    private static async Task<HttpStatusCode> HostAsync(TestMediaServer node, HttpMethod method, string url)
    {
        using var response = await node.Client.SendAsync(HttpExtensions.WithToken(method, url, node.Token(Room, "county-host", ParticipantRole.Host)));
        return response.StatusCode;
    }

    private static string Queue(HandsDto q) => string.Join(",", q.Hands.Select(h => h.Participant + (h.Granted ? "+" : "")));

    private static async Task<bool> PublishesOnAsync(TestMediaServer node, string nodeId, string participant)
    {
        var details = await GetAsync<RoomDetailsDto>(node, $"/api/rooms/{Room}");
        return details.Participants.Any(p => p.Id == participant && p.Kind == "publisher" && p.Node == nodeId);
    }

    /// <summary>The county host publishing on the county, villages watching on the town: the room is on both nodes.</summary>
    private static async Task MeetingAsync(TestMediaServer county, TestMediaServer town, params string[] villagesOnTown)
    {
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(county, "whip", Room, "county-host", ParticipantRole.Host, "chromium156-whip-offer.sdp")).StatusCode);
        await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(town, "/api/rooms"), r => r.Any(x => x.Room == Room && x.Publishers == 1), "the county host in the directory");
        foreach (var village in villagesOnTown)
            Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whep", Room, village, ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);
    }

    [Fact]
    public async Task Hands_RaisedOnTownAndCounty_OneQueueInRaiseOrder_CountyGrantLetsTheVillagePublishOnItsTown_CountyRevokeEndsIt()
    {
        await using var redis = await RedisServer.StartAsync();
        // No safety-net re-read within the test: what reaches the other node came through the announcements.
        await using var county = await StartNodeAsync(redis, "county", null, AnnouncementsOnly);
        await using var town = await StartNodeAsync(redis, "town-1", "county", AnnouncementsOnly);
        await MeetingAsync(county, town, "site:11", "site:13");
        Assert.Equal(HttpStatusCode.Forbidden, (await PostSdpAsync(town, "whip", Room, "site:11", ParticipantRole.Audience, "chromium156-whip-offer.sdp")).StatusCode);

        // site:11 raises on its town, site:12 on the county, site:13 on the town: one queue, in the order Redis took them.
        var first = await RaiseAsync(town, "site:11");
        await RaiseAsync(county, "site:12");
        await RaiseAsync(town, "site:13");
        Assert.Equal("site:11,site:12,site:13", Queue(await QueueAsync(county)));
        Assert.Equal("site:11,site:12,site:13", Queue(await QueueAsync(town)));
        // Raising again (on another node) keeps the hand as it was, in its place.
        Assert.Equal(first.RaisedAt, (await RaiseAsync(county, "site:11")).RaisedAt);
        Assert.Equal("site:11,site:12,site:13", Queue(await QueueAsync(county)));

        // The county host grants site:11 on the county: on its town the village is granted at once, gets the floor as the
        // county's controls arrive, and publishes there with its audience token.
        Assert.Equal(HttpStatusCode.OK, await HostAsync(county, HttpMethod.Post, $"/api/rooms/{Room}/hands/site:11/grant"));
        Assert.Equal("granted", (await MyHandAsync(town, "site:11")).State);
        await EventuallyAsync(() => MyHandAsync(town, "site:11"), m => m.Floor, "the county's floor for site:11 on the town");
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whip", Room, "site:11", ParticipantRole.Audience, "chromium156-whip-offer.sdp")).StatusCode);
        Assert.Equal("site:11+,site:12,site:13", Queue(await QueueAsync(town)));

        // The host revokes on the county: the village's publishing on the town ends, and it may not publish again.
        Assert.Equal(HttpStatusCode.OK, await HostAsync(county, HttpMethod.Delete, $"/api/rooms/{Room}/hands/site:11"));
        await EventuallyAsync(() => PublishesOnAsync(town, "town-1", "site:11"), p => !p, "site:11's audience publishing on the town ended");
        Assert.Equal(HttpStatusCode.Forbidden, (await PostSdpAsync(town, "whip", Room, "site:11", ParticipantRole.Audience, "chromium156-whip-offer.sdp")).StatusCode);
        Assert.Equal("site:12,site:13", Queue(await QueueAsync(town)));
        Assert.Equal("none", (await MyHandAsync(town, "site:11")).State);
    }

    [Fact]
    public async Task Hands_RedisDown_EachNodeKeepsItsQueue_WhenRedisReturnsEmpty_GrantsComeBackAndTheTownsRaiseReachesTheCounty()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var county = await StartNodeAsync(redis, "county", null, AnnouncementsOnly);
        await using var town = await StartNodeAsync(redis, "town-1", "county", AnnouncementsOnly);
        await MeetingAsync(county, town, "site:11", "site:13");
        await RaiseAsync(town, "site:11");
        Assert.Equal(HttpStatusCode.OK, await HostAsync(county, HttpMethod.Post, $"/api/rooms/{Room}/hands/site:11/grant"));
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whip", Room, "site:11", ParticipantRole.Audience, "chromium156-whip-offer.sdp")).StatusCode);
        // The town's copy has the grant (announced) before Redis goes.
        var townHands = town.Services.GetRequiredService<HandQueue>();
        await EventuallyAsync(() => Task.FromResult(townHands.Find(RoomId.Parse(Room), "site:11")?.Granted == true), g => g, "the grant in the town's copy");

        await redis.StopAsync();
        foreach (var node in new[] { county, town })
        {
            var directory = node.Services.GetRequiredService<ClusterDirectory>();
            await EventuallyAsync(() => Task.FromResult(directory.IsAvailable), a => !a, "the node notices Redis is down");
        }
        // Per node: site:13 raises on the town; the town lists it, the county (its own copy) does not.
        await RaiseAsync(town, "site:13");
        Assert.Equal("site:11+,site:13", Queue(await QueueAsync(town)));
        Assert.Equal("site:11+", Queue(await QueueAsync(county)));
        Assert.Equal(1, town.Services.GetRequiredService<ClusterHands>().PendingChanges);
        Assert.True(await PublishesOnAsync(town, "town-1", "site:11"), "the granted village keeps publishing on the town while Redis is down");

        // Redis returns empty. The hands are written back from the nodes' copies and the town's raise is replayed: the county
        // host sees both, in order, and the village's grant (so its publishing on the town) survives.
        await redis.StartAgainAsync();
        await EventuallyAsync(() => QueueAsync(county), q => Queue(q) == "site:11+,site:13", "the county's queue after Redis returned");
        Assert.Equal("site:11+,site:13", Queue(await QueueAsync(town)));
        Assert.Equal(0, town.Services.GetRequiredService<ClusterHands>().PendingChanges);
        Assert.True(await PublishesOnAsync(town, "town-1", "site:11"), "the granted village still publishes on the town");
        Assert.Equal("granted", (await MyHandAsync(county, "site:11")).State);

        // The town is subscribed again (no re-read is due within the test): the county's revoke reaches it by announcement.
        Assert.Equal(HttpStatusCode.OK, await HostAsync(county, HttpMethod.Delete, $"/api/rooms/{Room}/hands/site:11"));
        await EventuallyAsync(() => PublishesOnAsync(town, "town-1", "site:11"), p => !p, "site:11's audience publishing on the town ended");
    }
}
