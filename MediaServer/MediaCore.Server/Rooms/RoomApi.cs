using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaCore.Server.Rooms;

/// <summary>
/// Room API (JSON) for the ControlPlane: <c>GET /api/rooms</c> (admin token: <c>room=*</c>, role host) and
/// <c>GET /api/rooms/{room}</c> (admin token, or that room's host token). See <see cref="MediaAccess"/>.
/// </summary>
public static class RoomApi
{
    public static IEndpointRouteBuilder MapRoomApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rooms").WithTags("Rooms").RequireMediaToken().RequireCors(SignallingEndpoints.CorsPolicy);

        group.MapGet("/", Results<Ok<IReadOnlyList<RoomSummaryDto>>, ProblemHttpResult> (HttpContext http, IRoomDirectory rooms) =>
        {
            var token = http.GetMediaToken();
            if (MediaAccess.CheckListRooms(token) is { } denied) return Problems.Forbidden(denied);
            return TypedResults.Ok(rooms.ListRooms());
        }).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/{room}", Results<Ok<RoomDetailsDto>, ProblemHttpResult> (HttpContext http, string room, IRoomDirectory rooms) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(token, id) is { } denied) return Problems.Forbidden(denied);
            var details = rooms.GetRoom(id);
            if (details is null) return Problems.NotFound("no such room");
            if (!MediaAccess.SeesObservers(token))
                details = details with { Participants = details.Participants.Where(p => p.Role != "observer").ToList() };
            return TypedResults.Ok(details);
        }).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
