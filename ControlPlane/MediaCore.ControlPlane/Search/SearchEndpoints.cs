using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Search;

/// <summary>One search hit.</summary>
public sealed record SearchHit(string Type, long Id, string Title, string? Detail, int SiteId, string SiteName, DateTimeOffset? At, string Url);

/// <summary>
/// Search across villages, people, meetings (sessions) and disclosures by text, time range and type. Chinese
/// text is matched as a substring (LIKE/instr on both providers), which suits names and titles without a
/// word segmenter; results are limited to the caller's scope.
/// </summary>
public static class SearchEndpoints
{
    private static readonly string[] Types = ["site", "person", "meeting", "disclosure"];

    /// <summary>Maps GET /api/search.</summary>
    public static void MapSearch(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/search", Search).WithTags("Search").RequireAuthorization(Policies.Staff);

    private static async Task<Results<Ok<Page<SearchHit>>, ValidationProblem>> Search(ClaimsPrincipal user, ControlPlaneDb db,
        string? q, string? type, DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, CancellationToken ct)
    {
        if (type is not null && !Types.Contains(type)) return Problems.Invalid("type", "site, person, meeting or disclosure.");
        if (string.IsNullOrWhiteSpace(q) && from is null && to is null) return Problems.Invalid("q", "Give a text, a time range, or both.");
        if (q is { Length: > 100 }) return Problems.Invalid("q", "At most 100 characters.");
        var text = q?.Trim() ?? "";
        var prefix = SiteScope.PrefixOf(user);
        var f = from?.UtcDateTime;
        var t = to?.UtcDateTime;
        var timed = f is not null || t is not null;
        var pr = PageRequest.From(page, pageSize);
        var skip = (pr.PageNumber - 1) * pr.PageSize;
        var take = pr.PageSize;
        var total = 0;
        var hits = new List<SearchHit>();
        // Hits are listed by type (sites, people, meetings, disclosures), each in its own order; every type is counted in
        // SQL and only the rows of the requested page are read, so the total is exact and deep pages cost no more.
        async Task PartAsync<T>(IQueryable<T> ordered, Func<T, SearchHit> map)
        {
            var n = await ordered.CountAsync(ct);
            total += n;
            if (take > 0 && skip < n)
            {
                hits.AddRange((await ordered.Skip(skip).Take(take).ToListAsync(ct)).Select(map));
                take -= Math.Min(take, n - skip);
                skip = 0;
            }
            else skip -= Math.Min(skip, n);
        }

        if (type is null or "site" && !timed)
            await PartAsync(db.Sites.Where(s => s.Path.StartsWith(prefix) && s.Name.Contains(text)).OrderBy(s => s.Code)
                .Select(s => new { s.Id, s.Name, s.Kind, s.Code }),
                s => new SearchHit("site", s.Id, s.Name, Labels.Site(s.Kind) + " " + s.Code, s.Id, s.Name, null, $"/api/sites/{s.Id}"));
        if (type is null or "person" && !timed)
            await PartAsync(db.People.Where(p => p.Site!.Path.StartsWith(prefix) && p.Name.Contains(text)).OrderBy(p => p.Id)
                .Select(p => new { p.Id, p.Name, p.Role, p.SiteId, SiteName = p.Site!.Name }),
                p => new SearchHit("person", p.Id, p.Name, Labels.Role(p.Role), p.SiteId, p.SiteName, null, $"/api/people/{p.Id}"));
        if (type is null or "meeting")
        {
            var m = db.Meetings.Where(x => x.Site!.Path.StartsWith(prefix) && (x.Title.Contains(text) || x.Site.Name.Contains(text)));
            if (f is not null) m = m.Where(x => (x.StartedAtUtc ?? x.ScheduledStartUtc) >= f);
            if (t is not null) m = m.Where(x => (x.StartedAtUtc ?? x.ScheduledStartUtc) < t);
            await PartAsync(m.OrderByDescending(x => x.StartedAtUtc ?? x.ScheduledStartUtc).ThenByDescending(x => x.Id)
                .Select(x => new { x.Id, x.Title, x.Kind, x.SiteId, SiteName = x.Site!.Name, At = x.StartedAtUtc ?? x.ScheduledStartUtc }),
                x => new SearchHit("meeting", x.Id, x.Title, Labels.Meeting(x.Kind), x.SiteId, x.SiteName, x.At is { } a ? ChinaTime.ToOffset(a) : null, $"/api/meetings/{x.Id}"));
        }
        if (type is null or "disclosure")
        {
            var d = db.Disclosures.Where(x => x.Site!.Path.StartsWith(prefix) && (x.Title.Contains(text) || (x.Description != null && x.Description.Contains(text)) || x.Site.Name.Contains(text)));
            if (f is not null) d = d.Where(x => x.UploadedAtUtc >= f);
            if (t is not null) d = d.Where(x => x.UploadedAtUtc < t);
            await PartAsync(d.OrderByDescending(x => x.UploadedAtUtc).ThenByDescending(x => x.Id)
                .Select(x => new { x.Id, x.Title, x.Category, x.Month, x.SiteId, SiteName = x.Site!.Name, x.UploadedAtUtc }),
                x => new SearchHit("disclosure", x.Id, x.Title, Labels.Category(x.Category) + " " + x.Month, x.SiteId, x.SiteName, ChinaTime.ToOffset(x.UploadedAtUtc), $"/api/disclosures/{x.Id}/content"));
        }
        return TypedResults.Ok(new Page<SearchHit>(hits, pr.PageNumber, pr.PageSize, total));
    }
}
