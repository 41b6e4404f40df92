using MediaCore.Server.Auth;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Rooms;

/// <summary><c>GET /api/rooms/{room}/hands</c>: the queue and the floor, for the host console.</summary>
public sealed record HandsDto(string Room, string? Floor, IReadOnlyList<HandDto> Hands);

/// <summary><c>GET /api/rooms/{room}/hands/me</c>: the caller's own hand.</summary>
/// <param name="State"><c>none</c> | <c>waiting</c> | <c>granted</c>.</param>
public sealed record MyHandDto(string Room, string Participant, string State, bool Floor);

/// <summary>
/// Raise hand (docs/architecture.md, meetings: the audience publishes only when granted). A participant raises or
/// lowers its own hand with its room token; the room's host (or an admin token) lists the queue, grants
/// the floor, and revokes it. A grant is recorded in the room: while it lasts, a WHIP POST with that
/// participant's <em>audience</em> token is accepted (<see cref="MediaAccess.CheckPublish"/>) and the floor
/// moves to it, so its video leads the program and its audio is mixed. Revoking ends its audience WHIP
/// sessions and gives the floor back to the host. In a cluster the queue is the room's on every node (<see cref="IHandStore"/>,
/// <see cref="Cluster.ClusterHands"/>): a grant made on the county node lets a village publish on its town node, and a revoke
/// ends that publishing there.
/// <code>
/// POST   /api/rooms/{room}/hands                        own token (not observer)   raise
/// DELETE /api/rooms/{room}/hands/me                     own token                  lower (ends a grant)
/// GET    /api/rooms/{room}/hands/me                     own token                  none | waiting | granted
/// GET    /api/rooms/{room}/hands                        host or admin              queue + floor
/// POST   /api/rooms/{room}/hands/{participant}/grant    host or admin              grant (+ floor)
/// DELETE /api/rooms/{room}/hands/{participant}          host or admin              revoke / dismiss
/// </code>
/// </summary>
public static class HandsApi
{
    public static IEndpointRouteBuilder MapHandsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rooms/{room}/hands").WithTags("Floor").RequireMediaToken().RequireCors(SignallingEndpoints.CorsPolicy);

        group.MapPost("/", async Task<IResult> (HttpContext http, string room, IHandStore hands) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return Problems.NotFound("no such room");
            if (CheckOwn(token, id) is { } denied) return denied;
            if (token.Role == ParticipantRole.Observer) return Problems.Forbidden("an observer listens silently and may not raise a hand");
            var hand = await hands.RaiseAsync(id, token.Subject, token.DisplayName, token.Role.ToClaim());
            return hand is null
                ? Problems.Status(StatusCodes.Status409Conflict, "Conflict", $"the room's hand queue is full ({HandQueue.MaxHandsPerRoom})")
                : TypedResults.Ok(hand);
        });

        group.MapGet("/me", async Task<IResult> (HttpContext http, string room, IHandStore hands, SessionManager sessions) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return Problems.NotFound("no such room");
            if (CheckOwn(token, id) is { } denied) return denied;
            var hand = await hands.FindAsync(id, token.Subject);
            string state = hand is null ? "none" : hand.Granted ? "granted" : "waiting";
            return TypedResults.Ok(new MyHandDto(id.Value, token.Subject, state, sessions.GetFloor(id) == token.Subject));
        });

        group.MapDelete("/me", async Task<IResult> (HttpContext http, string room, IHandStore hands, SessionManager sessions) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return Problems.NotFound("no such room");
            if (CheckOwn(token, id) is { } denied) return denied;
            var hand = await hands.RemoveAsync(id, token.Subject);
            if (hand is null) return Problems.NotFound("no raised hand");
            int closed = EndGrant(sessions, id, hand);
            return TypedResults.Ok(new { participant = hand.Participant, lowered = true, closedSessions = closed });
        });

        group.MapGet("/", async Task<IResult> (HttpContext http, string room, IHandStore hands, SessionManager sessions) =>
        {
            if (!RoomId.TryParse(room, out var id)) return Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(http.GetMediaToken(), id) is { } denied) return Problems.Forbidden(denied);
            return TypedResults.Ok(new HandsDto(id.Value, sessions.GetFloor(id), await hands.ListAsync(id)));
        });

        group.MapPost("/{participant}/grant", async Task<IResult> (HttpContext http, string room, string participant, IHandStore hands, SessionManager sessions) =>
        {
            if (!RoomId.TryParse(room, out var id)) return Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(http.GetMediaToken(), id) is { } denied) return Problems.Forbidden(denied);
            if (string.IsNullOrWhiteSpace(participant) || participant.Length > 128) return Problems.BadRequest("invalid participant id");
            var hand = await hands.GrantAsync(id, participant);
            if (hand is null) return Problems.Status(StatusCodes.Status409Conflict, "Conflict", $"the room's hand queue is full ({HandQueue.MaxHandsPerRoom})");
            sessions.SetFloor(id, participant);
            return TypedResults.Ok(hand);
        });

        group.MapDelete("/{participant}", async Task<IResult> (HttpContext http, string room, string participant, IHandStore hands, SessionManager sessions) =>
        {
            if (!RoomId.TryParse(room, out var id)) return Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(http.GetMediaToken(), id) is { } denied) return Problems.Forbidden(denied);
            var hand = await hands.RemoveAsync(id, participant);
            if (hand is null) return Problems.NotFound("that participant has no raised hand or grant");
            int closed = EndGrant(sessions, id, hand);
            return TypedResults.Ok(new { participant, revoked = hand.Granted, closedSessions = closed });
        });
        return app;
    }

    /// <summary>
    /// A grant ended: the audience publisher stops (on this node; other nodes of a cluster end theirs when the change reaches
    /// them), and the floor returns to the host if it held it.
    /// </summary>
    private static int EndGrant(SessionManager sessions, RoomId room, HandDto hand)
    {
        if (!hand.Granted) return 0;
        if (sessions.GetFloor(room) == hand.Participant) sessions.SetFloor(room, null);
        return sessions.ClosePublishers(room, hand.Participant, ParticipantRole.Audience);
    }

    // A participant acts on its own hand with its room token (an admin token is not a participant).
    private static IResult? CheckOwn(MediaToken token, RoomId room)
        => token.IsAdmin || token.Room != room.Value ? Problems.Forbidden("use a token of this room to raise or lower your own hand") : null;
}
