using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Attendance;

/// <summary>A stored check-in as listed.</summary>
public sealed record CheckInDto(long Id, string EventId, int SiteId, string SiteName, int PersonId, string PersonName, PersonRole PersonRole,
    CheckInMethod Method, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt, int DeviceId, bool HasPhoto, IReadOnlyList<long> SnapshotIds);

/// <summary>One check-in with its camera snapshots (size as taken from the JPEG's frame header).</summary>
public sealed record CheckInDetail(CheckInDto CheckIn, IReadOnlyList<Meetings.SnapshotDto> Snapshots);

/// <summary>Attendance-machine ingestion and check-in records.</summary>
public static class AttendanceEndpoints
{
    /// <summary>Registers the ingestion services.</summary>
    public static IServiceCollection AddAttendance(this IServiceCollection s) => s.AddScoped<CheckInIngest>();

    /// <summary>Maps /api/attendance.</summary>
    public static void MapAttendance(this IEndpointRouteBuilder app)
    {
        var device = app.MapGroup("/api/attendance/events").WithTags("Attendance");
        device.MapPost("/", IngestOne).RequireAuthorization(Policies.Device);
        device.MapPost("/batch", IngestBatch).RequireAuthorization(Policies.Device);

        var staff = app.MapGroup("/api/attendance/events").WithTags("Attendance").RequireAuthorization(Policies.Staff);
        staff.MapGet("/", List).Produces<Page<CheckInDto>>();
        staff.MapGet("/{id:long}", Get);
        staff.MapGet("/{id:long}/photo", Photo);
    }

    private static async Task<Results<Created<CheckInResult>, Ok<CheckInResult>, ValidationProblem, ProblemHttpResult>> IngestOne(
        CheckInEvent? body, ClaimsPrincipal device, CheckInIngest ingest, CancellationToken ct)
    {
        if (body is null) return Problems.Invalid("body", "A JSON check-in event is required.");
        var (result, rejection) = await ingest.IngestAsync(DeviceId(device), [body], singleEvent: true, ct);
        if (rejection is not null) return Reject(rejection);
        var r = result!.Results[0];
        return r.Status == "created" ? TypedResults.Created($"/api/attendance/events/{r.Id}", r) : TypedResults.Ok(r);
    }

    private static async Task<Results<Ok<CheckInBatchResult>, ValidationProblem, ProblemHttpResult>> IngestBatch(
        CheckInBatch? body, ClaimsPrincipal device, CheckInIngest ingest, IOptions<ControlPlaneOptions> options, CancellationToken ct)
    {
        if (body?.Events is not { Count: > 0 } events) return Problems.Invalid("events", "A non-empty events array is required.");
        if (events.Count > options.Value.MaxBatchSize)
            return Problems.Invalid("events", $"At most {options.Value.MaxBatchSize} events per batch; split the backlog.");
        var (result, rejection) = await ingest.IngestAsync(DeviceId(device), events, singleEvent: false, ct);
        return rejection is not null ? Reject(rejection) : TypedResults.Ok(result!);
    }

    private static int DeviceId(ClaimsPrincipal p) => int.Parse(p.FindFirstValue(ClaimNames.Device)!, System.Globalization.CultureInfo.InvariantCulture);

    private static ProblemHttpResult Reject(IngestRejection r)
    {
        var (status, title) = r.Kind switch
        {
            IngestErrorKind.Malformed => (400, "Malformed check-in"),
            IngestErrorKind.WrongDevice => (403, "Event from another device"),
            _ => (422, "Check-in rejected"),
        };
        return TypedResults.Problem(title: title, statusCode: status,
            detail: "Nothing of this upload was stored; fix the listed events and send it again.",
            extensions: new Dictionary<string, object?> { ["errors"] = r.Errors });
    }

