using System.Net;
using MediaCore.Protocol.Core;
using MediaCore.Server.Auth;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Cluster;

/// <summary>A track on a relay link, as the origin node describes it in the relay answer.</summary>
/// <param name="ProducerId">The producer on the origin node.</param>
/// <param name="Ssrc">The SSRC the track has on the link (the origin's relay consumer).</param>
/// <param name="Content">A screen/courseware share (RFC 4796 <c>a=content:slides</c> at the publisher): the receiving node's relayed
/// producer is content too, so its subscribers' content slots show it and its recorder names it <c>content</c>.</param>
public sealed record RelayTrackDto(string Room, string ProducerId, string ParticipantId, string Kind, string Codec, uint ClockRate,
    byte PayloadType, byte? RtxPayloadType, uint Ssrc, uint? RtxSsrc, bool Content = false);

/// <summary>One outbound track of a link, for <c>GET /api/cluster/links</c> and the one-copy check.</summary>
/// <param name="Published">Packets the source producer received since the track joined the link (RTX from the publisher included).</param>
/// <param name="Sent">Packets the link carried of it (retransmissions included).</param>
/// <param name="Forwarding">False while the link's top-N audio gate holds the track back (not among the room's N loudest here).</param>
/// <param name="Layer">Video: the simulcast layer the link carries now (0 = lowest), null before the first key frame.</param>
/// <param name="DemandBitrate">Video: the bandwidth the peer's receivers last asked for (bits/s; 50 Mb/s until the first demand).</param>
/// <param name="DemandMinLayer">Video: the highest layer a receiver behind the peer pinned, or null.</param>
/// <param name="Content">Video: a screen/courseware share (see <see cref="RelayTrackDto.Content"/>).</param>
public sealed record RelayOutTrackStats(string Room, string ProducerId, string Kind, long Published, long Sent, long Retransmitted, uint Ssrc,
    bool Forwarding = true, int? Layer = null, long? DemandBitrate = null, int? DemandMinLayer = null, bool Content = false);

/// <summary>A node asks the origin node for a room's tracks (<c>POST /api/cluster/relay</c>).</summary>
/// <param name="Node">The asking node's id (must match the token's <c>sub</c>, <c>node:{id}</c>).</param>
/// <param name="MediaHost">The asking node's media address: the link's packets go there and come from there.</param>
/// <param name="Key">Base64 SRTP master key + salt (AEAD_AES_128_GCM) of what the asking node sends on the link (its RTCP).</param>
public sealed record RelayRequest(string Node, long Incarnation, string MediaHost, int MediaPort, string Key, string Room);

/// <summary>The origin's answer: its key for the link and the tracks it now sends.</summary>
public sealed record RelayResponse(string Node, long Incarnation, string Key, IReadOnlyList<RelayTrackDto> Tracks);

/// <summary>A relay link as <c>GET /api/cluster/links</c> shows it.</summary>
/// <param name="Rtt">Round-trip time from the peer's receiver reports, seconds.</param>
public sealed record RelayLinkDto(string Peer, string Remote, int OutboundTracks, int InboundTracks, long PacketsOut, long BytesOut, long RtxOut,
    long PacketsIn, long BytesIn, long LostIn, double? Rtt, double LossOut, long NacksSent, long NacksReceived, long PlisSent, long PlisReceived,
    IReadOnlyList<string> InboundRooms, IReadOnlyList<RelayOutTrackStats> Outbound);

/// <summary>
/// The node-to-node relay API. Authenticated with a media token signed with the shared <c>MediaServer:TokenSecret</c>, room
/// <c>*</c>, role host and subject <c>node:{id}</c> (a node token); the SRTP keys travel in these calls, so
/// <c>MediaServer:Cluster:RelayUrl</c> must be https wherever the path between nodes is not trusted.
/// </summary>
public static class RelayApi
{
    public static IEndpointRouteBuilder MapRelayApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cluster").WithTags("Cluster").RequireMediaToken();

