using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Snapshots;

/// <summary>
/// <c>GET /api/rooms/{room}/participants/{id}/snapshot</c>: the participant's current video as a JPEG (the
/// ControlPlane links it to attendance check-ins and meeting records). Asks the publisher for a fresh key
/// frame and waits briefly for it; falls back to the latest one seen.
/// </summary>
public static class SnapshotApi
{
    private static readonly TimeSpan FreshWait = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan EncodeTimeout = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapSnapshots(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/rooms/{room}/participants/{participant}/snapshot", async (HttpContext http, string room, string participant,
            SessionManager sessions, JpegEncoder encoder, CancellationToken ct) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(token, id) is { } denied) return Problems.Forbidden(denied);
            long requestedAt = sessions.RequestKeyFrame(id, participant);
            if (requestedAt < 0) return Problems.NotFound("that participant publishes no video in this room");

            KeyFrame? frame = null;
            var deadline = DateTime.UtcNow + FreshWait;
            while (DateTime.UtcNow < deadline)
            {
                frame = sessions.LatestKeyFrame(id, participant);
                if (frame != null && frame.CapturedAtTicks >= requestedAt) break;
                await Task.Delay(50, ct);
            }
            frame ??= sessions.LatestKeyFrame(id, participant);
            if (frame == null)
                return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "no key frame received from that participant yet");
            try
            {
                byte[] jpeg = await encoder.EncodeAsync(frame, EncodeTimeout, ct);
                http.Response.Headers.CacheControl = "no-store";
                return TypedResults.File(jpeg, "image/jpeg");
            }
            catch (SnapshotException e)
            {
                return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", e.Message);
            }
        }).WithTags("Rooms").RequireMediaToken();
        return app;
    }
}
