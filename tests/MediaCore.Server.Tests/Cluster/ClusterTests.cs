using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using MediaCore.Server.Auth;
using MediaCore.Server.Cluster;
using MediaCore.Server.Ingest;
using MediaCore.Server.Playback;
using MediaCore.Protocol.Matroska;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Tests.Infrastructure;
using MediaCore.Server.Tests.Sessions;

namespace MediaCore.Server.Tests.Cluster;

/// <summary>
/// Two MediaServer nodes (county and town) on one real redis-server: the room API answers for the cluster, a WHEP subscriber
/// on the town brings the county's tracks over one relay link, and a Redis outage leaves local rooms working while
/// cross-node joins get a 503 that says why, until Redis is back.
/// </summary>
// Node ids ("county", "town-1") label the process-wide relay metrics: cluster tests run one at a time.
[Collection("cluster")]
public sealed class ClusterTests
{
    private sealed record AudioControls(List<string> Muted, List<string> Pinned);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(8);

    /// <summary>
    /// A node's safety-net re-read of shared room state (controls, hands) far beyond any test's patience: a change that reaches
    /// the other node within the test came through the pub/sub announcement.
    /// </summary>
    internal const string AnnouncementsOnly = "--MediaServer:Cluster:SyncPollInterval=00:10:00";

    internal static async Task<TestMediaServer> StartNodeAsync(RedisServer redis, string nodeId, string? parent = null, params string[] extraArgs)
    {
        int port = RedisServer.FreeTcpPort();
        return await TestMediaServer.StartAsync(null, [
            $"--urls=http://127.0.0.1:{port}",
            $"--MediaServer:NodeId={nodeId}",
            $"--MediaServer:Cluster:Redis={redis.ConnectionString}",
            $"--MediaServer:Cluster:RelayUrl=http://127.0.0.1:{port}",
            $"--MediaServer:Cluster:Parent={parent ?? ""}",
            .. extraArgs]);
    }

    internal static async Task<HttpResponseMessage> PostSdpAsync(TestMediaServer node, string path, string room, string participant, ParticipantRole role, string fixture)
        => await node.Client.SendAsync(HttpExtensions.SdpPost($"/{path}/{room}", node.Token(room, participant, role), SessionHarness.Fixture(fixture)));

