using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Recordings;

/// <summary>A recording in the catalogue list.</summary>
/// <param name="Id">The recording id (MediaServer's).</param>
/// <param name="MeetingId">The recorded meeting.</param>
/// <param name="MeetingTitle">Its title.</param>
/// <param name="MeetingKind">Its kind.</param>
/// <param name="SiteId">The meeting's site at the time (the scope the recording is seen in).</param>
/// <param name="SiteName">That site's name.</param>
/// <param name="StartedAt">When recording started.</param>
/// <param name="StoppedAt">When it stopped (null while recording).</param>
/// <param name="DurationMs">Its length in milliseconds (so far, while recording).</param>
/// <param name="TotalBytes">The size of its track files together.</param>
/// <param name="FileCount">How many track files it has.</param>
/// <param name="Recovered">True when MediaServer finished it at start-up after a crash.</param>
/// <param name="CompositeState"><c>pending</c> | <c>rendering</c> | <c>done</c> | <c>failed</c> (meeting.mp4).</param>
/// <param name="CompositeError">Why rendering meeting.mp4 failed, when it did.</param>
public sealed record RecordingDto(string Id, int MeetingId, string MeetingTitle, MeetingKind MeetingKind, int SiteId, string SiteName,
    DateTimeOffset StartedAt, DateTimeOffset? StoppedAt, long DurationMs, long TotalBytes, int FileCount, bool Recovered,
    string CompositeState, string? CompositeError);

/// <summary>One file of a recording with a signed link the browser can load (player, download) until <c>LinkExpiresAt</c>.</summary>
/// <param name="Name">The file's name within the recording.</param>
/// <param name="ParticipantId">Whose track it is (empty for the composite).</param>
/// <param name="Kind"><c>audio</c>, <c>video</c>, or <c>composite</c> (meeting.mp4: program video + mixed audio).</param>
/// <param name="Codec">The track's codec (<c>opus</c>, <c>vp8</c>, <c>h264</c>; <c>h264+aac</c> for the composite).</param>
/// <param name="StartMs">Where the track starts, in milliseconds from the recording's start.</param>
/// <param name="DurationMs">The track's length in milliseconds.</param>
/// <param name="SizeBytes">The file's size.</param>
/// <param name="ContentType">The file's MIME type.</param>
/// <param name="Url">The signed link (player, download).</param>
public sealed record RecordingFileDto(string Name, string ParticipantId, string Kind, string Codec, long StartMs, long DurationMs, long SizeBytes,
    string ContentType, string Url);

/// <summary><c>GET /api/recordings/{id}</c>.</summary>
public sealed record RecordingDetailDto(RecordingDto Recording, string Room, string NodeId, IReadOnlyList<RecordingFileDto> Files,
    RecordingFileDto? Composite, DateTimeOffset LinkExpiresAt);

/// <summary>
/// The recordings catalogue: list and detail scoped by the meeting's site, file streaming with HTTP range requests
/// (proxied from the MediaServer node that holds the files), and manual start/stop of a meeting's recording.
/// </summary>
public static class RecordingEndpoints
{
    /// <summary>Registers the MediaServer recording client and the automatic recorder.</summary>
    public static IServiceCollection AddRecordings(this IServiceCollection s)
    {
        s.AddHttpClient<MediaRecordingClient>(c => c.Timeout = Timeout.InfiniteTimeSpan); // file streams last as long as the player reads
        s.AddSingleton<AutoRecorder>();
        s.AddHostedService(sp => sp.GetRequiredService<AutoRecorder>());
        return s;
    }

