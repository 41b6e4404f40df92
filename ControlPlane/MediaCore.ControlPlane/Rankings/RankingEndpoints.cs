using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Rankings;

/// <summary>A cadre's presence on one day.</summary>
public sealed record DailyDuty(int PersonId, string Name, PersonRole Role, int SiteId, string SiteName, bool Present, DateTimeOffset? FirstCheckIn);

/// <summary>Cadre duty, first-secretary visits, rankings, and their exports.</summary>
public static class RankingEndpoints
{
    /// <summary>Maps /api/duty and /api/rankings.</summary>
    public static void MapRankings(this IEndpointRouteBuilder app)
    {
        var duty = app.MapGroup("/api/duty").WithTags("Rankings").RequireAuthorization(Policies.Staff);
        duty.MapGet("/daily", Daily).Produces<List<DailyDuty>>();
        duty.MapGet("/people", PeopleDuty).Produces<List<PersonDuty>>();
        duty.MapGet("/first-secretary-visits", Visits).Produces<List<PersonDuty>>().RequireAuthorization(Policies.Admin);
        var rank = app.MapGroup("/api/rankings").WithTags("Rankings").RequireAuthorization(Policies.Admin);
        rank.MapGet("/villages", Villages).Produces<List<VillageRank>>();
        rank.MapGet("/towns", Towns).Produces<List<TownRank>>().RequireAuthorization(Policies.CountyAdmin);
    }

    private static async Task<IResult> Daily(ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, TimeProvider time,
        DateOnly? date, int? siteId, CancellationToken ct)
    {
        if (siteId is { } s && await scope.GuardAsync(user, s, ct) is { } problem) return problem;
        var day = date ?? ChinaTime.DateOf(time.GetUtcNow().UtcDateTime);
        var sites = Sites(scope, user, siteId);
        var cadreQuery = db.People.Where(p => p.Active && p.Role != PersonRole.PartyMember && sites.Any(x => x.Id == p.SiteId));
        var cadres = await cadreQuery
            .OrderBy(p => p.SiteId).ThenBy(p => p.Id).Select(p => new { p.Id, p.Name, p.Role, p.SiteId, SiteName = p.Site!.Name }).ToListAsync(ct);
        var from = ChinaTime.StartOfDayUtc(day);
        var to = ChinaTime.StartOfDayUtc(day.AddDays(1));
        // A join from the cadres (one range of the (PersonId, OccurredAtUtc) index each), not a list of a county's cadre ids
        // sent as thousands of SQL parameters.
        var first = await cadreQuery
            .Join(db.CheckIns.Where(c => c.OccurredAtUtc >= from && c.OccurredAtUtc < to), p => p.Id, c => c.PersonId, (p, c) => c)
            .GroupBy(c => c.PersonId).Select(g => new { g.Key, First = g.Min(c => c.OccurredAtUtc) }).ToDictionaryAsync(x => x.Key, x => x.First, ct);
        return TypedResults.Ok(cadres.Select(c => new DailyDuty(c.Id, c.Name, c.Role, c.SiteId, c.SiteName, first.ContainsKey(c.Id),
            first.TryGetValue(c.Id, out var t) ? ChinaTime.ToOffset(t) : null)).ToList());
    }

    private static async Task<IResult> PeopleDuty(ClaimsPrincipal user, SiteScope scope, DutyCalculator duty, TimeProvider time,
        string? month, int? siteId, string? format, CancellationToken ct)
    {
        if (Month(month, time) is not { } m) return Problems.Invalid("month", "yyyy-MM.");
        if (siteId is { } s && await scope.GuardAsync(user, s, ct) is { } problem) return problem;
        var rows = await duty.PeopleAsync(Sites(scope, user, siteId), m, null, ct);
        return Export(format, rows, "干部出勤", ["姓名", "职务", "村(社区)", "出勤天数", "工作日数", "出勤率"],
            r => [r.Name, Labels.Role(r.Role), r.SiteName, r.PresentDays, r.WorkingDays, r.Rate]);
    }

    private static async Task<IResult> Visits(ClaimsPrincipal user, SiteScope scope, DutyCalculator duty, TimeProvider time,
        string? month, int? townId, string? format, CancellationToken ct)
    {
        if (Month(month, time) is not { } m) return Problems.Invalid("month", "yyyy-MM.");
        if (townId is { } t && await scope.GuardAsync(user, t, ct) is { } problem) return problem;
        // Only the first secretaries' check-ins are counted (in SQL), not every cadre's.
        var rows = await duty.PeopleAsync(UnderTown(scope, user, townId), m, PersonRole.FirstSecretary, ct);
        return Export(format, rows, "第一书记驻村", ["姓名", "村(社区)", "驻村天数", "工作日数", "驻村率"],
            r => [r.Name, r.SiteName, r.PresentDays, r.WorkingDays, r.Rate]);
    }

    private static async Task<IResult> Villages(ClaimsPrincipal user, SiteScope scope, DutyCalculator duty, TimeProvider time,
        string? month, int? townId, string? format, CancellationToken ct)
    {
        if (Month(month, time) is not { } m) return Problems.Invalid("month", "yyyy-MM.");
        if (townId is { } t && await scope.GuardAsync(user, t, ct) is { } problem) return problem;
        var rows = await duty.VillagesAsync(UnderTown(scope, user, townId), m, ct);
        return Export(format, rows, "村级排名", ["乡镇(街道)", "镇内排名", "村(社区)", "干部出勤率", "已开会议", "应开会议", "会议完成率", "综合得分"],
            r => [r.TownName, r.Rank, r.SiteName, r.AttendanceRate, r.MeetingsHeld, r.MeetingsRequired, r.MeetingRate, r.Score]);
    }

    private static async Task<IResult> Towns(ClaimsPrincipal user, SiteScope scope, DutyCalculator duty, TimeProvider time,
        string? month, string? format, CancellationToken ct)
    {
        if (Month(month, time) is not { } m) return Problems.Invalid("month", "yyyy-MM.");
        var rows = await duty.TownsAsync(scope.VisibleSites(user), m, ct);
        return Export(format, rows, "乡镇排名", ["县内排名", "乡镇(街道)", "村(社区)数", "干部出勤率", "会议完成率", "综合得分"],
            r => [r.Rank, r.TownName, r.Villages, r.AttendanceRate, r.MeetingRate, r.Score]);
    }

    private static IQueryable<Site> Sites(SiteScope scope, ClaimsPrincipal user, int? siteId)
    {
        var sites = scope.VisibleSites(user);
        return siteId is null ? sites : sites.Where(s => s.Id == siteId);
    }

    private static IQueryable<Site> UnderTown(SiteScope scope, ClaimsPrincipal user, int? townId)
    {
        var sites = scope.VisibleSites(user);
        return townId is null ? sites : sites.Where(s => s.ParentId == townId);
    }

    private static DateOnly? Month(string? month, TimeProvider time)
    {
        if (month is null)
        {
            var d = ChinaTime.DateOf(time.GetUtcNow().UtcDateTime);
            return new DateOnly(d.Year, d.Month, 1);
        }
        return ChinaTime.TryParseMonth(month, out var m) ? m : null;
    }

    private static IResult Export<T>(string? format, List<T> rows, string name, string[] headers, Func<T, object?[]> map)
    {
        if (format is null) return TypedResults.Ok(rows);
        if (!TableExport.TryParseFormat(format, out var fmt)) return Problems.Invalid("format", "xlsx or csv.");
        return new TableExport(name, headers, rows.Select(map)).ToResult(fmt, name);
    }
}
