using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Meetings;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Disclosures;

/// <summary>A disclosure as listed (the photo is fetched separately).</summary>
public sealed record DisclosureDto(int Id, int SiteId, string SiteName, DisclosureCategory Category, string Month, string Title,
    string? Description, string FileName, string ContentType, int Size, DateTimeOffset UploadedAt, string Url);

/// <summary>A village's missing categories for a month.</summary>
public sealed record MissingDisclosure(int SiteId, string SiteName, int TownId, string TownName, IReadOnlyList<DisclosureCategory> MissingCategories);

/// <summary>Monthly disclosure photos: upload, list, missing, content.</summary>
public static class DisclosureEndpoints
{
    private static readonly string[] ImageTypes = ["image/jpeg", "image/png"];

    /// <summary>Maps /api/disclosures.</summary>
    public static void MapDisclosures(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/disclosures").WithTags("Disclosures").RequireAuthorization(Policies.Staff);
        g.MapPost("/", Upload).DisableAntiforgery();
        g.MapGet("/", List).Produces<Page<DisclosureDto>>();
        g.MapGet("/missing", Missing).RequireAuthorization(Policies.Admin);
        g.MapGet("/{id:int}/content", Content);
    }

    private static async Task<Results<Created<DisclosureDto>, ValidationProblem, ProblemHttpResult>> Upload(
        [FromForm] int? siteId, [FromForm] string? category, [FromForm] string? month, [FromForm] string? title,
        [FromForm] string? description, IFormFile? file, ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db,
        IOptions<ControlPlaneOptions> options, TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (siteId is null) errors["siteId"] = ["Required."];
        if (category is null || !EnumQuery.TryParse<DisclosureCategory>(category, out var cat)) { errors["category"] = ["Required: partyAffairs, villageAffairs or finance."]; cat = null; }
        if (!ChinaTime.TryParseMonth(month, out _)) errors["month"] = ["Required: yyyy-MM."];
        if (string.IsNullOrWhiteSpace(title) || title.Length > 200) errors["title"] = ["1-200 characters required."];
        if (description is { Length: > 2000 }) errors["description"] = ["At most 2000 characters."];
        if (file is null || file.Length == 0) errors["file"] = ["A photo file is required."];
        else if (file.Length > options.Value.MaxDisclosureBytes) errors["file"] = [$"At most {options.Value.MaxDisclosureBytes} bytes."];
        if (errors.Count > 0) return Problems.Invalid(errors);
        if (await scope.GuardAsync(user, siteId!.Value, ct) is { } problem) return problem;
        var site = await db.Sites.FirstAsync(s => s.Id == siteId, ct);
        if (!site.IsGrassroots) return Problems.Invalid("siteId", "Disclosures belong to villages and communities.");

        using var ms = new MemoryStream();
        await file!.CopyToAsync(ms, ct);
        var bytes = ms.ToArray();
        var contentType = Sniff(bytes);
        if (contentType is null) return Problems.Invalid("file", "Only JPEG or PNG photos are accepted.");
        var d = new Disclosure
        {
            SiteId = site.Id, Category = cat!.Value, Month = month!, Title = title!.Trim(), Description = description?.Trim(),
            FileName = Path.GetFileName(file.FileName) is { Length: > 0 and <= 200 } n ? n : "photo", ContentType = contentType,
            Content = bytes, UploadedAtUtc = time.GetUtcNow().UtcDateTime, UploadedByUserId = user.UserId(),
        };
        db.Disclosures.Add(d);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/disclosures/{d.Id}", ToDto(d, site.Name, bytes.Length));
    }

