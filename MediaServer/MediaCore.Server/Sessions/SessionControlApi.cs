using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Sessions;

/// <summary>Room-API controls over live sessions (host or admin token, like the other room-API writes).</summary>
public static class SessionControlApi
{
    /// <summary>Body of <c>PUT /api/rooms/{room}/participants/{id}/layer</c>: 0 = lowest simulcast layer, null = follow bandwidth.</summary>
    public sealed record LayerRequest(int? Layer);

    /// <summary>Body of <c>PUT /api/rooms/{room}/floor</c>: who holds the floor (null: the host again).</summary>
    public sealed record FloorRequest(string? Participant);

    public static IEndpointRouteBuilder MapSessionControl(this IEndpointRouteBuilder app)
    {
        // The floor holder's video leads every subscriber's program, ahead of the host's (docs/architecture.md, "The media model").
        app.MapPut("/api/rooms/{room}/floor", (HttpContext http, string room, FloorRequest body, SessionManager sessions) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(token, id) is { } denied) return Problems.Forbidden(denied);
            return sessions.SetFloor(id, body.Participant)
                ? TypedResults.Ok(new { room, floor = body.Participant })
                : Problems.NotFound("no such room");
        }).WithTags("Rooms").RequireMediaToken();

        var group = app.MapGroup("/api/rooms/{room}/participants/{participant}").WithTags("Rooms").RequireMediaToken();

        // Pins the simulcast layer a subscriber receives (an explicit override of the bandwidth-driven choice).
        group.MapPut("/layer", (HttpContext http, string room, string participant, LayerRequest body, SessionManager sessions) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(token, id) is { } denied) return Problems.Forbidden(denied);
            if (body.Layer is < 0 or > 2) return TypedResults.Problem("layer must be 0, 1, 2 or null", statusCode: 400);
            int changed = sessions.SetPreferredLayer(id, participant, body.Layer);
            return changed == 0
                ? Problems.NotFound("that participant has no subscription in this room")
                : TypedResults.Ok(new { participant, layer = body.Layer, subscriptions = changed });
        });
        return app;
    }
}
