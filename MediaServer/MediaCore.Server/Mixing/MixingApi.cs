using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Mixing;

/// <summary>Body of <c>PUT /api/rooms/{room}/audio</c>; omitted fields keep their value.</summary>
/// <param name="Mode"><c>mixed</c> or <c>forwarded</c>.</param>
/// <param name="N">Loudest speakers mixed (0..16), besides the host, floor holder and pinned participants.</param>
public sealed record RoomAudioRequest(string? Mode, int? N);

/// <summary>A room's audio settings and current speakers.</summary>
public sealed record RoomAudioDto(string Room, string Mode, int N, IReadOnlyList<string> Muted, IReadOnlyList<string> Pinned,
    IReadOnlyList<Routing.Audio.ActiveSpeaker> Speakers, string? Codec, IReadOnlyList<MixParticipantDto> Participants);

/// <summary>One participant as the mixer sees it (observers are listed to admin tokens only).</summary>
/// <param name="Level">Smoothed RFC 6464 level in dBov.</param>
/// <param name="LacksAudioLevel">Its packets carry no RFC 6464 audio level: its level is measured from the decoded audio.</param>
public sealed record MixParticipantDto(string Id, bool Selected, int Level, bool Receiving, bool Observer, bool LacksAudioLevel,
    long Packets, long DecodeFailures, long FramesConcealed);

/// <summary>
/// Audio controls of the room API, authenticated like the rest of it (<see cref="MediaAccess.CheckReadRoom"/>:
/// the room's host token or an admin token):
/// <c>GET|PUT /api/rooms/{room}/audio</c> (mode mixed|forwarded, N),
/// <c>POST /api/rooms/{room}/participants/{id}/mute|unmute|pin|unpin</c> (server-side: a muted participant
/// is dropped from the mix), and <c>GET /api/rooms/{room}/events</c>: server-sent events (<c>speakers</c>
/// when the mixed set changes, <c>levels</c> every second while someone speaks) for the portal and ControlPlane.
/// </summary>
public static class MixingApi
{
    public static IEndpointRouteBuilder MapMixingApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rooms/{room}").WithTags("Audio").RequireMediaToken().RequireCors(SignallingEndpoints.CorsPolicy);

        group.MapGet("/audio", (HttpContext http, string room, MediaEngine engine) =>
        {
            if (Authorize(http, room, out var id) is { } denied) return denied;
            lock (engine.Gate) return TypedResults.Ok(Describe(engine, id, MediaAccess.SeesObservers(http.GetMediaToken())));
        });

        group.MapPut("/audio", (HttpContext http, string room, RoomAudioRequest body, MediaEngine engine) =>
        {
            if (Authorize(http, room, out var id) is { } denied) return denied;
            RoomAudioMode? mode = null;
            if (body.Mode != null)
            {
                if (!Enum.TryParse<RoomAudioMode>(body.Mode, ignoreCase: true, out var m) || !Enum.IsDefined(m))
                    return Problems.BadRequest("mode must be \"mixed\" or \"forwarded\"");
                mode = m;
            }
            if (body.N is < 0 or > 16) return Problems.BadRequest("n must be 0..16");
            lock (engine.Gate)
            {
                var settings = engine.Mixing.GetSettings(id.Value);
                if (mode != null) settings.Mode = mode.Value;
                if (body.N != null) settings.MaxSpeakers = body.N.Value;
                Apply(engine, id);
                return TypedResults.Ok(Describe(engine, id));
            }
        });

        MapControl(group, "mute", (s, p) => s.Muted.Add(p));
        MapControl(group, "unmute", (s, p) => s.Muted.Remove(p));
        MapControl(group, "pin", (s, p) => s.Pinned.Add(p));
        MapControl(group, "unpin", (s, p) => s.Pinned.Remove(p));

        group.MapGet("/events", async (HttpContext http, string room, MediaEngine engine, CancellationToken cancellationToken) =>
        {
            if (Authorize(http, room, out var id) is { } denied)
            {
                await denied.ExecuteAsync(http);
                return;
            }
            using var feed = engine.Mixing.Subscribe(id.Value);
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            IReadOnlyList<Routing.Audio.ActiveSpeaker> now;
            lock (engine.Gate) now = engine.FindRoom(id)?.Audio.Mixer?.SnapshotSpeakers() ?? [];
            await WriteEventAsync(http, new SpeakerFeedMessage("speakers",
                System.Text.Json.JsonSerializer.Serialize(new SpeakerEventDto(id.Value, now), System.Text.Json.JsonSerializerOptions.Web)), cancellationToken);
            try
            {
                await foreach (var message in feed.Reader.ReadAllAsync(cancellationToken))
                    await WriteEventAsync(http, message, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
        });
        return app;
    }

    private static void MapControl(RouteGroupBuilder group, string action, Action<RoomAudioSettings, string> change)
    {
        group.MapPost($"/participants/{{participant}}/{action}", (HttpContext http, string room, string participant, MediaEngine engine) =>
        {
            if (Authorize(http, room, out var id) is { } denied) return denied;
            lock (engine.Gate)
            {
                change(engine.Mixing.GetSettings(id.Value), participant);
                Apply(engine, id);
                return TypedResults.Ok(Describe(engine, id));
            }
        });
    }

    private static IResult? Authorize(HttpContext http, string room, out RoomId id)
    {
        if (!RoomId.TryParse(room, out id)) return Problems.NotFound("no such room");
        return MediaAccess.CheckReadRoom(http.GetMediaToken(), id) is { } denied ? Problems.Forbidden(denied) : null;
    }

    private static void Apply(MediaEngine engine, RoomId id)
    {
        engine.FindRoom(id)?.Audio.ApplySettings();
        engine.Events?.RoomControlsChanged(id); // the other nodes of a cluster follow (Cluster/ClusterRoomControls)
    }

    private static RoomAudioDto Describe(MediaEngine engine, RoomId id, bool withObservers = false)
    {
        var s = engine.Mixing.GetSettings(id.Value);
        var mixer = engine.FindRoom(id)?.Audio.Mixer;
        var participants = mixer == null
            ? []
            : mixer.Participants.Where(p => withObservers || !p.IsObserver).Select(p => new MixParticipantDto(p.Id, p.IsSelected,
                (int)MathF.Round(p.LevelDbov), p.IsReceiving, p.IsObserver, p.LacksAudioLevel, p.PacketsReceived, p.DecodeFailures,
                p.FramesConcealed)).ToList();
        return new RoomAudioDto(id.Value, s.Mode == RoomAudioMode.Mixed ? "mixed" : "forwarded", s.MaxSpeakers,
            [.. s.Muted], [.. s.Pinned], mixer?.SnapshotSpeakers() ?? [], mixer?.Codecs.Description, participants);
    }

    private static async Task WriteEventAsync(HttpContext http, SpeakerFeedMessage message, CancellationToken cancellationToken)
    {
        // text/event-stream (HTML Living Standard §9.2): "event:" names the type, "data:" carries one JSON line.
        await http.Response.WriteAsync($"event: {message.Type}\ndata: {message.Json}\n\n", cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
    }
}