    internal static async Task<T> GetAsync<T>(TestMediaServer node, string url)
    {
        using var response = await node.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Get, url, node.Token("*", "controlplane", ParticipantRole.Host)));
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    internal static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        T value = await read();
        while (!done(value))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: not within {Patience.TotalSeconds} s (last: {System.Text.Json.JsonSerializer.Serialize(value)})");
            await Task.Delay(100);
            value = await read();
        }
        return value;
    }

    [Fact]
    public async Task RoomApi_PublisherOnCountySubscriberOnTown_BothNodesListTheRoomWithItsNodes()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var county = await StartNodeAsync(redis, "county");
        await using var town = await StartNodeAsync(redis, "town-1", parent: "county");

        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(county, "whip", "plenary", "county-host", ParticipantRole.Host, "chromium156-whip-offer.sdp")).StatusCode);
        var watch = await PostSdpAsync(town, "whep", "plenary", "site:12", ParticipantRole.Audience, "chromium156-whep-offer.sdp");
        Assert.Equal(HttpStatusCode.Created, watch.StatusCode);

        foreach (var node in new[] { county, town })
        {
            var rooms = await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(node, "/api/rooms"),
                r => r.Any(x => x.Room == "plenary" && x.Participants == 2), "both sessions listed");
            var plenary = Assert.Single(rooms, r => r.Room == "plenary");
            Assert.Equal((1, 1), (plenary.Publishers, plenary.Subscribers));
            Assert.Equal(["county", "town-1"], plenary.Nodes);
            var details = await GetAsync<RoomDetailsDto>(node, "/api/rooms/plenary");
            Assert.Equal("county", Assert.Single(details.Participants, p => p.Kind == "publisher").Node);
            Assert.Equal("town-1", Assert.Single(details.Participants, p => p.Kind == "subscriber").Node);
        }

        // One relay link, carrying the county's two tracks (audio + video) once. The town opens it after the directory
        // named the county's tracks (asynchronously, over HTTP), so wait for it rather than read it once.
        var countyLinks = await EventuallyAsync(() => GetAsync<List<RelayLinkDto>>(county, "/api/cluster/links"),
            l => l.Count > 0 && l[0].OutboundTracks == 2, "the county's relay link to town-1 with two tracks");
        var outbound = Assert.Single(countyLinks);
        Assert.Equal(("town-1", 2), (outbound.Peer, outbound.OutboundTracks));
        var townLinks = await EventuallyAsync(() => GetAsync<List<RelayLinkDto>>(town, "/api/cluster/links"),
            l => l.Count > 0 && l[0].InboundTracks == 2, "town-1's relay link from the county with two tracks");
        var inbound = Assert.Single(townLinks);
        Assert.Equal(("county", 2), (inbound.Peer, inbound.InboundTracks));
        Assert.Equal(["plenary"], inbound.InboundRooms);

        // Per-link series in /metrics (Grafana's "MediaCore / Cluster relay links").
        string metrics = await county.Client.GetStringAsync("/metrics");
        Assert.Contains("mediacore_relay_link_tracks{local=\"county\",peer=\"town-1\",direction=\"out\"} 2", metrics);
        Assert.Contains("mediacore_relay_link_packets_total{local=\"county\",peer=\"town-1\",direction=\"out\"}", metrics);

        // A second subscriber on the town reuses the link: still one copy of each track.
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whep", "plenary", "site:13", ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);
        Assert.Equal(2, Assert.Single(await GetAsync<List<RelayLinkDto>>(county, "/api/cluster/links")).OutboundTracks);
        var nodes = await GetAsync<List<ClusterNode>>(town, "/api/cluster/nodes");
        Assert.Equal(["county", "town-1"], nodes.Select(n => n.Id));
        Assert.Equal("county", nodes.Single(n => n.Id == "town-1").Parent);
    }

    [Fact]
    public async Task Tree_PublisherOnOneTownSubscriberOnAnother_TracksGoThroughTheCountyOneLinkPerTown()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var county = await StartNodeAsync(redis, "county");
        await using var town1 = await StartNodeAsync(redis, "town-1", parent: "county");
        await using var town2 = await StartNodeAsync(redis, "town-2", parent: "county");
        // A village on town-2 is given the floor in a county meeting; a village on town-1 watches.
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town2, "whip", "plenary", "site:21", ParticipantRole.Speaker, "chromium156-whip-offer.sdp")).StatusCode);
        await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(town1, "/api/rooms"), r => r.Any(x => x.Room == "plenary"), "town-2's publisher in the directory");
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town1, "whep", "plenary", "site:11", ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);

        var t1 = Assert.Single(await GetAsync<List<RelayLinkDto>>(town1, "/api/cluster/links"));
        Assert.Equal(("county", 2, 0), (t1.Peer, t1.InboundTracks, t1.OutboundTracks));
        var countyLinks = await GetAsync<List<RelayLinkDto>>(county, "/api/cluster/links");
        Assert.Equal((0, 2), countyLinks.Where(l => l.Peer == "town-1").Select(l => (l.InboundTracks, l.OutboundTracks)).Single());
        Assert.Equal((2, 0), countyLinks.Where(l => l.Peer == "town-2").Select(l => (l.InboundTracks, l.OutboundTracks)).Single());
        var t2 = Assert.Single(await GetAsync<List<RelayLinkDto>>(town2, "/api/cluster/links"));
        Assert.Equal(("county", 0, 2), (t2.Peer, t2.InboundTracks, t2.OutboundTracks));
    }

    [Fact]
    public async Task RelayApi_WithoutNodeTokenOrWithBadInput_RefusedWithReasonNothingCreated()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var county = await StartNodeAsync(redis, "county");
        string body = """{"node":"town-1","incarnation":1,"mediaHost":"127.0.0.1","mediaPort":40001,"key":"AAAA","room":"plenary"}""";
        async Task<HttpResponseMessage> Post(string token, string json)
        {
            var request = HttpExtensions.WithToken(HttpMethod.Post, "/api/cluster/relay", token);
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            return await county.Client.SendAsync(request);
        }
        // A site's token, or an admin token that is not this node's: 403.
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(county.Token("plenary", "site:1", ParticipantRole.Host), body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(county.Token("*", "controlplane", ParticipantRole.Host), body)).StatusCode);
        // The node's token with a key of the wrong size, or JSON that is not a relay request: 400 with a reason.
        var badKey = await Post(county.Token("*", "node:town-1", ParticipantRole.Host), body);
        Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
        Assert.Contains("key", await badKey.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(county.Token("*", "node:town-1", ParticipantRole.Host), "{\"node\":")).StatusCode);
        Assert.Empty(await GetAsync<List<RelayLinkDto>>(county, "/api/cluster/links"));
    }

    [Fact]
    public async Task RedisDown_LocalRoomsKeepServing_CrossNodeJoin503WithReason_HealsWhenRedisReturns()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var county = await StartNodeAsync(redis, "county");
        await using var town = await StartNodeAsync(redis, "town-1", parent: "county");
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(county, "whip", "plenary", "county-host", ParticipantRole.Host, "chromium156-whip-offer.sdp")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whip", "village", "site:12", ParticipantRole.Host, "chromium156-whip-offer.sdp")).StatusCode);
        await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(town, "/api/rooms"), r => r.Any(x => x.Room == "plenary"), "county's room seen by the town");

        await redis.StopAsync();
        var directory = town.Services.GetRequiredService<ClusterDirectory>();
        await EventuallyAsync(() => Task.FromResult(directory.IsAvailable), a => !a, "the town notices Redis is down");

        // Cross-node: 503, Retry-After, and a reason naming the directory.
        var refused = await PostSdpAsync(town, "whep", "plenary", "site:13", ParticipantRole.Audience, "chromium156-whep-offer.sdp");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("Redis", await refused.Content.ReadAsStringAsync());
        // Local rooms: joins work and the room API answers with this node's rooms.
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whep", "village", "site:14", ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(county, "whep", "plenary", "county-2", ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);
        var local = await GetAsync<List<RoomSummaryDto>>(town, "/api/rooms");
        Assert.Equal(["village"], local.Select(r => r.Room));

        await redis.StartAgainAsync();
        // Each node writes its sessions again: the town sees the county's room (publisher + the join made during the outage).
        await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(town, "/api/rooms"),
            r => r.Any(x => x.Room == "plenary" && x.Participants == 2) && r.Any(x => x.Room == "village" && x.Participants == 2), "cluster view healed");
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whep", "plenary", "site:13", ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);
    }

    [Fact]
    public async Task Ingest_OnCounty_TownListsItAsAPublisherAndItsSubscriberGetsEveryPacketOverTheLink()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var county = await StartNodeAsync(redis, "county");
        await using var town = await StartNodeAsync(redis, "town-1", parent: "county");
        // A camera pushed into the county's meeting over plain RTP (ffmpeg; the ControlPlane pulls RTSP cameras the same way).
        using var post = HttpExtensions.WithToken(HttpMethod.Post, "/api/rooms/plenary/ingest", county.Token("plenary", "county-host", ParticipantRole.Host));
        post.Content = JsonContent.Create(new { participant = "site:7", video = "vp8", audio = false });
        using var created = await county.Client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ingest = (await created.Content.ReadFromJsonAsync<IngestApi.IngestDto>())!;

        // The town lists it, on the county, as a publisher of the room (kind "ingest").
        var rooms = await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(town, "/api/rooms"), r => r.Any(x => x.Room == "plenary"), "the ingest in the directory");
        var plenary = Assert.Single(rooms, r => r.Room == "plenary");
        Assert.Equal((1, 1, 0), (plenary.Participants, plenary.Publishers, plenary.Subscribers));
        Assert.Equal(["county"], plenary.Nodes);
        var listed = Assert.Single((await GetAsync<RoomDetailsDto>(town, "/api/rooms/plenary")).Participants);
        Assert.Equal(("site:7", ingest.Id, "ingest", "speaker", "county"), (listed.Id, listed.SessionId, listed.Kind, listed.Role, listed.Node));

        // A village on the town watches: the town brings the ingest's video in over the link to the county.
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whep", "plenary", "site:12", ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);
        var link = Assert.Single(await GetAsync<List<RelayLinkDto>>(town, "/api/cluster/links"));
        Assert.Equal(("county", 1), (link.Peer, link.InboundTracks));

        // The camera sends 30 VP8 frames, a key frame first.
        const int frames = 30;
        using (var camera = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            for (int i = 0; i < frames; i++)
            {
                byte[] packet = RelayLayerDemandTests.Vp8(0x7777, (ushort)(1000 + i), 90000 + (uint)i * 3000, (ushort)(i + 1), key: i == 0, size: 300);
                await camera.SendToAsync(packet, new IPEndPoint(IPAddress.Loopback, ingest.Port));
            }
        }

        // Every packet crosses the link once and reaches the town's subscriber (its program slot's counter).
        var town1 = await EventuallyAsync(() => GetAsync<RoomDetailsDto>(town, "/api/rooms/plenary"),
            d => d.Participants.Single(p => p.Kind == "subscriber").Tracks.Where(t => t.Kind == "video").Sum(t => t.Packets) == frames,
            $"the town's subscriber received the ingest's {frames} packets");
        Assert.Equal("town-1", town1.Participants.Single(p => p.Kind == "subscriber").Node);
        var outbound = Assert.Single(Assert.Single(await GetAsync<List<RelayLinkDto>>(county, "/api/cluster/links")).Outbound);
        Assert.Equal((ingest.Id + "-video", (long)frames, (long)frames), (outbound.ProducerId, outbound.Published, outbound.Sent));

        // Closed on the county: gone from the town's view of the room.
        using var delete = HttpExtensions.WithToken(HttpMethod.Delete, $"/api/rooms/plenary/ingest/{ingest.Id}", county.Token("plenary", "county-host", ParticipantRole.Host));
        Assert.Equal(HttpStatusCode.OK, (await county.Client.SendAsync(delete)).StatusCode);
        await EventuallyAsync(() => GetAsync<RoomDetailsDto>(town, "/api/rooms/plenary"), d => d.Participants.All(p => p.Kind != "ingest"), "the closed ingest leaves the directory");
    }

    /// <summary>A VP8 WebM file of <paramref name="frames"/> 25 fps frames of 300 bytes (a key frame every second), as the recorder writes one.</summary>
    private static string WriteVp8Webm(int frames)
    {
        var cluster = new MatroskaClusterBuilder();
        for (int i = 0; i < frames; i++)
        {
            bool key = i % 25 == 0;
            var frame = new byte[300];
            // RFC 6386 §9.1: frame tag (P bit 0 = key frame, show_frame), then a key frame's start code and 320x240.
            frame[0] = key ? (byte)0x10 : (byte)0x11;
            if (key) new byte[] { 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00 }.CopyTo(frame, 3);
            cluster.Append(i * 40, key, frame);
        }
        string path = Path.Combine(Directory.CreateTempSubdirectory("mediacore-playback-").FullName, "courseware.webm");
        using var file = File.Create(path);
        file.Write(MatroskaHeader.Create(new MatroskaTrack { Codec = MatroskaCodec.Vp8, Width = 320, Height = 240 }, out _));
        file.Write(cluster.Complete(0));
        return path;
    }

    [Fact]
    public async Task Playback_OnCounty_TownListsItAsPlaybackAndItsProjectorReceivesTheFileOverTheLink()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var county = await StartNodeAsync(redis, "county");
        await using var town = await StartNodeAsync(redis, "town-1", parent: "county");
        // Scheduled courseware played into a village's playback room on the county node (the ControlPlane's scheduler calls
        // POST /api/rooms/{room}/playback there): 2 s of VP8, looped.
        var playing = county.Services.GetRequiredService<PlaybackManager>()
            .Start(RoomId.Parse("course"), "playback", [WriteVp8Webm(50)], "courseware.webm", loops: 100);

        // The town lists it, on the county, as a publisher of the room (kind "playback").
        var rooms = await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(town, "/api/rooms"), r => r.Any(x => x.Room == "course"), "the playback in the directory");
        Assert.Equal((1, 1, 0), rooms.Where(r => r.Room == "course").Select(r => (r.Participants, r.Publishers, r.Subscribers)).Single());
        var listed = Assert.Single((await GetAsync<RoomDetailsDto>(town, "/api/rooms/course")).Participants);
        Assert.Equal(("playback", playing.Id, "playback", "speaker", "county"), (listed.Id, listed.SessionId, listed.Kind, listed.Role, listed.Node));

        // The village's projector on the town (WHEP) gets the file's video over the town's link to the county.
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whep", "course", "site:12", ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);
        var link = Assert.Single(await GetAsync<List<RelayLinkDto>>(town, "/api/cluster/links"));
        Assert.Equal(("county", 1), (link.Peer, link.InboundTracks));
        Assert.Equal(["course"], link.InboundRooms);
        Assert.Equal(playing.Id + "-video", Assert.Single(Assert.Single(await GetAsync<List<RelayLinkDto>>(county, "/api/cluster/links")).Outbound).ProducerId);
        await EventuallyAsync(() => GetAsync<RoomDetailsDto>(town, "/api/rooms/course"),
            d => d.Participants.Single(p => p.Kind == "subscriber").Tracks.Where(t => t.Kind == "video").Sum(t => t.Packets) >= 25,
            "the projector on the town received a second of the file's video");

        // Stopped on the county: gone from the town's view of the room.
        Assert.Equal(HttpStatusCode.OK, await StopPlaybackAsync(county));
        await EventuallyAsync(() => GetAsync<RoomDetailsDto>(town, "/api/rooms/course"), d => d.Participants.All(p => p.Kind != "playback"), "the stopped playback leaves the directory");
    }

    private static async Task<HttpStatusCode> StopPlaybackAsync(TestMediaServer node)
    {
        using var delete = HttpExtensions.WithToken(HttpMethod.Delete, "/api/rooms/course/playback", node.Token("*", "controlplane", ParticipantRole.Host));
        using var response = await node.Client.SendAsync(delete);
        return response.StatusCode;
    }

    [Fact]
    public async Task Share_LecturerOnCounty_TownSubscribersContentSlotShowsItAndTheCameraSlotTheCamera()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var county = await StartNodeAsync(redis, "county");
        await using var town = await StartNodeAsync(redis, "town-1", parent: "county");
        // The county lecturer shares a screen (RFC 4796 a=content:slides on its video m-line) next to the host's camera.
        static string MarkContent(string sdp, string mid)
        {
            string eol = sdp.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
            return sdp.Replace("a=mid:" + mid + eol, "a=mid:" + mid + eol + "a=content:slides" + eol, StringComparison.Ordinal);
        }
        string share = MarkContent(SessionHarness.Fixture("chromium156-whip-offer.sdp"), "1");
        Assert.Equal(HttpStatusCode.Created, (await county.Client.SendAsync(HttpExtensions.SdpPost("/whip/lecture", county.Token("lecture", "lecturer", ParticipantRole.Speaker), share))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(county, "whip", "lecture", "county-host", ParticipantRole.Host, "chromium156-whip-offer.sdp")).StatusCode);
        await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(town, "/api/rooms"), r => r.Any(x => x.Room == "lecture" && x.Publishers == 2), "both publishers in the directory");

        // A village on the town watches with a camera slot (mid 1) and a content slot (mid 2), as the Portal's player does.
        string watch = MarkContent(SessionHarness.Fixture("chromium156-whep-offer.sdp"), "2");
        Assert.Equal(HttpStatusCode.Created, (await town.Client.SendAsync(HttpExtensions.SdpPost("/whep/lecture", town.Token("lecture", "site:12", ParticipantRole.Audience), watch))).StatusCode);

        // The link says which track is the share...
        var outbound = Assert.Single(await GetAsync<List<RelayLinkDto>>(county, "/api/cluster/links")).Outbound.Where(t => t.Kind == "video").ToList();
        Assert.Equal(2, outbound.Count);
        Assert.Single(outbound, t => t.Content);
        // ...so on the town the share is content: the content slot takes it, the camera slot the host's camera.
        var engine = town.Services.GetRequiredService<MediaEngine>();
        lock (engine.Gate)
        {
            var subscriber = engine.FindRoom(RoomId.Parse("lecture"))!.Sessions.OfType<SubscriberSession>().Single();
            var contentSlot = Assert.Single(subscriber.Consumers, c => c.IsContent);
            var cameraSlot = subscriber.Consumers.First(c => c.Kind == Protocol.Sdp.MediaKind.Video && !c.IsContent);
            Assert.Equal(("lecturer", true, "county"), (contentSlot.Source?.ParticipantId, contentSlot.Source?.IsContent, RelayNames.OriginOf(contentSlot.Source?.Id ?? "")));
            Assert.Equal(("county-host", false, "county"), (cameraSlot.Source?.ParticipantId, cameraSlot.Source?.IsContent, RelayNames.OriginOf(cameraSlot.Source?.Id ?? "")));
        }
    }

    [Fact]
    public async Task Controls_FloorPinAndMuteSetOnCounty_TownAppliesThemAsAnnounced_FloorHoldersRelayedVideoLeadsTheTownsProgram()
    {
        await using var redis = await RedisServer.StartAsync();
        // No safety-net re-read within the test: the town learns each change from its announcement on mc:controls.
        await using var county = await StartNodeAsync(redis, "county", null, AnnouncementsOnly);
        await using var town = await StartNodeAsync(redis, "town-1", "county", AnnouncementsOnly);
        // The county host and a lecturer publish on the county; a village watches on the town.
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(county, "whip", "plenary", "county-host", ParticipantRole.Host, "chromium156-whip-offer.sdp")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(county, "whip", "plenary", "lecturer", ParticipantRole.Speaker, "chromium156-whip-offer.sdp")).StatusCode);
        await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(town, "/api/rooms"), r => r.Any(x => x.Room == "plenary" && x.Publishers == 2), "both publishers in the directory");
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whep", "plenary", "site:12", ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);
        var engine = town.Services.GetRequiredService<MediaEngine>();
        Task<string?> TownProgram()
        {
            lock (engine.Gate)
            {
                var subscriber = engine.FindRoom(RoomId.Parse("plenary"))!.Sessions.OfType<SubscriberSession>().Single();
                return Task.FromResult(subscriber.Consumers.First(c => c.Kind == Protocol.Sdp.MediaKind.Video).Source?.ParticipantId);
            }
        }
        Assert.Equal("county-host", await TownProgram());

        // The county host, on the county node: the floor to the lecturer, site:99 pinned into the mix, site:98 muted.
        string host = county.Token("plenary", "county-host", ParticipantRole.Host);
        using (var floor = HttpExtensions.WithToken(HttpMethod.Put, "/api/rooms/plenary/floor", host))
        {
            floor.Content = JsonContent.Create(new { participant = "lecturer" });
            Assert.Equal(HttpStatusCode.OK, (await county.Client.SendAsync(floor)).StatusCode);
        }
        using (var pin = HttpExtensions.WithToken(HttpMethod.Post, "/api/rooms/plenary/participants/site:99/pin", host))
            Assert.Equal(HttpStatusCode.OK, (await county.Client.SendAsync(pin)).StatusCode);
        using (var mute = HttpExtensions.WithToken(HttpMethod.Post, "/api/rooms/plenary/participants/site:98/mute", host))
            Assert.Equal(HttpStatusCode.OK, (await county.Client.SendAsync(mute)).StatusCode);

        // The town's mixer and top-N gate take the same pins and mutes, and its program follows the floor.
        var audio = await EventuallyAsync(() => GetAsync<AudioControls>(town, "/api/rooms/plenary/audio"),
            a => a.Pinned.Contains("site:99") && a.Muted.Contains("site:98"), "the county's pin and mute on the town");
        Assert.Equal(["site:99"], audio.Pinned);
        Assert.Equal(["site:98"], audio.Muted);
        await EventuallyAsync(TownProgram, p => p == "lecturer", "the lecturer's relayed video leads the town's program");
        using var hands = await town.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Get, "/api/rooms/plenary/hands", town.Token("*", "controlplane", ParticipantRole.Host)));
        Assert.Contains("\"floor\":\"lecturer\"", await hands.Content.ReadAsStringAsync());

        // Controls set before the town holds the room: the town reads them when its first village joins.
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(county, "whip", "partial", "county-host", ParticipantRole.Host, "chromium156-whip-offer.sdp")).StatusCode);
        using (var pin = HttpExtensions.WithToken(HttpMethod.Post, "/api/rooms/partial/participants/site:77/pin", county.Token("partial", "county-host", ParticipantRole.Host)))
            Assert.Equal(HttpStatusCode.OK, (await county.Client.SendAsync(pin)).StatusCode);
        await EventuallyAsync(() => GetAsync<List<RoomSummaryDto>>(town, "/api/rooms"), r => r.Any(x => x.Room == "partial"), "the second meeting in the directory");
        Assert.Equal(HttpStatusCode.Created, (await PostSdpAsync(town, "whep", "partial", "site:12", ParticipantRole.Audience, "chromium156-whep-offer.sdp")).StatusCode);
        await EventuallyAsync(() => GetAsync<AudioControls>(town, "/api/rooms/partial/audio"), a => a.Pinned.Contains("site:77"), "the pin set before the town held the room");
    }
}
