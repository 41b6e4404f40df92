using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Sessions;

/// <summary>Room-API controls over live sessions (host or admin token, like the other room-API writes).</summary>
public static class SessionControlApi
{
    /// <summary>Body of <c>PUT /api/rooms/{room}/participants/{id}/layer</c>: 0 = lowest simulcast layer, null = follow bandwidth.</summary>
    /// <param name="Session">Only this subscription (the WHEP resource id from its <c>Location</c>); null: all of the participant's.</param>
    public sealed record LayerRequest(int? Layer, string? Session = null);

    /// <summary>Body of <c>PUT /api/rooms/{room}/participants/{id}/source</c>: whose video to show (null: the program again).</summary>
    /// <param name="Session">Only this subscription (the WHEP resource id); null: all of the participant's.</param>
    public sealed record SourceRequest(string? Source, string? Session = null);

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
        }).WithTags("Rooms").RequireMediaToken().RequireCors(SignallingEndpoints.CorsPolicy);

        var group = app.MapGroup("/api/rooms/{room}/participants/{participant}").WithTags("Rooms").RequireMediaToken().RequireCors(SignallingEndpoints.CorsPolicy);

        // Pins the simulcast layer a subscriber receives (an explicit override of the bandwidth-driven choice).
        group.MapPut("/layer", (HttpContext http, string room, string participant, LayerRequest body, SessionManager sessions) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.NotFound("no such room");
            if (MediaAccess.CheckControlSubscription(token, id, participant) is { } denied) return Problems.Forbidden(denied);
            if (body.Layer is < 0 or > 2) return TypedResults.Problem("layer must be 0, 1, 2 or null", statusCode: 400);
            int changed = body.Session is { } session
                ? sessions.SetPreferredLayer(id, participant, session, body.Layer)
                : sessions.SetPreferredLayer(id, participant, body.Layer);
            return changed == 0
                ? Problems.NotFound("that participant has no subscription in this room")
                : TypedResults.Ok(new { participant, layer = body.Layer, subscriptions = changed });
        });

        // Switches a subscription's video to one participant's (a patrol grid cell), without renegotiation:
        // the consumer keeps its SSRC and takes the new source at its next key frame.
        group.MapPut("/source", (HttpContext http, string room, string participant, SourceRequest body, SessionManager sessions) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.NotFound("no such room");
            if (MediaAccess.CheckControlSubscription(token, id, participant) is { } denied) return Problems.Forbidden(denied);
            int changed = sessions.SetVideoSource(id, participant, body.Session, body.Source);
            return changed switch
            {
                -1 => Problems.NotFound($"{body.Source} publishes no video in this room"),
                0 => Problems.NotFound("that participant has no such subscription in this room"),
                _ => TypedResults.Ok(new { participant, source = body.Source, subscriptions = changed }),
            };
        });
        return app;
    }
}