    private static async Task<IResult> List(ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db,
        int? siteId, string? month, string? category, string? format, int? page, int? pageSize, CancellationToken ct)
    {
        if (!EnumQuery.TryParse<DisclosureCategory>(category, out var c)) return Problems.Invalid("category", EnumQuery.Names<DisclosureCategory>());
        if (siteId is { } s && await scope.GuardAsync(user, s, ct) is { } problem) return problem;
        var q = Query(db, SiteScope.PrefixOf(user));
        if (siteId is not null) q = q.Where(d => d.SiteId == siteId);
        if (month is not null) q = q.Where(d => d.Month == month);
        if (c is not null) q = q.Where(d => d.Category == c);
        var ordered = q.OrderByDescending(d => d.Month).ThenBy(d => d.SiteId).ThenBy(d => d.Id)
            .Select(d => new { d.Id, d.SiteId, SiteName = d.Site!.Name, d.Category, d.Month, d.Title, d.Description, d.FileName, d.ContentType, Size = d.Content.Length, d.UploadedAtUtc });
        if (format is not null)
        {
            if (!TableExport.TryParseFormat(format, out var fmt)) return Problems.Invalid("format", "xlsx or csv.");
            var rows = await ordered.Take(TableExport.MaxRows).ToListAsync(ct);
            return new TableExport("公开记录", ["编号", "村(社区)", "类别", "月份", "标题", "文件名", "上传时间"],
                rows.Select(d => new object?[] { d.Id, d.SiteName, Labels.Category(d.Category), d.Month, d.Title, d.FileName,
                    ChinaTime.ToOffset(d.UploadedAtUtc).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) })).ToResult(fmt, "公开记录");
        }
        var result = await PageRequest.From(page, pageSize).ApplyAsync(ordered, ct);
        return TypedResults.Ok(new Page<DisclosureDto>(result.Items.Select(d => new DisclosureDto(d.Id, d.SiteId, d.SiteName, d.Category, d.Month, d.Title,
            d.Description, d.FileName, d.ContentType, d.Size, ChinaTime.ToOffset(d.UploadedAtUtc), $"/api/disclosures/{d.Id}/content")).ToList(),
            result.PageNumber, result.PageSize, result.Total));
    }

    private static async Task<Results<Ok<List<MissingDisclosure>>, ValidationProblem, ProblemHttpResult>> Missing(ClaimsPrincipal user, SiteScope scope,
        ControlPlaneDb db, TimeProvider time, string? month, int? townId, CancellationToken ct)
    {
        var m = month ?? ChinaTime.MonthKey(ChinaTime.DateOf(time.GetUtcNow().UtcDateTime));
        if (!ChinaTime.TryParseMonth(m, out _)) return Problems.Invalid("month", "yyyy-MM.");
        if (townId is { } t && await scope.GuardAsync(user, t, ct) is { } problem) return problem;
        var villages = scope.VisibleSites(user).Where(s => s.Kind == SiteKind.Village || s.Kind == SiteKind.Community);
        if (townId is not null) villages = villages.Where(s => s.ParentId == townId);
        var list = await villages.OrderBy(s => s.Code).Select(s => new { s.Id, s.Name, TownId = s.ParentId ?? 0, TownName = s.Parent!.Name }).ToListAsync(ct);
        var have = (await db.Disclosures.Where(d => d.Month == m && villages.Any(v => v.Id == d.SiteId)).Select(d => new { d.SiteId, d.Category }).Distinct().ToListAsync(ct))
            .ToLookup(x => x.SiteId, x => x.Category);
        var all = Enum.GetValues<DisclosureCategory>();
        return TypedResults.Ok(list.Select(v => new MissingDisclosure(v.Id, v.Name, v.TownId, v.TownName, all.Except(have[v.Id]).ToList()))
            .Where(x => x.MissingCategories.Count > 0).ToList());
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Content(int id, ClaimsPrincipal user, ControlPlaneDb db, CancellationToken ct)
    {
        var d = await Query(db, SiteScope.PrefixOf(user)).Where(x => x.Id == id).Select(x => new { x.Content, x.ContentType, x.FileName }).FirstOrDefaultAsync(ct);
        return d is null ? Problems.NotFound("Disclosure") : TypedResults.File(d.Content, d.ContentType, d.FileName);
    }

    private static IQueryable<Disclosure> Query(ControlPlaneDb db, string prefix) => db.Disclosures.AsNoTracking().Where(d => d.Site!.Path.StartsWith(prefix));

    private static string? Sniff(byte[] b)
    {
        if (JpegInfo.TryRead(b, out _, out _)) return ImageTypes[0];
        if (b.Length > 8 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return ImageTypes[1];
        return null;
    }

    private static DisclosureDto ToDto(Disclosure d, string siteName, int size) => new(d.Id, d.SiteId, siteName, d.Category, d.Month, d.Title,
        d.Description, d.FileName, d.ContentType, size, ChinaTime.ToOffset(d.UploadedAtUtc), $"/api/disclosures/{d.Id}/content");
}
