using System.Security.Claims;
using Cronos;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Playback;

/// <summary>Courseware as the API shows it.</summary>
/// <param name="Id">The courseware id.</param>
/// <param name="Title">Its title.</param>
/// <param name="SiteId">The owner site (the uploader's home site): the scope it is seen in.</param>
/// <param name="SiteName">The owner site's name.</param>
/// <param name="OriginalName">The uploaded file's name.</param>
/// <param name="UploadBytes">The uploaded file's size.</param>
/// <param name="State"><c>transcoding</c> (see Progress), <c>ready</c>, <c>failed</c> (Error says why, in Chinese).</param>
/// <param name="Progress">Transcoding progress, 0 to 1.</param>
/// <param name="Error">Why transcoding failed (Chinese), when it did.</param>
/// <param name="DurationMs">The transcoded file's duration in milliseconds (0 until ready).</param>
/// <param name="SizeBytes">The transcoded file's size (0 until ready).</param>
/// <param name="CreatedAt">When it was uploaded.</param>
public sealed record CoursewareDto(int Id, string Title, int SiteId, string SiteName, string OriginalName, long UploadBytes, CoursewareState State,
    double Progress, string? Error, long DurationMs, long SizeBytes, DateTimeOffset CreatedAt);

/// <summary>Creating a playback schedule: one source (coursewareId or recordingId), targets (siteIds or townId), startAt or cron.</summary>
public sealed record CreateScheduleRequest(string? Title, int? CoursewareId, string? RecordingId, List<int>? SiteIds, int? TownId,
    DateTimeOffset? StartAt, string? Cron, int? Loops);

/// <summary>A playback schedule.</summary>
public sealed record PlaybackScheduleDto(int Id, string Title, int SiteId, int? CoursewareId, string? CoursewareTitle, string? RecordingId,
    IReadOnlyList<int> SiteIds, int? TownId, DateTimeOffset? StartAt, string? Cron, int Loops, bool Enabled, DateTimeOffset? NextRunAt,
    DateTimeOffset? LastRunAt, string? LastResult);

/// <summary><c>GET /api/playback/projector</c>: what a site's projector page plays and the token to play it with.</summary>
public sealed record ProjectorDto(int SiteId, string SiteName, string Room, string Token, DateTimeOffset ExpiresAt, string MediaServerUrl,
    IReadOnlyList<IceServer> IceServers);

/// <summary>
/// 流动播放: courseware upload and import, playback schedules, and the projector page's room and token.
/// </summary>
public static class CoursewareEndpoints
{
    /// <summary>Registers the importer and the scheduler.</summary>
    public static IServiceCollection AddPlayback(this IServiceCollection s)
    {
        s.AddSingleton<CoursewareImporter>();
        s.AddHostedService(sp => sp.GetRequiredService<CoursewareImporter>());
        s.AddSingleton<PlaybackScheduler>();
        s.AddHostedService(sp => sp.GetRequiredService<PlaybackScheduler>());
        return s;
    }

    /// <summary>The signed resource of a courseware file link.</summary>
    public static string Resource(int id) => $"courseware/{id}";