    /// <summary>Maps /api/recordings and /api/meetings/{id}/recording.</summary>
    public static void MapRecordings(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/recordings").WithTags("Recordings");
        g.MapGet("/", List).Produces<Page<RecordingDto>>().RequireAuthorization(Policies.Staff);
        g.MapGet("/{id}", Get).RequireAuthorization(Policies.Staff);
        // Anonymous at the routing level: a signed link (exp + sig from GET /api/recordings/{id}) or a session token in scope.
        g.MapGet("/{id}/files/{name}", File).AllowAnonymous()
            .Produces(StatusCodes.Status200OK, contentType: "video/webm").Produces(StatusCodes.Status206PartialContent)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status502BadGateway);
        var m = app.MapGroup("/api/meetings/{id:int}/recording").WithTags("Recordings").RequireAuthorization(Policies.Admin);
        m.MapPost("/", (int id, ClaimsPrincipal user, ControlPlaneDb db, MediaRecordingClient media, CancellationToken ct)
            => StartStop(id, start: true, user, db, media, ct));
        m.MapDelete("/", (int id, ClaimsPrincipal user, ControlPlaneDb db, MediaRecordingClient media, CancellationToken ct)
            => StartStop(id, start: false, user, db, media, ct));
    }

    private static IQueryable<Recording> Visible(ControlPlaneDb db, ClaimsPrincipal user)
    {
        var prefix = SiteScope.PrefixOf(user);
        return db.Recordings.AsNoTracking().Where(r => r.Site!.Path.StartsWith(prefix));
    }

    private static async Task<IResult> List(ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, int? meetingId, int? siteId, int? townId,
        string? kind, DateTimeOffset? from, DateTimeOffset? to, string? q, int? page, int? pageSize, CancellationToken ct)
    {
        if (!EnumQuery.TryParse<MeetingKind>(kind, out var k)) return Problems.Invalid("kind", EnumQuery.Names<MeetingKind>());
        if (siteId is { } s && await scope.GuardAsync(user, s, ct) is { } problem) return problem;
        if (townId is { } t && await scope.GuardAsync(user, t, ct) is { } townProblem) return townProblem;
        var rows = Visible(db, user);
        if (meetingId is not null) rows = rows.Where(r => r.MeetingId == meetingId);
        if (siteId is not null) rows = rows.Where(r => r.SiteId == siteId);
        if (townId is not null) rows = rows.Where(r => r.SiteId == townId || r.Site!.ParentId == townId);
        if (k is not null) rows = rows.Where(r => r.Meeting!.Kind == k);
        if (from is not null) { var f = from.Value.UtcDateTime; rows = rows.Where(r => r.StartedAtUtc >= f); }
        if (to is not null) { var e = to.Value.UtcDateTime; rows = rows.Where(r => r.StartedAtUtc < e); }
        if (!string.IsNullOrWhiteSpace(q)) rows = rows.Where(r => r.Meeting!.Title.Contains(q));
        var pr = PageRequest.From(page, pageSize);
        var ordered = rows.OrderByDescending(r => r.StartedAtUtc).ThenBy(r => r.Id);
        var total = await ordered.CountAsync(ct);
        var items = await ordered.Skip((pr.PageNumber - 1) * pr.PageSize).Take(pr.PageSize)
            .Include(r => r.Meeting).Include(r => r.Site).Include(r => r.Files).ToListAsync(ct);
        return TypedResults.Ok(new Page<RecordingDto>(items.Select(ToDto).ToList(), pr.PageNumber, pr.PageSize, total));
    }

    private static async Task<Results<Ok<RecordingDetailDto>, ProblemHttpResult>> Get(string id, ClaimsPrincipal user, ControlPlaneDb db,
        SessionTokens links, IOptions<ControlPlaneOptions> options, TimeProvider time, CancellationToken ct)
    {
        var r = await Visible(db, user).Include(x => x.Meeting).Include(x => x.Site).Include(x => x.Files).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (r is null) return Problems.NotFound("Recording");
        var expires = time.GetUtcNow().AddMinutes(options.Value.Recording.FileLinkMinutes);
        var exp = expires.ToUnixTimeSeconds();
        string Url(string name) => $"/api/recordings/{Uri.EscapeDataString(r.Id)}/files/{Uri.EscapeDataString(name)}?exp={exp}&sig={links.SignLink(Resource(r.Id, name), exp)}";
        var files = r.Files.OrderBy(f => f.StartMs).ThenBy(f => f.Name)
            .Select(f => new RecordingFileDto(f.Name, f.ParticipantId, f.Kind, f.Codec, f.StartMs, f.DurationMs, f.SizeBytes, ContentType(f.Name, f.Kind), Url(f.Name)))
            .ToList();
        RecordingFileDto? composite = r.CompositeState == "done" && r.CompositeFile is { } cf
            ? new RecordingFileDto(cf, "", "composite", "h264+aac", 0, Duration(r), 0, "video/mp4", Url(cf))
            : null;
        return TypedResults.Ok(new RecordingDetailDto(ToDto(r), r.Room, r.NodeId, files, composite, expires));
    }

    private static async Task<IResult> File(string id, string name, long? exp, string? sig, bool? download, HttpContext http, ClaimsPrincipal user,
        ControlPlaneDb db, SessionTokens links, MediaRecordingClient media, CancellationToken ct)
    {
        var signed = exp is { } e && links.VerifyLink(Resource(id, name), e, sig);
        if (!signed && user.Identity?.IsAuthenticated != true)
            return TypedResults.Problem(title: "Unauthorized", detail: "A signed link (exp, sig) from GET /api/recordings/{id} or a session token is required.", statusCode: 401);
        var rows = signed ? db.Recordings.AsNoTracking() : Visible(db, user);
        var r = await rows.Include(x => x.Files).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (r is null) return Problems.NotFound("Recording");
        var file = r.Files.FirstOrDefault(f => f.Name == name);
        var isComposite = file is null && r.CompositeState == "done" && r.CompositeFile == name;
        if (file is null && !isComposite) return Problems.NotFound("Recording file");

        using var resp = await media.OpenFileAsync(r.NodeId, r.Id, name, http.Request.Headers.Range.ToString(), http.Request.Headers.IfRange.ToString(), ct);
        if (resp is null)
            return TypedResults.Problem(title: "MediaServer unreachable", statusCode: 502,
                detail: $"录像所在的媒体服务器（{r.NodeId}）暂时无法访问，请稍后再试。 The MediaServer node holding this recording did not answer.");
        var status = (int)resp.StatusCode;
        if (status is not (200 or 206 or 416))
            return TypedResults.Problem(title: "Recording file unavailable", statusCode: status == 404 ? 404 : 502,
                detail: $"媒体服务器没有提供该文件（HTTP {status}）。 The MediaServer answered {status} for this file.");
        http.Response.StatusCode = status;
        var h = http.Response.Headers;
        h.ContentType = isComposite ? "video/mp4" : ContentType(name, file!.Kind);
        h.AcceptRanges = "bytes";
        if (resp.Content.Headers.ContentLength is { } len) http.Response.ContentLength = len;
        if (resp.Content.Headers.ContentRange is { } cr) h.ContentRange = cr.ToString();
        if (resp.Headers.ETag is { } etag) h.ETag = etag.ToString();
        if (resp.Content.Headers.LastModified is { } lm) h.LastModified = lm.ToString("R");
        h.CacheControl = "private, max-age=3600";
        if (download is true) h.ContentDisposition = $"attachment; filename=\"{name}\"";
        await using var body = await resp.Content.ReadAsStreamAsync(ct);
        await body.CopyToAsync(http.Response.Body, ct);
        return TypedResults.Empty;
    }

    private static async Task<IResult> StartStop(int id, bool start, ClaimsPrincipal user, ControlPlaneDb db, MediaRecordingClient media, CancellationToken ct)
    {
        var prefix = SiteScope.PrefixOf(user);
        var meeting = await db.Meetings.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id && x.Site!.Path.StartsWith(prefix), ct);
        if (meeting is null) return Problems.NotFound("Meeting");
        var ok = start ? await media.StartAsync(meeting.Room, ct) : await media.StopAsync(meeting.Room, ct);
        return ok
            ? TypedResults.Accepted((string?)null, new { room = meeting.Room, recording = start })
            : TypedResults.Problem(title: "MediaServer did not accept", statusCode: 502,
                detail: start ? "媒体服务器未能开始录像，请稍后再试。" : "媒体服务器未能停止录像，请稍后再试。");
    }

    /// <summary>The signed resource of a file link.</summary>
    public static string Resource(string recordingId, string name) => $"recording/{recordingId}/{name}";

    private static long Duration(Recording r) =>
        r.StoppedAtUtc is { } s ? (long)(s - r.StartedAtUtc).TotalMilliseconds : r.Files.Count == 0 ? 0 : r.Files.Max(f => f.StartMs + f.DurationMs);

    private static RecordingDto ToDto(Recording r) => new(r.Id, r.MeetingId, r.Meeting?.Title ?? "", r.Meeting?.Kind ?? MeetingKind.Lecture, r.SiteId,
        r.Site?.Name ?? "", ChinaTime.ToOffset(r.StartedAtUtc), r.StoppedAtUtc is { } s ? ChinaTime.ToOffset(s) : null, Duration(r),
        r.Files.Sum(f => f.SizeBytes), r.Files.Count, r.Recovered, r.CompositeState, r.CompositeError);

    private static string ContentType(string name, string kind) =>
        name.EndsWith(".mp4", StringComparison.Ordinal) ? "video/mp4"
        : name.EndsWith(".mkv", StringComparison.Ordinal) ? "video/x-matroska"
        : kind == "audio" ? "audio/webm" : "video/webm";
}
