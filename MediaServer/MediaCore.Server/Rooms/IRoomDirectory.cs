namespace MediaCore.Server.Rooms;

/// <summary>
/// Read side of the rooms on this node, for the room API. The session layer keeps it current; the
/// HTTP layer only reads. Implementations must be safe for concurrent readers and writers and return
/// snapshots (callers serialize them after the call).
/// </summary>
public interface IRoomDirectory
{
    /// <summary>Every room with at least one session, ordered by id.</summary>
    IReadOnlyList<RoomSummaryDto> ListRooms();

    /// <summary>One room with its sessions, or null when it has none.</summary>
    RoomDetailsDto? GetRoom(RoomId room);
}

/// <summary>A room in <c>GET /api/rooms</c>.</summary>
/// <param name="Participants">Distinct participant ids (observers included: only admins list rooms).</param>
/// <param name="Publishers">Publishing sessions: WHIP, SIP terminals and plain-RTP ingests.</param>
/// <param name="Nodes">In a cluster (<c>MediaServer:Cluster:Redis</c>): the nodes the room has sessions on; null on a single node.</param>
public sealed record RoomSummaryDto(string Room, int Participants, int Publishers, int Subscribers, IReadOnlyList<string>? Nodes = null);

/// <summary><c>GET /api/rooms/{room}</c>.</summary>
public sealed record RoomDetailsDto(string Room, IReadOnlyList<ParticipantDto> Participants);

/// <summary>One session of a participant (a participant publishing and watching appears twice).</summary>
/// <param name="Id">The participant id (token <c>sub</c>).</param>
/// <param name="Role"><c>host</c> | <c>speaker</c> | <c>audience</c> | <c>observer</c>.</param>
/// <param name="Kind"><c>publisher</c> (WHIP, or a SIP terminal's call) | <c>subscriber</c> (WHEP) | <c>ingest</c> (a plain-RTP ingest,
/// <c>POST /api/rooms/{room}/ingest</c>, e.g. a pulled RTSP camera; session id = the ingest id; not the site's attendance) |
/// <c>playback</c> (a file publisher, <c>POST /api/rooms/{room}/playback</c>; session id = the playback id).</param>
/// <param name="Node">In a cluster: the node the session is on (tracks are listed only for this node's own sessions); null on a single node.</param>
/// <param name="SipUser">A SIP terminal's call (session id <c>sip-…</c>, kind publisher): the terminal's SIP user
/// (<c>site-{siteId}-terminal-{deviceId}</c>); null for WHIP/WHEP sessions.</param>
/// <param name="Transport">A WHIP/WHEP session on this node: its WebRTC transport's state and join timeline (ICE checks,
/// nomination, DTLS, keys, SRTP counts, the next timer), for telling a join that hangs from one that carries nothing; null otherwise.</param>
public sealed record ParticipantDto(string Id, string SessionId, string Role, string Kind, string? DisplayName, DateTimeOffset JoinedAt, IReadOnlyList<TrackDto> Tracks,
    string? Node = null, string? SipUser = null, string? Transport = null);

/// <summary>A media track of a session.</summary>
/// <param name="Kind"><c>audio</c> | <c>video</c>.</param>
/// <param name="Mid">SDP media id (RFC 8843), when known.</param>
/// <param name="Codec">MIME subtype, e.g. <c>opus</c>, <c>VP8</c>, <c>H264</c>.</param>
/// <param name="Ssrcs">SSRCs seen or signalled (one per simulcast layer; RTX not included).</param>
/// <param name="Rids">Simulcast RIDs (RFC 8851), empty without simulcast; same order as <paramref name="Ssrcs"/> when both are known.</param>
/// <param name="Packets">RTP packets so far: received from the publisher (RTX included), or sent to the subscriber.</param>
/// <param name="Content">A screen/courseware share (publisher) or a content slot (subscriber): the m-line carried RFC 4796 <c>a=content:slides</c>.</param>
public sealed record TrackDto(string Kind, string? Mid, string Codec, IReadOnlyList<uint> Ssrcs, IReadOnlyList<string> Rids, long Packets, bool Content = false);
