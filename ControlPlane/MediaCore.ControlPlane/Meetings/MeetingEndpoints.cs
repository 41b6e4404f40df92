using System.Security.Claims;
using System.Security.Cryptography;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Meetings;

/// <summary>Scheduling a meeting.</summary>
public sealed record CreateMeetingRequest(int? SiteId, MeetingKind? Kind, string? Title, DateTimeOffset? ScheduledStart);

/// <summary>A review decision: "approve" or "reject" (reject needs a comment).</summary>
public sealed record ReviewRequest(string? Decision, string? Comment);

/// <summary>Compliance of one village for a period.</summary>
public sealed record ComplianceRow(int SiteId, string SiteName, int TownId, string TownName, int Held, bool Missing);

/// <summary>Which villages missed the required meeting of a period.</summary>
public sealed record ComplianceReport(CompliancePeriod Period, DateOnly Start, DateOnly End, MeetingKind RequiredKind, int Missing, IReadOnlyList<ComplianceRow> Villages);

/// <summary>Organisational-life totals of one village over a time range.</summary>
public sealed record MeetingStats(int SiteId, string SiteName, string TownName, int Sessions, int Attendees, int TotalMinutes, DateTimeOffset? LastHeld);

/// <summary>One audited media event of a meeting: a token grant, or an observer joining or leaving.</summary>
/// <param name="At">When it happened.</param>
/// <param name="What"><c>tokenIssued</c>, <c>observerJoined</c> or <c>observerLeft</c>.</param>
/// <param name="Subject">The media token's participant id ("user:3", "site:12").</param>
/// <param name="Name">Who that is, for people: the user's display name (and site), or the site's name; the subject when unknown.</param>
/// <param name="Role">The media role (of the token, or of the observer's session).</param>
/// <param name="UserId">The user a token was issued to, when a user asked for it.</param>
public sealed record MeetingAuditEntry(DateTimeOffset At, string What, string Subject, string Role, int? UserId, string Name);

/// <summary>One scheduled working-day event.</summary>
public sealed record WorkingDayDto(DateOnly Date, MeetingKind Kind, string Name);

/// <summary>Meetings, sessions from webhooks, review, compliance, snapshots.</summary>
public static class MeetingEndpoints
{
    /// <summary>Registers meeting services (snapshots, MediaServer client).</summary>
    public static IServiceCollection AddMeetings(this IServiceCollection s)
    {
        s.AddSingleton<SnapshotRequests>();
        s.AddScoped<SnapshotTaker>();
        s.AddHostedService<SnapshotWorker>();
        s.AddHttpClient<MediaServerClient>((sp, c) =>
        {
            var url = sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.MediaServerUrl;
            c.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
            c.Timeout = TimeSpan.FromSeconds(5);
        });
        return s;
    }

    /// <summary>Maps /api/meetings, /api/snapshots, /api/calendar and the webhook receiver.</summary>
    public static void MapMeetings(this IEndpointRouteBuilder app)
    {
        app.MapWebhooks();
        var g = app.MapGroup("/api/meetings").WithTags("Meetings").RequireAuthorization(Policies.Staff);
        g.MapGet("/", List).Produces<Page<MeetingDto>>();
        g.MapGet("/{id:int}", Get);
        g.MapPost("/", Create);
        g.MapPost("/{id:int}/review", Review).RequireAuthorization(Policies.Admin);
        g.MapGet("/compliance", Compliance).Produces<ComplianceReport>().RequireAuthorization(Policies.Admin);
        g.MapGet("/stats", Stats).Produces<List<MeetingStats>>().RequireAuthorization(Policies.Admin);
        g.MapGet("/{id:int}/audit", Audit).RequireAuthorization(Policies.Admin);
        app.MapGet("/api/snapshots/{id:long}", SnapshotImage).WithTags("Meetings").RequireAuthorization(Policies.Staff);
        app.MapGet("/api/calendar/working-days", Calendar).WithTags("Meetings").RequireAuthorization(Policies.User);
    }

