using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Auth;

/// <summary>
/// The one place that answers "may this token do that in this room?". Endpoints ask here and never
/// re-implement the rules. Rules:
/// <list type="bullet">
/// <item>An admin token (<c>room=*</c>, role host; the ControlPlane's) may do everything in every room.</item>
/// <item>Otherwise the token's <c>room</c> must equal the room in the URL (else 403).</item>
/// <item>Publishing (WHIP) needs host or speaker, or audience while the room's host granted that participant
/// the floor (raise hand, <see cref="Rooms.HandsApi"/>). Subscribing (WHEP) is open to every role.</item>
/// <item>Ending a session needs the session's owner (same <c>sub</c>) or a host of the room.</item>
/// <item>Room API: <c>GET /api/rooms</c> needs an admin token; <c>GET /api/rooms/{room}</c> an admin token or
/// that room's host token. Observers are listed to admins only (docs/architecture.md: silent listen-in).</item>
/// </list>
/// </summary>
public static class MediaAccess
{
    /// <summary>Null when allowed, else the reason for a 403.</summary>
    public static string? CheckPublish(MediaToken token, RoomId room, bool granted = false)
        => CheckRoom(token, room) ?? (token.Role.CanPublish() || token.IsAdmin || (granted && token.Role == ParticipantRole.Audience)
            ? null
            : token.Role == ParticipantRole.Audience
                ? "role audience may publish only while the host grants it the floor (raise your hand first)"
                : $"role {token.Role.ToClaim()} may not publish");

    /// <summary>
    /// Null when allowed, else the reason for a 403: a room's host or an admin controls any subscription; a
    /// participant controls its own (patrol: a console switching its grid cells' sources and layers).
    /// </summary>
    public static string? CheckControlSubscription(MediaToken token, RoomId room, string participantId)
        => CheckReadRoom(token, room) is null || (token.Room == room.Value && token.Subject == participantId)
            ? null
            : "controlling a subscription needs its owner's token, the room's host token or an admin token";

    /// <summary>Null when allowed, else the reason for a 403.</summary>
    public static string? CheckSubscribe(MediaToken token, RoomId room) => CheckRoom(token, room);

    /// <summary>Null when allowed, else the reason for a 403.</summary>
    public static string? CheckRoom(MediaToken token, RoomId room)
        => token.IsAdmin || token.Room == room.Value ? null : "the token is for another room";

    /// <summary>Null when allowed, else the reason for a 403. Call <see cref="CheckRoom"/> first.</summary>
    public static string? CheckEndSession(MediaToken token, SessionInfo session)
        => token.IsAdmin || token.Role == ParticipantRole.Host || token.Subject == session.ParticipantId
            ? null
            : "only the session's owner or a host may end it";

    /// <summary>Null when allowed, else the reason for a 403.</summary>
    public static string? CheckListRooms(MediaToken token) => token.IsAdmin ? null : "listing rooms needs an admin token (room *, role host)";

    /// <summary>Null when allowed, else the reason for a 403.</summary>
    public static string? CheckReadRoom(MediaToken token, RoomId room)
        => token.IsAdmin || (token.Room == room.Value && token.Role == ParticipantRole.Host) ? null : "reading a room needs its host token or an admin token";

    /// <summary>Whether observers appear in participant lists shown to this token.</summary>
    public static bool SeesObservers(MediaToken token) => token.IsAdmin;
}
