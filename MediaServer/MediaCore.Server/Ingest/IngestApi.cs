using MediaCore.Protocol.Codecs;
using MediaCore.Server.Auth;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Ingest;

/// <summary>
/// Plain-RTP ingest for ffmpeg, GStreamer and camera gateways:
/// <c>POST /api/rooms/{room}/ingest</c> (room host or admin token) opens a UDP port and answers where to send what;
/// <c>GET</c> lists a room's ingests; <c>DELETE /api/rooms/{room}/ingest/{id}</c> closes one.
/// </summary>
public static class IngestApi
{
    /// <summary>Body of the POST (all optional).</summary>
    /// <param name="Participant">Whose stream it is (e.g. <c>site:12</c> for a village camera); default <c>ingest:{id}</c>.</param>
    /// <param name="Video"><c>vp8</c> (default), <c>h264</c> or <c>none</c>.</param>
    /// <param name="Audio">Whether an Opus stream comes too (default true).</param>
    public sealed record IngestRequest(string? Participant, string? Video, bool? Audio);

    /// <summary>Where and what to send.</summary>
    public sealed record IngestDto(string Id, string Room, string Participant, string Address, int Port,
        string? VideoCodec, int? VideoPayloadType, int? AudioPayloadType, string Example, long PacketsReceived, string? Source);

    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rooms/{room}/ingest").WithTags("Ingest").RequireMediaToken();

        group.MapPost("/", (HttpContext http, string room, IngestRequest? body, IngestManager ingests, IOptions<MediaServerOptions> options) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.BadRequest("invalid room id: use 1-64 characters A-Z a-z 0-9 _ - .");
            if (MediaAccess.CheckReadRoom(token, id) is { } denied) return Problems.Forbidden(denied);
            var video = (body?.Video ?? "vp8").ToLowerInvariant() switch
            {
                "vp8" => CodecKind.Vp8,
                "h264" => CodecKind.H264,
                "none" => CodecKind.Unknown,
                _ => (CodecKind?)null,
            };
            if (video is null) return Problems.BadRequest("video must be vp8, h264 or none");
            bool audio = body?.Audio ?? true;
            if (video == CodecKind.Unknown && !audio) return Problems.BadRequest("an ingest needs video or audio");
            var participant = body?.Participant;
            if (participant is not null && (participant.Length is 0 or > 128 || participant.Any(char.IsControl)))
                return Problems.BadRequest("participant must be 1-128 printable characters");
            var (ingest, error) = ingests.Open(id, participant ?? "", video.Value, audio);
            if (ingest is null) return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", error!);
            var dto = ToDto(ingest, options.Value.AdvertisedAddress);
            return TypedResults.Created($"/api/rooms/{id.Value}/ingest/{ingest.Id}", dto);
        }).ProducesProblem(400).ProducesProblem(403).ProducesProblem(503);

        group.MapGet("/", (HttpContext http, string room, IngestManager ingests, IOptions<MediaServerOptions> options) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.NotFound("no such room");
            if (MediaAccess.CheckReadRoom(token, id) is { } denied) return Problems.Forbidden(denied);
            return TypedResults.Ok(ingests.List(id).Select(i => ToDto(i, options.Value.AdvertisedAddress)).ToList());
        });

        group.MapDelete("/{ingestId}", (HttpContext http, string room, string ingestId, IngestManager ingests) =>
        {
            var token = http.GetMediaToken();
            if (!RoomId.TryParse(room, out var id)) return (IResult)Problems.NotFound("no such ingest");
            if (MediaAccess.CheckReadRoom(token, id) is { } denied) return Problems.Forbidden(denied);
            if (ingests.Find(id, ingestId) is null || !ingests.Close(ingestId, "deleted")) return Problems.NotFound("no such ingest");
            return TypedResults.Ok();
        });
        return app;
    }

    private static IngestDto ToDto(RtpIngest i, string address)
    {
        string? codec = i.VideoCodec switch { CodecKind.Vp8 => "VP8", CodecKind.H264 => "H264", _ => null };
        var target = $"rtp://{address}:{i.Port}";
        var parts = new List<string> { "ffmpeg -re -i INPUT" };
        if (codec == "VP8")
            parts.Add($"-map 0:v -c:v libvpx -deadline realtime -b:v 1M -g 60 -f rtp -payload_type {RtpIngest.VideoPayloadType} {target}");
        else if (codec == "H264")
            parts.Add($"-map 0:v -c:v libx264 -profile:v baseline -tune zerolatency -g 60 -bsf:v h264_mp4toannexb -f rtp -payload_type {RtpIngest.VideoPayloadType} {target}");
        if (i.HasAudio)
            parts.Add($"-map 0:a -c:a libopus -ar 48000 -ac 2 -f rtp -payload_type {RtpIngest.AudioPayloadType} {target}");
        return new IngestDto(i.Id, i.Room.Id.Value, i.ParticipantId, address, i.Port, codec,
            codec is null ? null : RtpIngest.VideoPayloadType, i.HasAudio ? RtpIngest.AudioPayloadType : null,
            string.Join(' ', parts), i.PacketsReceived, i.Source.IsNone ? null : i.Source.ToString());
    }
}
