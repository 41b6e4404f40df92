using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaCore.Server.Recording;

/// <summary>
/// Recording endpoints (room API; the room's host token or an admin token):
/// <code>
/// POST   /api/rooms/{room}/recording           start ({"layout":"program"|"grid"} optional) -> 201 {"id": ...}; 409 when running
/// DELETE /api/rooms/{room}/recording           stop   -> 200 the recording with its files; 404 when none runs
/// GET    /api/recordings                       admin: every recording on this node
/// GET    /api/recordings/{id}                  metadata (files, durations, sizes)
/// GET    /api/recordings/{id}/files/{name}     a file, with HTTP range requests (RFC 9110 §14)
/// </code>
/// </summary>
public static class RecordingApi
{
    public static IEndpointRouteBuilder MapRecordingApi(this IEndpointRouteBuilder app)
    {
        var rooms = app.MapGroup("/api/rooms/{room}/recording").WithTags("Recording").RequireMediaToken();
        rooms.MapPost("/", async Task<Results<Created<RecordingStartedDto>, ProblemHttpResult>> (HttpContext http, string room, RecordingService recordings) =>
        {
            if (!RoomId.TryParse(room, out var id)) return Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(http.GetMediaToken(), id) is { } denied) return Problems.Forbidden(denied);
            string layout = "program";
            if (http.Request.ContentLength > 0)
            {
                RecordingStartRequest? body;
                try
                {
                    body = await http.Request.ReadFromJsonAsync<RecordingStartRequest>(http.RequestAborted);
                }
                catch (System.Text.Json.JsonException e)
                {
                    return Problems.BadRequest("malformed JSON body: " + e.Message);
                }
                if (body?.Layout is { } l && l is not ("program" or "grid"))
                    return Problems.BadRequest("layout must be \"program\" or \"grid\"");
                layout = body?.Layout ?? layout;
            }
            return recordings.Start(id, out string recordingId, layout) switch
            {
                RecordingError.AlreadyRecording => Problems.Status(StatusCodes.Status409Conflict, "Conflict",
                    $"room {room} is already being recorded ({recordingId}); stop it first"),
                _ => TypedResults.Created($"/api/recordings/{recordingId}", new RecordingStartedDto(recordingId)),
            };
        }).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);

        rooms.MapDelete("/", Results<Ok<RecordingDto>, ProblemHttpResult> (HttpContext http, string room, RecordingService recordings) =>
        {
            if (!RoomId.TryParse(room, out var id)) return Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(http.GetMediaToken(), id) is { } denied) return Problems.Forbidden(denied);
            return recordings.Stop(id, out var result) == RecordingError.None
                ? TypedResults.Ok(result!)
                : Problems.NotFound($"room {room} is not being recorded");
        }).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        var group = app.MapGroup("/api/recordings").WithTags("Recording").RequireMediaToken();
        group.MapGet("/", Results<Ok<IReadOnlyList<RecordingDto>>, ProblemHttpResult> (HttpContext http, RecordingService recordings) =>
        {
            if (MediaAccess.CheckListRooms(http.GetMediaToken()) is { } denied) return Problems.Forbidden(denied);
            return TypedResults.Ok(recordings.List());
        });

        group.MapGet("/{id}", Results<Ok<RecordingDto>, ProblemHttpResult> (HttpContext http, string id, RecordingService recordings) =>
        {
            var recording = recordings.Find(id);
            if (recording == null) return Problems.NotFound("no such recording");
            if (Denied(http, recording) is { } denied) return denied;
            return TypedResults.Ok(recording);
        }).ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id}/files/{name}", IResult (HttpContext http, string id, string name, RecordingService recordings) =>
        {
            var recording = recordings.Find(id);
            if (recording == null) return Problems.NotFound("no such recording");
            if (Denied(http, recording) is { } denied) return denied;
            // Only names listed in the metadata are served: nothing else in the directory is reachable.
            var path = recordings.FilePath(recording, name);
            if (path == null || !File.Exists(path)) return Problems.NotFound("no such file in this recording");
            return TypedResults.PhysicalFile(path, ContentType(recording, name), name, enableRangeProcessing: true);
        }).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static ProblemHttpResult? Denied(HttpContext http, RecordingDto recording)
    {
        var token = http.GetMediaToken();
        return RoomId.TryParse(recording.Room, out var room) && MediaAccess.CheckReadRoom(token, room) is not { } denied
            ? null
            : Problems.Forbidden("reading a recording needs its room's host token or an admin token");
    }

    internal static string ContentType(RecordingDto recording, string name)
    {
        if (name.EndsWith(".mp4", StringComparison.Ordinal)) return "video/mp4";
        if (name.EndsWith(".mkv", StringComparison.Ordinal)) return "video/x-matroska";
        var file = recording.Files.FirstOrDefault(f => f.Name == name);
        return file?.Kind == "audio" ? "audio/webm" : "video/webm";
    }
}
