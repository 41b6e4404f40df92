using System.Text.Json.Serialization;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Playback;

/// <summary>
/// Scheduled playback into a room (the ControlPlane's scheduler calls it at the time):
/// <code>
/// POST   /api/rooms/{room}/playback   {"url": "...", "loops": 1} or {"recordingId": "rec-...", "loops": 1} -> 201 the publisher
/// GET    /api/rooms/{room}/playback   the room's file publishers (position, pass, frames sent)
/// DELETE /api/rooms/{room}/playback   stops them
/// </code>
/// A URL source needs an admin token (MediaServer fetches it: not something a room's host may point anywhere);
/// a recording source needs the room's host token or an admin token.
/// </summary>
public static class PlaybackApi
{
    /// <summary>POST body.</summary>
    public sealed record PlaybackRequest(
        [property: JsonPropertyName("url")] string? Url,
        [property: JsonPropertyName("recordingId")] string? RecordingId,
        [property: JsonPropertyName("loops")] int? Loops,
        [property: JsonPropertyName("participant")] string? Participant);

    public static IEndpointRouteBuilder MapPlaybackApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rooms/{room}/playback").WithTags("Playback").RequireMediaToken();
        group.MapPost("/", async (HttpContext http, string room, PlaybackRequest body, PlaybackManager playback) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.BadRequest("invalid room id: use 1-64 characters A-Z a-z 0-9 _ - .");
            if (MediaAccess.CheckReadRoom(token, id) is { } denied) return Problems.Forbidden(denied);
            if ((body.Url is null) == (body.RecordingId is null)) return Problems.BadRequest("give exactly one of url and recordingId");
            int loops = body.Loops ?? 1;
            if (loops is < 1 or > 100) return Problems.BadRequest("loops must be 1-100");
            var participant = body.Participant ?? "playback";
            if (participant.Length is 0 or > 128 || participant.Any(char.IsControl)) return Problems.BadRequest("participant must be 1-128 printable characters");
            IReadOnlyList<string> paths;
            string source;
            try
            {
                if (body.Url is { } url)
                {
                    if (MediaAccess.CheckListRooms(token) is { } notAdmin) return Problems.Forbidden("playing a URL " + notAdmin);
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                        return Problems.BadRequest("url must be an absolute http(s) URL");
                    paths = [await playback.FetchAsync(uri, http.RequestAborted)];
                    source = uri.GetLeftPart(UriPartial.Path);
                }
                else
                {
                    paths = playback.RecordingFiles(body.RecordingId!) ?? [];
                    if (paths.Count == 0) return Problems.NotFound("no such recording on this node, or it has no VP8/Opus track");
                    source = body.RecordingId!;
                }
                var dto = playback.Start(id, participant, paths, source, loops);
                return TypedResults.Created($"/api/rooms/{id.Value}/playback", dto);
            }
            catch (PlaybackFileException e)
            {
                return Problems.Status(StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity", "cannot play: " + e.Message);
            }
        }).ProducesProblem(400).ProducesProblem(403).ProducesProblem(404).ProducesProblem(422);

        group.MapGet("/", (HttpContext http, string room, PlaybackManager playback) =>
        {
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(http.GetMediaToken(), id) is { } denied) return Problems.Forbidden(denied);
            return TypedResults.Ok(playback.List(id));
        });

        group.MapDelete("/", (HttpContext http, string room, PlaybackManager playback) =>
        {
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(http.GetMediaToken(), id) is { } denied) return Problems.Forbidden(denied);
            return TypedResults.Ok(new { stopped = playback.StopRoom(id) });
        });
        return app;
    }
}
