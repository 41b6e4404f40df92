using System.Buffers;
using System.Text;
using MediaCore.Server.Auth;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace MediaCore.Server.Signalling;

/// <summary>
/// WHIP (RFC 9725) at <c>/whip/{room}</c> and WHEP (same shape) at <c>/whep/{room}</c>:
/// <c>POST</c> an SDP offer -> 201 + answer + <c>Location</c>; <c>DELETE</c> the location to leave;
/// <c>PATCH</c> -> 405 (ICE-lite, no trickle or ICE restart, §4.3.1); <c>OPTIONS</c> -> 204 with
/// <c>Accept-Post</c>. CORS is open to any origin: credentials are Bearer tokens, never cookies.
/// </summary>
public static class SignallingEndpoints
{
    public const string SdpMediaType = "application/sdp";
    public const string CorsPolicy = "whip-whep";
    /// <summary>Per client address token bucket on new sessions (<c>MediaServer:Limits</c>): 429 past it.</summary>
    public const string RateLimitPolicy = "whip-whep-offers";

    /// <summary>Maps the WHIP and WHEP endpoints.</summary>
    public static IEndpointRouteBuilder MapSignalling(this IEndpointRouteBuilder app)
    {
        MapKind(app, "/whip", SessionKind.Publisher);
        MapKind(app, "/whep", SessionKind.Subscriber);
        return app;
    }

    private static void MapKind(IEndpointRouteBuilder app, string prefix, SessionKind kind)
    {
        var group = app.MapGroup(prefix).RequireCors(CorsPolicy)
            .WithTags(kind == SessionKind.Publisher ? "WHIP" : "WHEP");

        group.MapPost("/{room}", (HttpContext http, string room, ISessionManager sessions, SessionAudit audit, IOptions<MediaServerOptions> options, TimeProvider time, IHandStore hands, CancellationToken ct)
                => CreateSessionAsync(http, kind, prefix, room, sessions, audit, options.Value, time, hands, ct))
            .RequireMediaToken()
            .RequireRateLimiting(RateLimitPolicy)
            .Accepts<string>(SdpMediaType)
            .Produces<string>(StatusCodes.Status201Created, SdpMediaType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status501NotImplemented)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapDelete("/{room}/{sessionId}", (HttpContext http, string room, string sessionId, ISessionManager sessions, SessionAudit audit, CancellationToken ct)
                => DeleteSessionAsync(http, kind, room, sessionId, sessions, audit, ct))
            .RequireMediaToken()
            .Produces(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        if (kind == SessionKind.Publisher)
        {
            // Server-sent events for the publisher of this session (like the WHEP draft's server-sent-events extension):
            // `video-codec` tells it which codec the room needs (Sip/VideoCodecWish), so it can publish again with H.264.
            group.MapGet("/{room}/{sessionId}/events", (HttpContext http, string room, string sessionId, ISessionManager sessions,
                    Sip.VideoCodecWish wish, CancellationToken ct) => PublisherEventsAsync(http, room, sessionId, sessions, wish, ct))
                .RequireMediaToken()
                .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound);
            // CORS preflight of the Portal's fetch (it sends an Authorization header), like the resource's OPTIONS below.
            group.MapMethods("/{room}/{sessionId}/events", [HttpMethods.Options], (HttpContext http) =>
            {
                http.Response.Headers.Allow = "GET, OPTIONS";
                return TypedResults.NoContent();
            });
        }

        // RFC 9725 §4.3.1: a WHIP session without trickle ICE or ICE restart support answers PATCH with 405.
        group.MapMethods("/{room}/{sessionId}", [HttpMethods.Patch], (HttpContext http) =>
        {
            http.Response.Headers.Allow = "DELETE, OPTIONS";
            return TypedResults.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method Not Allowed",
                detail: "this server is ICE-lite: no trickle ICE or ICE restart; send a complete offer");
        });

