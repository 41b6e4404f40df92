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
        var limit = PageRequest.MaxPageSize * 4;
        var hits = new List<SearchHit>();

        if (type is null or "site" && !timed)
            hits.AddRange((await db.Sites.Where(s => s.Path.StartsWith(prefix) && s.Name.Contains(text)).OrderBy(s => s.Code).Take(limit)
                .Select(s => new { s.Id, s.Name, s.Kind, s.Code }).ToListAsync(ct))
                .Select(s => new SearchHit("site", s.Id, s.Name, Labels.Site(s.Kind) + " " + s.Code, s.Id, s.Name, null, $"/api/sites/{s.Id}")));
        if (type is null or "person" && !timed)
            hits.AddRange((await db.People.Where(p => p.Site!.Path.StartsWith(prefix) && p.Name.Contains(text)).OrderBy(p => p.Id).Take(limit)
                .Select(p => new { p.Id, p.Name, p.Role, p.SiteId, SiteName = p.Site!.Name }).ToListAsync(ct))
                .Select(p => new SearchHit("person", p.Id, p.Name, Labels.Role(p.Role), p.SiteId, p.SiteName, null, $"/api/people/{p.Id}")));
        if (type is null or "meeting")
        {
            var m = db.Meetings.Where(x => x.Site!.Path.StartsWith(prefix) && (x.Title.Contains(text) || x.Site.Name.Contains(text)));
            if (f is not null) m = m.Where(x => (x.StartedAtUtc ?? x.ScheduledStartUtc) >= f);
            if (t is not null) m = m.Where(x => (x.StartedAtUtc ?? x.ScheduledStartUtc) < t);
            hits.AddRange((await m.OrderByDescending(x => x.StartedAtUtc ?? x.ScheduledStartUtc).Take(limit)
                .Select(x => new { x.Id, x.Title, x.Kind, x.SiteId, SiteName = x.Site!.Name, At = x.StartedAtUtc ?? x.ScheduledStartUtc }).ToListAsync(ct))
                .Select(x => new SearchHit("meeting", x.Id, x.Title, Labels.Meeting(x.Kind), x.SiteId, x.SiteName, x.At is { } a ? ChinaTime.ToOffset(a) : null, $"/api/meetings/{x.Id}")));
        }
        if (type is null or "disclosure")
        {
            var d = db.Disclosures.Where(x => x.Site!.Path.StartsWith(prefix) && (x.Title.Contains(text) || (x.Description != null && x.Description.Contains(text)) || x.Site.Name.Contains(text)));
            if (f is not null) d = d.Where(x => x.UploadedAtUtc >= f);
            if (t is not null) d = d.Where(x => x.UploadedAtUtc < t);
            hits.AddRange((await d.OrderByDescending(x => x.UploadedAtUtc).Take(limit)
                .Select(x => new { x.Id, x.Title, x.Category, x.Month, x.SiteId, SiteName = x.Site!.Name, x.UploadedAtUtc }).ToListAsync(ct))
                .Select(x => new SearchHit("disclosure", x.Id, x.Title, Labels.Category(x.Category) + " " + x.Month, x.SiteId, x.SiteName, ChinaTime.ToOffset(x.UploadedAtUtc), $"/api/disclosures/{x.Id}/content")));
        }
        var pr = PageRequest.From(page, pageSize);
        return TypedResults.Ok(new Page<SearchHit>(hits.Skip((pr.PageNumber - 1) * pr.PageSize).Take(pr.PageSize).ToList(), pr.PageNumber, pr.PageSize, hits.Count));
    }
}