    private static async Task<IResult> List(ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, int? siteId, int? townId, string? kind,
        string? review, DateTimeOffset? from, DateTimeOffset? to, string? q, bool? held, string? format, int? page, int? pageSize, CancellationToken ct)
    {
        if (!EnumQuery.TryParse<MeetingKind>(kind, out var k)) return Problems.Invalid("kind", EnumQuery.Names<MeetingKind>());
        if (!EnumQuery.TryParse<ReviewStatus>(review, out var rv)) return Problems.Invalid("review", EnumQuery.Names<ReviewStatus>());
        if (siteId is { } s && await scope.GuardAsync(user, s, ct) is { } problem) return problem;
        var prefix = SiteScope.PrefixOf(user);
        var meetings = db.Meetings.AsNoTracking().Where(m => m.Site!.Path.StartsWith(prefix));
        if (siteId is not null) meetings = meetings.Where(m => m.SiteId == siteId);
        if (townId is { } town)
        {
            // The town's own meetings and its villages' (the town filter of the Portal's meeting list).
            if (await scope.GuardAsync(user, town, ct) is { } townProblem) return townProblem;
            meetings = meetings.Where(m => m.SiteId == town || m.Site!.ParentId == town);
        }
        if (k is not null) meetings = meetings.Where(m => m.Kind == k);
        if (rv is not null) meetings = meetings.Where(m => m.Review == rv);
        if (held is true) meetings = meetings.Where(m => m.StartedAtUtc != null);
        if (from is not null) { var f = from.Value.UtcDateTime; meetings = meetings.Where(m => (m.StartedAtUtc ?? m.ScheduledStartUtc) >= f); }
        if (to is not null) { var t = to.Value.UtcDateTime; meetings = meetings.Where(m => (m.StartedAtUtc ?? m.ScheduledStartUtc) < t); }
        if (!string.IsNullOrWhiteSpace(q)) meetings = meetings.Where(m => m.Title.Contains(q));
        var ordered = meetings.OrderByDescending(m => m.StartedAtUtc ?? m.ScheduledStartUtc).ThenByDescending(m => m.Id);
        if (format is not null)
        {
            if (!TableExport.TryParseFormat(format, out var fmt)) return Problems.Invalid("format", "xlsx or csv.");
            var all = await MeetingQueries.Project(ordered.Take(TableExport.MaxRows)).ToListAsync(ct);
            return new TableExport("会议记录", ["会议编号", "村(社区)", "类型", "名称", "开始时间", "结束时间", "时长(分钟)", "参会人数", "审核状态", "审核意见"],
                all.Select(m => new object?[] { m.Id, m.SiteName, Labels.Meeting(m.Kind), m.Title, m.StartedAt?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                    m.EndedAt?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), m.DurationMinutes, m.AttendeeCount, Labels.Review(m.Review), m.ReviewComment }))
                .ToResult(fmt, "会议记录");
        }
        var pr = PageRequest.From(page, pageSize);
        var total = await ordered.CountAsync(ct);
        var items = await MeetingQueries.Project(ordered.Skip((pr.PageNumber - 1) * pr.PageSize).Take(pr.PageSize)).ToListAsync(ct);
        return TypedResults.Ok(new Page<MeetingDto>(items, pr.PageNumber, pr.PageSize, total));
    }

    private static async Task<Results<Ok<MeetingDetail>, ProblemHttpResult>> Get(int id, ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct)
    {
        var prefix = SiteScope.PrefixOf(user);
        var m = await db.Meetings.AsNoTracking().Include(x => x.Site).Include(x => x.Participations)
            .FirstOrDefaultAsync(x => x.Id == id && x.Site!.Path.StartsWith(prefix), ct);
        if (m is null) return Problems.NotFound("Meeting");
        var dto = MeetingQueries.ToDtos([m])[0];
        var attendees = await MeetingQueries.AttendeesAsync(db, m, ct);
        var snaps = await db.Snapshots.Where(s => s.MeetingId == id).OrderBy(s => s.TakenAtUtc)
            .Select(s => new { s.Id, s.Reason, s.TakenAtUtc, s.Width, s.Height }).ToListAsync(ct);
        return TypedResults.Ok(new MeetingDetail(dto, attendees,
            // An observer (a town's silent listen-in) is visible to admins only, never to the village it listens to.
            m.Participations.Where(p => p.Role != "observer" || !user.IsInRole(Roles.VillageOperator)).OrderBy(p => p.JoinedAtUtc).Select(p => new ParticipationDto(p.ParticipantId, p.Role, p.SiteId,
                ChinaTime.ToOffset(p.JoinedAtUtc), MeetingQueries.Offset(p.LeftAtUtc))).ToList(),
            snaps.Select(s => new SnapshotDto(s.Id, s.Reason, ChinaTime.ToOffset(s.TakenAtUtc), s.Width, s.Height, $"/api/snapshots/{s.Id}")).ToList(),
            MeetingQueries.Offset(m.RecordingFinishedAtUtc)));
    }

    private static async Task<Results<Created<MeetingDto>, ValidationProblem, ProblemHttpResult>> Create(CreateMeetingRequest req,
        ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (req.SiteId is null) errors["siteId"] = ["Required."];
        if (req.Kind is null) errors["kind"] = ["Required."];
        if (string.IsNullOrWhiteSpace(req.Title) || req.Title.Length > 200) errors["title"] = ["1-200 characters required."];
        if (errors.Count > 0) return Problems.Invalid(errors);
        if (await scope.GuardAsync(user, req.SiteId!.Value, ct) is { } problem) return problem;
        var site = await db.Sites.FirstAsync(s => s.Id == req.SiteId, ct);
        if (LevelError(req.Kind!.Value, site.Kind) is { } levelError) return Problems.Invalid("kind", levelError);
        var meeting = new Meeting
        {
            SiteId = site.Id, Kind = req.Kind!.Value, Title = req.Title!.Trim(), ScheduledStartUtc = req.ScheduledStart?.UtcDateTime,
            Room = $"m-{site.Code}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}",
        };
        db.Meetings.Add(meeting);
        await db.SaveChangesAsync(ct);
        meeting.Site = site;
        return TypedResults.Created($"/api/meetings/{meeting.Id}", MeetingQueries.ToDtos([meeting])[0]);
    }

    /// <summary>Plenaries are the county's, partial meetings a town's, the three working days a village's.</summary>
    private static string? LevelError(MeetingKind kind, SiteKind site) => kind switch
    {
        MeetingKind.Emergency => "Emergency calls are started with POST /api/live/emergency.",
        MeetingKind.Plenary when site != SiteKind.County => "A plenary is held by the county.",
        MeetingKind.Partial when site is not (SiteKind.Town or SiteKind.SubDistrict) => "A partial meeting is held by a town or sub-district.",
        MeetingKind.CommitteeDay or MeetingKind.ThemeDay or MeetingKind.DisclosureDay when site is not (SiteKind.Village or SiteKind.Community)
            => "The three working days are held by villages and communities.",
        _ => null,
    };

    private static async Task<Results<Ok<MeetingDto>, ValidationProblem, ProblemHttpResult>> Review(int id, ReviewRequest req,
        ClaimsPrincipal user, ControlPlaneDb db, TimeProvider time, CancellationToken ct)
    {
        var status = req.Decision?.ToLowerInvariant() switch { "approve" => ReviewStatus.Approved, "reject" => ReviewStatus.Rejected, _ => (ReviewStatus?)null };
        if (status is null) return Problems.Invalid("decision", "approve or reject.");
        if (status == ReviewStatus.Rejected && string.IsNullOrWhiteSpace(req.Comment)) return Problems.Invalid("comment", "A rejection needs a comment.");
        if (req.Comment is { Length: > 1000 }) return Problems.Invalid("comment", "At most 1000 characters.");
        var prefix = SiteScope.PrefixOf(user);
        var m = await db.Meetings.Include(x => x.Site).FirstOrDefaultAsync(x => x.Id == id && x.Site!.Path.StartsWith(prefix), ct);
        if (m is null) return Problems.NotFound("Meeting");
        // Reviewers judge the level below them: a town admin cannot approve the town's own meetings.
        if (m.Site!.Path == user.FindFirstValue(ClaimNames.ScopePath))
            return Problems.Forbidden("Meetings of your own site are reviewed by the level above.");
        if (m.StartedAtUtc is null || m.EndedAtUtc is null) return Problems.Conflict("Only a held and ended meeting can be reviewed.");
        m.Review = status.Value;
        m.ReviewComment = req.Comment?.Trim();
        m.ReviewedByUserId = user.UserId();
        m.ReviewedAtUtc = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(MeetingQueries.ToDtos([m])[0]);
    }

    private static async Task<IResult> Compliance(ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, TimeProvider time,
        string? period, DateOnly? date, int? townId, string? format, CancellationToken ct)
    {
        if (!EnumQuery.TryParse<CompliancePeriod>(period, out var cp)) return Problems.Invalid("period", EnumQuery.Names<CompliancePeriod>());
        if (townId is { } t && await scope.GuardAsync(user, t, ct) is { } problem) return problem;
        var p = cp ?? CompliancePeriod.Week;
        var (start, end) = WorkingDayCalendar.Range(p, date ?? ChinaTime.DateOf(time.GetUtcNow().UtcDateTime));
        var kind = WorkingDayCalendar.RequiredKind(p);
        var villages = scope.VisibleSites(user).Where(s => s.Kind == SiteKind.Village || s.Kind == SiteKind.Community);
        if (townId is not null) villages = villages.Where(s => s.ParentId == townId);
        var list = await villages.OrderBy(s => s.Code)
            .Select(s => new { s.Id, s.Name, TownId = s.ParentId ?? 0, TownName = s.Parent!.Name }).ToListAsync(ct);
        var fromUtc = ChinaTime.StartOfDayUtc(start);
        var toUtc = ChinaTime.StartOfDayUtc(end);
        var held = await db.Meetings.Where(m => villages.Any(v => v.Id == m.SiteId) && m.Kind == kind && m.StartedAtUtc >= fromUtc && m.StartedAtUtc < toUtc
                && m.Review != ReviewStatus.Rejected)
            .GroupBy(m => m.SiteId).Select(g => new { SiteId = g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.SiteId, x => x.Count, ct);
        var rows = list.Select(v => new ComplianceRow(v.Id, v.Name, v.TownId, v.TownName, held.GetValueOrDefault(v.Id), !held.ContainsKey(v.Id))).ToList();
        if (format is not null)
        {
            if (!TableExport.TryParseFormat(format, out var fmt)) return Problems.Invalid("format", "xlsx or csv.");
            return new TableExport("会议合规", ["村(社区)", "乡镇(街道)", "应开会议", "周期开始", "周期结束", "已开次数", "是否缺会"],
                rows.Select(r => new object?[] { r.SiteName, r.TownName, Labels.Meeting(kind), start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), end.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), r.Held, r.Missing ? "缺会" : "正常" }))
                .ToResult(fmt, "会议合规");
        }
        return TypedResults.Ok(new ComplianceReport(p, start, end.AddDays(-1), kind, rows.Count(r => r.Missing), rows));
    }

    /// <summary>Who was let into the room with which role, and every observer listen-in start and stop.</summary>
    private static async Task<Results<Ok<List<MeetingAuditEntry>>, ProblemHttpResult>> Audit(int id, ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct)
    {
        var prefix = SiteScope.PrefixOf(user);
        var room = await db.Meetings.Where(m => m.Id == id && m.Site!.Path.StartsWith(prefix)).Select(m => m.Room).FirstOrDefaultAsync(ct);
        if (room is null) return Problems.NotFound("Meeting");
        var grants = await db.MediaTokenGrants.Where(g => g.Room == room).ToListAsync(ct);
        var observers = await db.MeetingParticipations.Where(p => p.MeetingId == id && p.Role == "observer").ToListAsync(ct);
        var names = await AuditNamesAsync(db, grants.Select(g => g.Subject).Concat(observers.Select(p => p.ParticipantId)), ct);
        string Name(string subject) => names.GetValueOrDefault(subject, subject);
        var entries = grants.Select(g => new MeetingAuditEntry(ChinaTime.ToOffset(g.IssuedAtUtc), "tokenIssued", g.Subject, g.Role, g.UserId, Name(g.Subject)))
            .Concat(observers.Select(p => new MeetingAuditEntry(ChinaTime.ToOffset(p.JoinedAtUtc), "observerJoined", p.ParticipantId, p.Role, null, Name(p.ParticipantId))))
            .Concat(observers.Where(p => p.LeftAtUtc is not null)
                .Select(p => new MeetingAuditEntry(ChinaTime.ToOffset(p.LeftAtUtc!.Value), "observerLeft", p.ParticipantId, p.Role, null, Name(p.ParticipantId))))
            .OrderBy(e => e.At).ToList();
        return TypedResults.Ok(entries);
    }

    /// <summary>Display names of participant ids: "user:N" is the user's name with its site, "site:N" the site's name.</summary>
    private static async Task<Dictionary<string, string>> AuditNamesAsync(ControlPlaneDb db, IEnumerable<string> subjects, CancellationToken ct)
    {
        var distinct = subjects.Distinct(StringComparer.Ordinal).ToList();
        var userIds = IdsOf(distinct, "user:");
        var siteIds = IdsOf(distinct, "site:");
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (userIds.Count > 0)
        {
            foreach (var u in await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
                         .Select(u => new { u.Id, u.DisplayName, SiteName = u.Site == null ? null : u.Site.Name }).ToListAsync(ct))
                names[$"user:{u.Id}"] = u.SiteName is null || u.DisplayName.StartsWith(u.SiteName, StringComparison.Ordinal) ? u.DisplayName : $"{u.DisplayName}（{u.SiteName}）";
        }
        if (siteIds.Count > 0)
        {
            foreach (var site in await db.Sites.AsNoTracking().Where(x => siteIds.Contains(x.Id)).Select(x => new { x.Id, x.Name }).ToListAsync(ct))
                names[$"site:{site.Id}"] = site.Name;
        }
        return names;

        static List<int> IdsOf(List<string> subjects, string prefix) =>
            subjects.Where(x => x.StartsWith(prefix, StringComparison.Ordinal))
                .Select(x => int.TryParse(x.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) ? id : 0)
                .Where(id => id > 0).ToList();
    }

    private static async Task<IResult> Stats(ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, TimeProvider time,
        DateTimeOffset? from, DateTimeOffset? to, int? townId, string? format, CancellationToken ct)
    {
        if (townId is { } t && await scope.GuardAsync(user, t, ct) is { } problem) return problem;
        var today = ChinaTime.DateOf(time.GetUtcNow().UtcDateTime);
        var f = from?.UtcDateTime ?? ChinaTime.StartOfDayUtc(new DateOnly(today.Year, today.Month, 1));
        var e = to?.UtcDateTime ?? ChinaTime.StartOfDayUtc(today.AddDays(1));
        if (e <= f || e - f > TimeSpan.FromDays(400)) return Problems.Invalid("to", "The range must be positive and at most 400 days.");
        var villages = scope.VisibleSites(user).Where(s => s.Kind == SiteKind.Village || s.Kind == SiteKind.Community);
        if (townId is not null) villages = villages.Where(s => s.ParentId == townId);
        var list = await villages.OrderBy(s => s.Code).Select(s => new { s.Id, s.Name, TownName = s.Parent!.Name }).ToListAsync(ct);
        // One grouped query: sessions, the stored attendee counts, and each session's minutes (whole seconds, rounded half
        // to even as MeetingQueries.DurationMinutes does) summed per village. SQL repeats an expression at each use, so
        // the seconds are used twice (a running session counts 0 s): (s + 30) / 60 rounds half up, and a half minute
        // whose upper neighbour is odd (s % 120 == 30: 30 s, 150 s, ...) goes down to the even one instead.
        var totals = await db.Meetings.Where(m => villages.Any(v => v.Id == m.SiteId) && m.StartedAtUtc >= f && m.StartedAtUtc < e)
            .Select(m => new
            {
                m.SiteId, m.StartedAtUtc, m.AttendeeCount,
                Seconds = SqlFunctions.UnixEpoch(m.EndedAtUtc ?? m.StartedAtUtc!.Value) - SqlFunctions.UnixEpoch(m.StartedAtUtc!.Value),
            })
            .GroupBy(m => m.SiteId)
            .Select(g => new
            {
                SiteId = g.Key, Sessions = g.Count(), Attendees = g.Sum(m => m.AttendeeCount),
                Minutes = g.Sum(m => (m.Seconds + 30) / 60 - (m.Seconds % 120 == 30 ? 1 : 0)),
                Last = g.Max(m => m.StartedAtUtc),
            })
            .ToDictionaryAsync(x => x.SiteId, ct);
        var rows = list.Select(v => totals.TryGetValue(v.Id, out var t)
            ? new MeetingStats(v.Id, v.Name, v.TownName, t.Sessions, t.Attendees, (int)t.Minutes, MeetingQueries.Offset(t.Last))
            : new MeetingStats(v.Id, v.Name, v.TownName, 0, 0, 0, null)).ToList();
        if (format is null) return TypedResults.Ok(rows);
        if (!TableExport.TryParseFormat(format, out var fmt)) return Problems.Invalid("format", "xlsx or csv.");
        return new TableExport("组织生活统计", ["村(社区)", "乡镇(街道)", "会议次数", "参会人次", "总时长(分钟)", "最近一次"],
            rows.Select(r => new object?[] { r.SiteName, r.TownName, r.Sessions, r.Attendees, r.TotalMinutes, r.LastHeld?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) }))
            .ToResult(fmt, "组织生活统计");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> SnapshotImage(long id, ClaimsPrincipal user, SiteScope scope,
        ControlPlaneDb db, CancellationToken ct)
    {
        var visible = scope.VisibleSiteIds(user);
        var jpeg = await db.Snapshots.Where(s => s.Id == id && visible.Contains(s.SiteId)).Select(s => s.Jpeg).FirstOrDefaultAsync(ct);
        return jpeg is null ? Problems.NotFound("Snapshot") : TypedResults.File(jpeg, "image/jpeg");
    }

    private static Results<Ok<List<WorkingDayDto>>, ValidationProblem> Calendar(WorkingDayCalendar calendar, TimeProvider time, DateOnly? from, DateOnly? to)
    {
        var f = from ?? ChinaTime.DateOf(time.GetUtcNow().UtcDateTime);
        var t = to ?? f.AddMonths(3);
        if (t < f || t.DayNumber - f.DayNumber > 800) return Problems.Invalid("to", "Range must be 0-800 days.");
        return TypedResults.Ok(calendar.Schedule(f, t.AddDays(1)).Select(x => new WorkingDayDto(x.Date, x.Kind, Labels.Meeting(x.Kind))).ToList());
    }
}