    private static async Task<IResult> List(ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db,
        int? siteId, int? personId, DateTimeOffset? from, DateTimeOffset? to, string? format, int? page, int? pageSize, CancellationToken ct)
    {
        if (siteId is { } s && await scope.GuardAsync(user, s, ct) is { } problem) return problem;
        var prefix = SiteScope.PrefixOf(user);
        var filtered = db.CheckIns.AsNoTracking();
        if (siteId is not null) filtered = filtered.Where(c => c.SiteId == siteId);
        if (personId is not null) filtered = filtered.Where(c => c.PersonId == personId);
        if (from is not null) { var f = from.Value.UtcDateTime; filtered = filtered.Where(c => c.OccurredAtUtc >= f); }
        if (to is not null) { var t = to.Value.UtcDateTime; filtered = filtered.Where(c => c.OccurredAtUtc < t); }
        var ordered = filtered.Where(c => c.Site!.Path.StartsWith(prefix)).OrderByDescending(c => c.OccurredAtUtc).ThenByDescending(c => c.Id);
        if (format is not null)
        {
            if (!TableExport.TryParseFormat(format, out var fmt)) return Problems.Invalid("format", "xlsx or csv.");
            var rows = await Project(db, ordered.Take(TableExport.MaxRows)).ToListAsync(ct);
            var table = new TableExport("考勤记录",
                ["记录编号", "事件编号", "签到时间", "村(社区)", "姓名", "职务", "识别方式", "设备编号", "快照数"],
                rows.Select(r => new object?[] { r.Id, r.EventId, r.OccurredAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), r.SiteName, r.PersonName,
                    Labels.Role(r.PersonRole), Labels.Method(r.Method), r.DeviceId, r.SnapshotIds.Count }));
            return table.ToResult(fmt, "考勤记录");
        }
        // The total is exact (the Portal shows it), counted over the same rows without joining every check-in to its site:
        // when the caller sees every site (the county administrator) the scope filters nothing and the check-ins are counted
        // alone (no filter: SQLite counts the b-tree's pages, not its rows; a time, site or person filter reads a range of one
        // covering index); otherwise the visible sites are a subquery and each one's check-ins a range of (SiteId, OccurredAtUtc).
        var counted = await db.Sites.AnyAsync(x => !x.Path.StartsWith(prefix), ct)
            ? filtered.Where(c => scope.VisibleSiteIds(user).Contains(c.SiteId))
            : filtered;
        return TypedResults.Ok(await PageRequest.From(page, pageSize).ApplyAsync(Project(db, ordered), counted, ct));
    }

    private static async Task<Results<Ok<CheckInDetail>, ProblemHttpResult>> Get(long id, ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct)
    {
        var prefix = SiteScope.PrefixOf(user);
        var dto = await Project(db, db.CheckIns.AsNoTracking().Where(c => c.Id == id && c.Site!.Path.StartsWith(prefix))).FirstOrDefaultAsync(ct);
        if (dto is null) return Problems.NotFound("Check-in");
        var snaps = await db.Snapshots.Where(s => s.CheckInId == id).OrderBy(s => s.TakenAtUtc)
            .Select(s => new { s.Id, s.Reason, s.TakenAtUtc, s.Width, s.Height }).ToListAsync(ct);
        return TypedResults.Ok(new CheckInDetail(dto, snaps.Select(s =>
            new Meetings.SnapshotDto(s.Id, s.Reason, ChinaTime.ToOffset(s.TakenAtUtc), s.Width, s.Height, $"/api/snapshots/{s.Id}")).ToList()));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Photo(long id, ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct)
    {
        var prefix = SiteScope.PrefixOf(user);
        var photo = await db.CheckIns.Where(c => c.Id == id && c.Site!.Path.StartsWith(prefix))
            .Select(c => new { c.Photo, c.PhotoContentType }).FirstOrDefaultAsync(ct);
        return photo?.Photo is null ? Problems.NotFound("Photo") : TypedResults.File(photo.Photo, photo.PhotoContentType ?? "image/jpeg");
    }

    private static IQueryable<CheckInDto> Project(ControlPlaneDb db, IQueryable<CheckIn> q) =>
        q.Select(c => new CheckInDto(c.Id, c.EventId, c.SiteId, c.Site!.Name, c.PersonId, c.Person!.Name, c.Person.Role, c.Method,
            ChinaTime.ToOffset(c.OccurredAtUtc), ChinaTime.ToOffset(c.ReceivedAtUtc), c.DeviceId, c.Photo != null,
            db.Snapshots.Where(s => s.CheckInId == c.Id).Select(s => s.Id).ToList()));
}
