using System.Diagnostics;
using Xunit.Abstractions;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;
using MediaCore.Server.Cluster;
using MediaCore.Server.Rooms;
using MediaCore.Server.Tests.Infrastructure;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Issue 11's check: a real redis-server and three MediaServer processes on loopback (county, town-1 and town-2 under it).
/// A Chromium publisher on the county node; Chromium subscribers on both town nodes decode through relay links; each link
/// carries one copy of each track whatever the number of subscribers behind it; a killed town node leaves the directory
/// within 3 s and its subscriber decodes again on another node within 5 s of posting there; with Redis stopped the relayed
/// room keeps flowing.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan MediaTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Cascade_CountyPublisherTownSubscribers_OneCopyPerLink_SurvivesTownLossAndRedisOutage()
    {
        await using var redis = await RedisServer.StartAsync();
        var started = await Task.WhenAll(
            MediaServerProcess.StartNodeAsync("county", redis.ConnectionString),
            MediaServerProcess.StartNodeAsync("town-1", redis.ConnectionString, parent: "county"),
            MediaServerProcess.StartNodeAsync("town-2", redis.ConnectionString, parent: "county"));
        await using var county = started[0];
        await using var town1 = started[1];
        await using var town2 = started[2];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string admin = county.Token("*", "controlplane", ParticipantRole.Host);

        await using var chromium = await ChromiumSession.LaunchAsync();
        var publisher = await chromium.OpenPageAsync(county.BaseAddress);
        var publish = await publisher.PublishAsync(new Uri(county.BaseAddress, "whip/plenary").ToString(), county.Token("plenary", "county-host", ParticipantRole.Host));
        Assert.True(publish.Succeeded, $"WHIP on the county failed: {publish.Status} {publish.Detail}");

        // Two villages behind town-1 (one link, one copy), one behind town-2.
        var viewers = new List<(MediaPage Page, int Handle, string Site)>();
        foreach (var (node, site) in new[] { (town1, "site:11"), (town1, "site:12"), (town2, "site:21") })
        {
            var page = await chromium.OpenPageAsync(node.BaseAddress);
            var watch = await page.SubscribeAsync(new Uri(node.BaseAddress, "whep/plenary").ToString(), node.Token("plenary", site, ParticipantRole.Audience));
            Assert.True(watch.Succeeded, $"WHEP on {node.NodeId} failed: {watch.Status} {watch.Detail}\n{node.Log}");
            viewers.Add((page, watch.Handle, site));
        }
        foreach (var (page, handle, site) in viewers)
        {
            try
            {
                await page.WaitForStatsAsync(handle, s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 10) && s.Inbound.Any(x => x.Kind == "audio" && x.PacketsReceived > 20),
                    MediaTimeout);
            }
            catch (TimeoutException e)
            {
                // Say what each node saw (relay set-up is logged at Information).
                throw new TimeoutException($"{site}: {e.Message}\ncounty:\n{county.Log}\ntown-1:\n{town1.Log}\ntown-2:\n{town2.Log}", e);
            }
        }

        // One copy per link: the county sends each town each track once; what it sent of a track never exceeds what the
        // publisher sent (plus retransmissions on the link), though town-1 has two subscribers.
        await Task.Delay(1500);
        var town1In = Assert.Single(await GetAsync<List<RelayLinkDto>>(http, town1, "api/cluster/links", admin));
        var links = await GetAsync<List<RelayLinkDto>>(http, county, "api/cluster/links", admin);
        Assert.Equal(["town-1", "town-2"], links.Select(l => l.Peer).Order());
        foreach (var link in links)
        {
            Assert.Equal(2, link.OutboundTracks);
            foreach (var t in link.Outbound)
            {
                Assert.True(t.Sent <= t.Published + t.Retransmitted, $"{link.Peer} {t.Kind}: {t.Sent} sent > {t.Published} published + {t.Retransmitted} RTX (more than one copy)");
                Assert.True(t.Sent >= t.Published * 0.8, $"{link.Peer} {t.Kind}: only {t.Sent} of {t.Published} published packets crossed the link");
            }
        }
        var county1 = links.Single(l => l.Peer == "town-1");
        foreach (var link in links)
            foreach (var t in link.Outbound)
                output.WriteLine($"link county->{link.Peer} {t.Kind}: published {t.Published}, sent {t.Sent}, rtx {t.Retransmitted}; rtt {link.Rtt * 1000:F1} ms");
        Assert.Equal(("county", 2), (town1In.Peer, town1In.InboundTracks));
        Assert.InRange(town1In.PacketsIn, county1.PacketsOut * 0.9, county1.PacketsOut);
        Assert.Equal(county1.Outbound.Sum(t => t.Sent + t.Retransmitted), county1.PacketsOut);

        var room = await GetAsync<RoomDetailsDto>(http, county, "api/rooms/plenary", admin);
        Assert.Equal(["county", "town-1", "town-2"], room.Participants.Select(p => p.Node).Distinct().Order());

        // town-2 crashes: the directory drops it within 3 s.
        var clock = Stopwatch.StartNew();
        await town2.KillAsync();
        while ((await GetAsync<RoomDetailsDto>(http, county, "api/rooms/plenary", admin)).Participants.Any(p => p.Node == "town-2"))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "town-2 still listed 5 s after it was killed");
            await Task.Delay(50);
        }
        output.WriteLine($"town-2 dropped from the directory {clock.Elapsed.TotalSeconds:F2} s after SIGKILL");
        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(3), $"town-2 dropped after {clock.Elapsed.TotalSeconds:F1} s (goal: 3 s)");

        // Its village posts again to another node (town-1) and decodes within 5 s.
        var (orphan, _, orphanSite) = viewers[2];
        clock.Restart();
        var again = await orphan.SubscribeAsync(new Uri(town1.BaseAddress, "whep/plenary").ToString(), town1.Token("plenary", orphanSite, ParticipantRole.Audience));
        Assert.True(again.Succeeded, $"WHEP on town-1 after town-2 died failed: {again.Status} {again.Detail}");
        await orphan.WaitForStatsAsync(again.Handle, s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 0), TimeSpan.FromSeconds(5));
        var failover = clock.Elapsed;
        output.WriteLine($"site:21 decoding again on town-1 {failover.TotalSeconds:F2} s after its POST");
        Assert.True(failover <= TimeSpan.FromSeconds(5), $"decoding again took {failover.TotalSeconds:F1} s");

        // Redis stops: the relayed room keeps flowing, and town-1 still takes a subscriber for it (its link carries the room).
        await redis.StopAsync();
        await Task.Delay(1500);
        var before = await FramesAsync(viewers[0].Page, viewers[0].Handle);
        var late = await chromium.OpenPageAsync(town1.BaseAddress);
        var lateWatch = await late.SubscribeAsync(new Uri(town1.BaseAddress, "whep/plenary").ToString(), town1.Token("plenary", "site:13", ParticipantRole.Audience));
        Assert.True(lateWatch.Succeeded, $"WHEP on town-1 with Redis down failed: {lateWatch.Status} {lateWatch.Detail}");
        await late.WaitForStatsAsync(lateWatch.Handle, s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 0), MediaTimeout);
        Assert.True(await FramesAsync(viewers[0].Page, viewers[0].Handle) > before + 10, "town-1's subscriber stopped decoding when Redis stopped");
        // A room no link carries cannot be found without the directory: 503 with the reason.
        using var refused = await PostWhepAsync(http, town1, "other-room");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("Redis", await refused.Content.ReadAsStringAsync());
    }

    private static async Task<long> FramesAsync(MediaPage page, int handle) =>
        (await page.GetStatsAsync(handle)).Inbound.Where(x => x.Kind == "video").Sum(x => x.FramesDecoded);

    private static async Task<HttpResponseMessage> PostWhepAsync(HttpClient http, MediaServerProcess node, string room)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node.BaseAddress, "whep/" + room))
        {
            Content = new StringContent("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=fingerprint:sha-256 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00\r\na=setup:actpass\r\na=rtcp-mux\r\n"),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/sdp");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.Token(room, "site:99", ParticipantRole.Audience));
        return await http.SendAsync(request);
    }

    private static async Task<T> GetAsync<T>(HttpClient http, MediaServerProcess node, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.BaseAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} on {node.NodeId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }
}