        // RFC 9725 §4.6: ICE servers may be learnt before the offer. A client that does not trickle (ours gathers
        // before it POSTs) needs them then; they carry TURN credentials, so only a valid media token gets them.
        group.MapMethods("/{room}", [HttpMethods.Options], async (HttpContext http, string room, MediaTokenValidator validator, IOptions<MediaServerOptions> options, TimeProvider time) =>
        {
            http.Response.Headers["Accept-Post"] = SdpMediaType;
            http.Response.Headers.Allow = "POST, OPTIONS";
            var auth = http.Request.Headers.Authorization.ToString();
            if (auth.Length > 0 && await validator.CheckHeaderAsync(auth) is { IsValid: true } check
                && RoomId.TryParse(room, out var id) && MediaAccess.CheckRoom(check.Token!, id) is null)
                IceServerLinks.Append(http.Response, options.Value.Turn, check.Token!.Participant.Id, time.GetUtcNow());
            return TypedResults.NoContent();
        });
        group.MapMethods("/{room}/{sessionId}", [HttpMethods.Options], (HttpContext http) =>
        {
            http.Response.Headers.Allow = "DELETE, PATCH, OPTIONS";
            return TypedResults.NoContent();
        });
    }

    private static async Task<IResult> CreateSessionAsync(HttpContext http, SessionKind kind, string prefix, string roomText,
        ISessionManager sessions, SessionAudit audit, MediaServerOptions options, TimeProvider time, IHandStore hands, CancellationToken ct)
    {
        var token = http.GetMediaToken();
        if (!RoomId.TryParse(roomText, out var room)) return Problems.BadRequest("invalid room id: use 1-64 characters A-Z a-z 0-9 _ - .");
        // Only an audience publisher needs its grant looked up (in a cluster: in Redis, wherever the host granted it).
        bool granted = kind == SessionKind.Publisher && token.Role == ParticipantRole.Audience && (await hands.FindAsync(room, token.Subject))?.Granted == true;
        var denied = kind == SessionKind.Publisher
            ? MediaAccess.CheckPublish(token, room, granted)
            : MediaAccess.CheckSubscribe(token, room);
        if (denied is not null) return Problems.Forbidden(denied);

        if (!IsSdp(http.Request.ContentType))
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type", $"the offer must be sent as {SdpMediaType}");
        var offer = await ReadBodyAsync(http.Request, options.MaxSdpBytes, ct);
        if (offer is null)
            return Problems.Status(StatusCodes.Status413PayloadTooLarge, "Payload Too Large", $"the offer exceeds {options.MaxSdpBytes} bytes");
        if (offer.Length == 0) return Problems.BadRequest("empty SDP offer");

        var result = kind == SessionKind.Publisher
            ? await sessions.PublishAsync(room, token.Participant, offer, ct)
            : await sessions.SubscribeAsync(room, token.Participant, offer, ct);
        switch (result)
        {
            case SessionResult.Created c:
                audit.Started(room, kind, c.SessionId, token.Participant);
                IceServerLinks.Append(http.Response, options.Turn, token.Participant.Id, time.GetUtcNow());
                return new SdpAnswerResult($"{prefix}/{room.Value}/{Uri.EscapeDataString(c.SessionId)}", c.AnswerSdp, QuoteETag(c.ETag));
            case SessionResult.Rejected r:
                return Problems.FromSessionError(http, r);
            default:
                throw new InvalidOperationException("unknown session result");
        }
    }

    private static async Task<IResult> DeleteSessionAsync(HttpContext http, SessionKind kind, string roomText, string sessionId,
        ISessionManager sessions, SessionAudit audit, CancellationToken ct)
    {
        var token = http.GetMediaToken();
        if (!RoomId.TryParse(roomText, out var room)) return Problems.NotFound("no such session");
        if (MediaAccess.CheckRoom(token, room) is { } denied) return Problems.Forbidden(denied);
        var session = sessions.FindSession(room, sessionId);
        if (session is null || session.Kind != kind) return Problems.NotFound("no such session");
        if (MediaAccess.CheckEndSession(token, session) is { } notOwner) return Problems.Forbidden(notOwner);
        if (!await sessions.CloseAsync(room, sessionId, ct)) return Problems.NotFound("no such session");
        audit.Ended(room, session, token);
        return TypedResults.Ok();
    }

    private static async Task PublisherEventsAsync(HttpContext http, string roomText, string sessionId, ISessionManager sessions,
        Sip.VideoCodecWish wish, CancellationToken ct)
    {
        var token = http.GetMediaToken();
        IResult? denied = null;
        if (!RoomId.TryParse(roomText, out var room)) denied = Problems.NotFound("no such session");
        else if (MediaAccess.CheckRoom(token, room) is { } reason) denied = Problems.Forbidden(reason);
        else if (sessions.FindSession(room, sessionId) is not { Kind: SessionKind.Publisher } session) denied = Problems.NotFound("no such session");
        else if (MediaAccess.CheckEndSession(token, session) is { } notOwner) denied = Problems.Forbidden(notOwner);
        if (denied != null)
        {
            await denied.ExecuteAsync(http);
            return;
        }
        using var listener = wish.Listen(room.Value);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        try
        {
            await WriteCodecAsync(http, wish.Wanted(room.Value), ct);
            await foreach (var want in listener.Reader.ReadAllAsync(ct)) await WriteCodecAsync(http, want, ct);
        }
        catch (OperationCanceledException)
        {
            // The publisher went away.
        }
    }

    private static async Task WriteCodecAsync(HttpContext http, string? want, CancellationToken ct)
    {
        await http.Response.WriteAsync($"event: video-codec\ndata: {{\"want\":{(want is null ? "null" : $"\"{want}\"")}}}\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private static bool IsSdp(string? contentType)
        => MediaTypeHeaderValue.TryParse(contentType, out var mt)
           && mt.MediaType.Equals(SdpMediaType, StringComparison.OrdinalIgnoreCase);

    private static string? QuoteETag(string? etag)
        => etag is null || etag.StartsWith('"') || etag.StartsWith("W/", StringComparison.Ordinal) ? etag : $"\"{etag}\"";

    /// <summary>Reads the body as UTF-8 (RFC 8866 §5), or null when it is longer than <paramref name="max"/> bytes.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, int max, CancellationToken ct)
    {
        if (request.ContentLength > max) return null;
        var buffer = ArrayPool<byte>.Shared.Rent(max + 1);
        try
        {
            int total = 0;
            while (true)
            {
                int n = await request.Body.ReadAsync(buffer.AsMemory(total, max + 1 - total), ct);
                if (n == 0) break;
                total += n;
                if (total > max) return null;
            }
            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>Problem details (RFC 9457) for every error the MediaServer HTTP API returns.</summary>
internal static class Problems
{
    public static ProblemHttpResult Status(int status, string title, string detail)
        => TypedResults.Problem(statusCode: status, title: title, detail: detail);

    public static ProblemHttpResult BadRequest(string detail) => Status(StatusCodes.Status400BadRequest, "Bad Request", detail);
    public static ProblemHttpResult Forbidden(string detail) => Status(StatusCodes.Status403Forbidden, "Forbidden", detail);
    public static ProblemHttpResult NotFound(string detail) => Status(StatusCodes.Status404NotFound, "Not Found", detail);
    public static ProblemHttpResult Unavailable(string detail) => Status(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", detail);

    public static ProblemHttpResult FromSessionError(HttpContext http, SessionResult.Rejected r)
    {
        switch (r.Error)
        {
            case SessionError.InvalidOffer: return BadRequest(r.Reason);
            case SessionError.RoomNotFound: return NotFound(r.Reason);
            case SessionError.Conflict: return Status(StatusCodes.Status409Conflict, "Conflict", r.Reason);
            case SessionError.Unavailable:
                // RFC 9725 §4.6 (load balancing): 503 with Retry-After so clients back off or go elsewhere.
                http.Response.Headers.RetryAfter = "5";
                return Status(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", r.Reason);
            case SessionError.NotImplemented: return Status(StatusCodes.Status501NotImplemented, "Not Implemented", r.Reason);
            default: return Status(StatusCodes.Status500InternalServerError, "Internal Server Error", r.Reason);
        }
    }
}