        group.MapPost("/relay", async Task<Results<Ok<RelayResponse>, ProblemHttpResult>> (HttpContext http, RelayRequest body, MediaEngine engine,
            IOptions<MediaServerOptions> options, ClusterDirectory directory, RelayManager relays) =>
        {
            var token = http.GetMediaToken();
            if (!token.IsAdmin || token.Subject != "node:" + body.Node) return Problems.Forbidden("a node token (room *, sub node:{id}) is required for relay links");
            if (body.Node == options.Value.NodeId) return Problems.BadRequest("a node does not relay to itself");
            if (!RoomId.TryParse(body.Room, out var room)) return Problems.BadRequest("invalid room id");
            if (!IPAddress.TryParse(body.MediaHost, out var host) || body.MediaPort is < 1 or > 65535)
                return Problems.BadRequest("mediaHost/mediaPort must be the asking node's media address");
            if (!RelayLink.IsValidKey(body.Key))
                return Problems.BadRequest("key must be base64 of a 16-byte AES key and a 12-byte salt (SRTP AEAD_AES_128_GCM)");
            // Tree: a child node (its Parent is this node) gets the room's tracks from other nodes through this one.
            if (await IsChildAsync(directory, body.Node, options.Value.NodeId))
                await relays.PullForChildAsync(room.Value, http.RequestAborted);
            lock (engine.Gate)
            {
                long now = engine.Clock.NowTicks;
                var link = engine.GetOrCreateRelayLink(options.Value.NodeId, body.Node, PeerAddress.FromEndPoint(new IPEndPoint(host, body.MediaPort)), now);
                try
                {
                    link.SetRemoteKey(body.Key, body.Incarnation);
                }
                catch (FormatException e)
                {
                    return Problems.BadRequest(e.Message);
                }
                var tracks = link.SyncOutbound(now, room.Value, engine.FindRoom(room));
                return TypedResults.Ok(new RelayResponse(options.Value.NodeId, directory.Incarnation, link.LocalKey, tracks));
            }
        }).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapDelete("/relay/{room}", Results<NoContent, ProblemHttpResult> (HttpContext http, string room, string node, MediaEngine engine) =>
        {
            var token = http.GetMediaToken();
            if (!token.IsAdmin || token.Subject != "node:" + node) return Problems.Forbidden("a node token (room *, sub node:{id}) is required for relay links");
            lock (engine.Gate)
            {
                var link = engine.FindRelayLink(node);
                if (link is null) return TypedResults.NoContent();
                link.ReleaseOutbound(room);
                if (link.IsIdle) engine.RemoveRelayLink(link, engine.Clock.NowTicks);
            }
            return TypedResults.NoContent();
        }).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/links", Results<Ok<IReadOnlyList<RelayLinkDto>>, ProblemHttpResult> (HttpContext http, MediaEngine engine) =>
        {
            if (!http.GetMediaToken().IsAdmin) return Problems.Forbidden("an admin token is required");
            lock (engine.Gate) return TypedResults.Ok(Snapshot(engine));
        }).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/nodes", async Task<Results<Ok<IReadOnlyList<ClusterNode>>, ProblemHttpResult>> (HttpContext http, ClusterDirectory directory) =>
        {
            if (!http.GetMediaToken().IsAdmin) return Problems.Forbidden("an admin token is required");
            if (!directory.IsAvailable) return Problems.Unavailable($"the cluster directory (Redis) is unreachable: {directory.LastError}");
            var nodes = await directory.AliveNodesAsync(fresh: true);
            return TypedResults.Ok<IReadOnlyList<ClusterNode>>(nodes.Values.OrderBy(n => n.Id, StringComparer.Ordinal).ToList());
        }).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<bool> IsChildAsync(ClusterDirectory directory, string node, string self)
    {
        if (!directory.IsAvailable) return false;
        try
        {
            return (await directory.AliveNodesAsync()).GetValueOrDefault(node)?.Parent == self;
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            return false; // without the directory: serve what this node has
        }
    }

    /// <summary>Every link's counters (caller holds the engine's gate).</summary>
    internal static IReadOnlyList<RelayLinkDto> Snapshot(MediaEngine engine) => engine.RelayLinks.Select(l => new RelayLinkDto(l.PeerNode, l.Remote.ToString(),
        l.OutboundTracks, l.InboundTracks, l.PacketsOut, l.BytesOut, l.RtxOut, l.PacketsIn, l.BytesIn, l.LostIn, l.RoundTripTime?.TotalSeconds, l.LossOut,
        l.NacksSent, l.NacksReceived, l.PlisSent, l.PlisReceived, l.InboundRooms.ToList(), l.OutboundStats().ToList())).ToList();
}