    /// <summary>Maps /api/courseware, /api/playback/*.</summary>
    public static void MapPlayback(this IEndpointRouteBuilder app)
    {
        var c = app.MapGroup("/api/courseware").WithTags("Playback");
        c.MapPost("/", Upload).RequireAuthorization(Policies.Admin).DisableAntiforgery().Accepts<IFormFile>("multipart/form-data")
            .Produces<CoursewareDto>(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(413);
        c.MapGet("/", async (ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct) =>
            TypedResults.Ok((await Visible(db, user).Include(x => x.Site).OrderByDescending(x => x.CreatedAtUtc).Take(500).ToListAsync(ct)).Select(ToDto).ToList()))
            .RequireAuthorization(Policies.Staff);
        c.MapGet("/{id:int}", async Task<Results<Ok<CoursewareDto>, ProblemHttpResult>> (int id, ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct) =>
            await Visible(db, user).Include(x => x.Site).FirstOrDefaultAsync(x => x.Id == id, ct) is { } cw ? TypedResults.Ok(ToDto(cw)) : Problems.NotFound("Courseware"))
            .RequireAuthorization(Policies.Staff);
        // For MediaServer's fetch (signed link made by the scheduler) and staff in scope.
        c.MapGet("/{id:int}/file", async Task<IResult> (int id, long? exp, string? sig, ClaimsPrincipal user, ControlPlaneDb db, SessionTokens links,
            CoursewareImporter importer, CancellationToken ct) =>
        {
            var signed = exp is { } e && links.VerifyLink(Resource(id), e, sig);
            if (!signed && user.Identity?.IsAuthenticated != true)
                return TypedResults.Problem(title: "Unauthorized", detail: "A signed link or a session token is required.", statusCode: 401);
            var rows = signed ? db.Courseware.AsNoTracking() : Visible(db, user);
            var cw = await rows.FirstOrDefaultAsync(x => x.Id == id && x.State == CoursewareState.Ready, ct);
            if (cw is null || !File.Exists(importer.FilePath(id))) return Problems.NotFound("Courseware file");
            return TypedResults.PhysicalFile(importer.FilePath(id), "video/webm", $"courseware-{id}.webm", enableRangeProcessing: true);
        }).AllowAnonymous();

        var p = app.MapGroup("/api/playback").WithTags("Playback");
        p.MapGet("/schedules", async (ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct) =>
        {
            var prefix = SiteScope.PrefixOf(user);
            var rows = await db.PlaybackSchedules.AsNoTracking().Include(s => s.Courseware).Where(s => s.Site!.Path.StartsWith(prefix))
                .OrderByDescending(s => s.Id).Take(500).ToListAsync(ct);
            return TypedResults.Ok(rows.Select(ToDto).ToList());
        }).RequireAuthorization(Policies.Admin);
        p.MapPost("/schedules", CreateSchedule).RequireAuthorization(Policies.Admin);
        p.MapDelete("/schedules/{id:int}", async Task<Results<NoContent, ProblemHttpResult>> (int id, ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct) =>
        {
            var prefix = SiteScope.PrefixOf(user);
            var s = await db.PlaybackSchedules.FirstOrDefaultAsync(x => x.Id == id && x.Site!.Path.StartsWith(prefix), ct);
            if (s is null) return Problems.NotFound("Schedule");
            db.PlaybackSchedules.Remove(s);
            await db.SaveChangesAsync(ct);
            return TypedResults.NoContent();
        }).RequireAuthorization(Policies.Admin);
        p.MapGet("/projector", Projector).RequireAuthorization(Policies.Staff);
    }

    private static IQueryable<Courseware> Visible(ControlPlaneDb db, ClaimsPrincipal user)
    {
        // Courseware is shared downwards: the county's serves every village, a town's its villages, a village sees its own.
        var prefix = SiteScope.PrefixOf(user);
        var path = user.FindFirstValue(ClaimNames.ScopePath) ?? "#none#";
        return db.Courseware.Where(x => x.Site!.Path.StartsWith(prefix) || path.StartsWith(x.Site!.Path));
    }

    private static async Task<IResult> Upload(HttpRequest request, ClaimsPrincipal user, ControlPlaneDb db, CoursewareImporter importer,
        IOptions<ControlPlaneOptions> options, TimeProvider time, CancellationToken ct)
    {
        long max = options.Value.Playback.MaxCoursewareBytes;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = max + (1 << 20);
        if (!request.HasFormContentType) return Problems.Invalid("file", "multipart/form-data with title and file required.");
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = max, ValueLengthLimit = 4096 }, ct);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
        {
            return TypedResults.Problem(title: "Payload too large", statusCode: 413,
                detail: $"课件文件超过上限 {max / (1024 * 1024)} MB。 The file is larger than ControlPlane:Playback:MaxCoursewareBytes.");
        }
        var title = form["title"].ToString().Trim();
        var file = form.Files.GetFile("file");
        var errors = new Dictionary<string, string[]>();
        if (title.Length is 0 or > 200) errors["title"] = ["1-200 characters required."];
        if (file is null || file.Length == 0) errors["file"] = ["An MP4 or WebM file is required."];
        if (errors.Count > 0) return Problems.Invalid(errors);
        var head = new byte[12];
        await using (var s = file!.OpenReadStream()) _ = await s.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        bool mp4 = head.AsSpan(4, 4).SequenceEqual("ftyp"u8), webm = head.AsSpan(0, 4).SequenceEqual(new byte[] { 0x1A, 0x45, 0xDF, 0xA3 });
        if (!mp4 && !webm) return Problems.Invalid("file", "只支持 MP4 或 WebM 视频文件。 Only MP4 and WebM files are accepted.");
        var cw = new Courseware
        {
            Title = title, SiteId = user.SiteId() ?? 0, OriginalName = Path.GetFileName(file.FileName) is { Length: > 0 and <= 200 } n ? n : "upload",
            UploadBytes = file.Length, State = CoursewareState.Transcoding, CreatedAtUtc = time.GetUtcNow().UtcDateTime, CreatedByUserId = user.UserId(),
        };
        db.Courseware.Add(cw);
        await db.SaveChangesAsync(ct);
        Directory.CreateDirectory(importer.Directory);
        await using (var dst = File.Create(importer.UploadPath(cw.Id)))
        await using (var src = file.OpenReadStream())
            await src.CopyToAsync(dst, ct);
        importer.Enqueue(cw.Id);
        cw.Site = await db.Sites.FindAsync([cw.SiteId], ct);
        return TypedResults.Accepted($"/api/courseware/{cw.Id}", ToDto(cw));
    }

    private static async Task<Results<Created<PlaybackScheduleDto>, ValidationProblem, ProblemHttpResult>> CreateSchedule(CreateScheduleRequest req,
        ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(req.Title) || req.Title.Length > 200) errors["title"] = ["1-200 characters required."];
        if ((req.CoursewareId is null) == (req.RecordingId is null)) errors["source"] = ["Exactly one of coursewareId and recordingId."];
        if ((req.SiteIds is not { Count: > 0 }) == (req.TownId is null)) errors["targets"] = ["Exactly one of siteIds (non-empty) and townId."];
        if (req.SiteIds is { Count: > 500 }) errors["siteIds"] = ["At most 500 sites."];
        if ((req.StartAt is null) == (req.Cron is null)) errors["when"] = ["Exactly one of startAt and cron."];
        if (req.Cron is { } cron)
        {
            try { CronExpression.Parse(cron); }
            catch (CronFormatException e) { errors["cron"] = ["Cron 表达式无效（5 段：分 时 日 月 周，例如 0 20 * * *）：" + e.Message]; }
        }
        int loops = req.Loops ?? 1;
        if (loops is < 1 or > 20) errors["loops"] = ["1-20."];
        if (errors.Count > 0) return Problems.Invalid(errors);
        foreach (var id in (IEnumerable<int>?)req.SiteIds ?? [req.TownId!.Value])
            if (await scope.GuardAsync(user, id, ct) is { } problem) return problem;
        if (req.CoursewareId is { } cwId && !await Visible(db, user).AnyAsync(x => x.Id == cwId, ct)) return Problems.NotFound("Courseware");
        if (req.RecordingId is { } recId)
        {
            var prefix = SiteScope.PrefixOf(user);
            if (!await db.Recordings.AnyAsync(r => r.Id == recId && r.Site!.Path.StartsWith(prefix), ct)) return Problems.NotFound("Recording");
        }
        var s = new PlaybackSchedule
        {
            Title = req.Title!.Trim(), SiteId = user.SiteId() ?? 0, CoursewareId = req.CoursewareId, RecordingId = req.RecordingId,
            TargetSiteIds = req.SiteIds is { } ids ? string.Join(',', ids.Distinct()) : "", TargetTownId = req.TownId,
            StartAtUtc = req.StartAt?.UtcDateTime, Cron = req.Cron?.Trim(), Loops = loops, CreatedAtUtc = time.GetUtcNow().UtcDateTime,
        };
        var now = time.GetUtcNow().UtcDateTime;
        // A one-off start a little in the past (clock skew, a slow form) still runs at the next poll.
        s.NextRunUtc = s.Cron is null ? (s.StartAtUtc > now.AddMinutes(-5) ? s.StartAtUtc : null) : PlaybackScheduler.NextRun(s, now);
        if (s.NextRunUtc is null) return Problems.Invalid("startAt", "开始时间已过。 The start time has passed.");
        db.PlaybackSchedules.Add(s);
        await db.SaveChangesAsync(ct);
        if (s.CoursewareId is { } cid) s.Courseware = await db.Courseware.FindAsync([cid], ct);
        return TypedResults.Created($"/api/playback/schedules/{s.Id}", ToDto(s));
    }

    private static async Task<Results<Ok<ProjectorDto>, ProblemHttpResult>> Projector(int? siteId, ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db,
        MediaTokenIssuer issuer, IOptions<ControlPlaneOptions> options, TimeProvider time, CancellationToken ct)
    {
        var id = siteId ?? user.SiteId();
        if (id is null) return Problems.NotFound("Site");
        if (await scope.GuardAsync(user, id.Value, ct) is { } problem) return problem;
        var site = await db.Sites.FirstAsync(x => x.Id == id, ct);
        var room = PlaybackScheduler.RoomOf(site);
        var subject = $"projector:{site.Id}";
        var (token, exp) = issuer.Mint(room, subject, "audience", TimeSpan.FromHours(12), name: site.Name + " 投影");
        var o = options.Value;
        var mediaServerUrl = string.IsNullOrWhiteSpace(o.PublicMediaServerUrl) ? o.MediaServerUrl : o.PublicMediaServerUrl;
        return TypedResults.Ok(new ProjectorDto(site.Id, site.Name, room, token, exp, mediaServerUrl, TurnCredentials.IceServers(o.Turn, subject, time.GetUtcNow())));
    }

    private static CoursewareDto ToDto(Courseware c) => new(c.Id, c.Title, c.SiteId, c.Site?.Name ?? "", c.OriginalName, c.UploadBytes, c.State,
        Math.Round(c.Progress, 3), c.Error, c.DurationMs, c.SizeBytes, ChinaTime.ToOffset(c.CreatedAtUtc));

    private static PlaybackScheduleDto ToDto(PlaybackSchedule s) => new(s.Id, s.Title, s.SiteId, s.CoursewareId, s.Courseware?.Title, s.RecordingId,
        s.TargetSiteIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList(), s.TargetTownId,
        s.StartAtUtc is { } a ? ChinaTime.ToOffset(a) : null, s.Cron, s.Loops, s.Enabled, s.NextRunUtc is { } n ? ChinaTime.ToOffset(n) : null,
        s.LastRunUtc is { } l ? ChinaTime.ToOffset(l) : null, s.LastResult);
}
