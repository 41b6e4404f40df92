using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Live;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Sites;

/// <summary>A site as listed.</summary>
public sealed record SiteDto(int Id, int? ParentId, SiteKind Kind, string Name, string Code);

/// <summary>A node of the site tree.</summary>
public sealed record SiteNode(int Id, SiteKind Kind, string Name, string Code, List<SiteNode> Children);

/// <summary>A device as shown (never its key; a camera's RTSP URL with its password masked).</summary>
public sealed record DeviceDto(int Id, int SiteId, DeviceKind Kind, string Name, string Code, bool Enabled, bool HasKey, DateTimeOffset? LastSeenAt,
    string? RtspUrl = null);

/// <summary>One site with its devices and head counts.</summary>
public sealed record SiteDetail(SiteDto Site, IReadOnlyList<DeviceDto> Devices, int People, int Cadres);

/// <summary>Creating a site under a parent (a town under the county, a village under a town).</summary>
public sealed record CreateSiteRequest(int? ParentId, SiteKind? Kind, string? Name, string? Code);

/// <summary>Registering a device; a camera may give its stream (<c>rtsp://user:password@host/path</c>).</summary>
public sealed record CreateDeviceRequest(DeviceKind? Kind, string? Name, string? Code, string? RtspUrl = null);

/// <summary>
/// Renaming, enabling or disabling a device (a disabled attendance machine's key is refused, a disabled camera is not
/// pulled); a camera's RTSP URL is set, or removed with an empty string.
/// </summary>
public sealed record UpdateDeviceRequest(string? Name, bool? Enabled, string? RtspUrl = null);

/// <summary>A device with its key, returned only when the key is created or rotated.</summary>
public sealed record DeviceWithKey(DeviceDto Device, string? Key);

/// <summary>Sites hierarchy and devices.</summary>
public static class SiteEndpoints
{
    /// <summary>Maps /api/sites.</summary>
    public static void MapSites(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/sites").WithTags("Sites").RequireAuthorization(Policies.Staff);
        g.MapGet("/", List);
        g.MapGet("/tree", Tree);
        g.MapGet("/online", OnlineSites.List);
        g.MapGet("/{id:int}", Get);
        g.MapPost("/", Create).RequireAuthorization(Policies.Admin);
        g.MapGet("/{id:int}/devices", Devices);
        g.MapPost("/{id:int}/devices", CreateDevice).RequireAuthorization(Policies.Admin);
        g.MapPost("/{id:int}/devices/{deviceId:int}/key", RotateKey).RequireAuthorization(Policies.Admin);
        g.MapPut("/{id:int}/devices/{deviceId:int}", UpdateDevice).RequireAuthorization(Policies.Admin);
        g.MapTerminalSip();
    }

    private static async Task<Results<Ok<Page<SiteDto>>, ValidationProblem, ProblemHttpResult>> List(ClaimsPrincipal user, SiteScope scope,
        int? parentId, string? kind, string? q, int? page, int? pageSize, CancellationToken ct)
    {
        if (!EnumQuery.TryParse<SiteKind>(kind, out var k)) return Problems.Invalid("kind", EnumQuery.Names<SiteKind>());
        if (parentId is { } p && await scope.GuardAsync(user, p, ct) is { } problem) return problem;
        var sites = scope.VisibleSites(user);
        if (parentId is not null) sites = sites.Where(s => s.ParentId == parentId);
        if (k is not null) sites = sites.Where(s => s.Kind == k);
        if (!string.IsNullOrWhiteSpace(q)) sites = sites.Where(s => s.Name.Contains(q) || s.Code.Contains(q));
        var query = sites.OrderBy(s => s.Code).Select(s => new SiteDto(s.Id, s.ParentId, s.Kind, s.Name, s.Code));
        return TypedResults.Ok(await PageRequest.From(page, pageSize).ApplyAsync(query, ct));
    }

    private static async Task<Ok<List<SiteNode>>> Tree(ClaimsPrincipal user, SiteScope scope, CancellationToken ct)
    {
        var sites = await scope.VisibleSites(user).OrderBy(s => s.Code)
            .Select(s => new { s.Id, s.ParentId, s.Kind, s.Name, s.Code }).ToListAsync(ct);
        var nodes = sites.ToDictionary(s => s.Id, s => new SiteNode(s.Id, s.Kind, s.Name, s.Code, []));
        var roots = new List<SiteNode>();
        foreach (var s in sites)
        {
            if (s.ParentId is { } p && nodes.TryGetValue(p, out var parent)) parent.Children.Add(nodes[s.Id]);
            else roots.Add(nodes[s.Id]);
        }
        return TypedResults.Ok(roots);
    }

    private static async Task<Results<Created<SiteDto>, ValidationProblem, ProblemHttpResult>> Create(CreateSiteRequest req,
        ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (req.ParentId is null) errors["parentId"] = ["Required."];
        if (req.Kind is null) errors["kind"] = ["Required: town, subDistrict, village or community."];
        if (string.IsNullOrWhiteSpace(req.Name) || req.Name.Length > 100) errors["name"] = ["1-100 characters required."];
        if (string.IsNullOrWhiteSpace(req.Code) || req.Code.Length > 32) errors["code"] = ["1-32 characters required."];
        if (errors.Count > 0) return Problems.Invalid(errors);
        if (await scope.GuardAsync(user, req.ParentId!.Value, ct) is { } problem) return problem;
        var parent = await db.Sites.FirstAsync(x => x.Id == req.ParentId, ct);
        var fits = parent.Kind switch
        {
            SiteKind.County => req.Kind is SiteKind.Town or SiteKind.SubDistrict,
            SiteKind.Town or SiteKind.SubDistrict => req.Kind is SiteKind.Village or SiteKind.Community,
            _ => false,
        };
        if (!fits) return Problems.Invalid("kind", $"A {req.Kind} cannot be placed under a {parent.Kind}.");
        if (await db.Sites.AnyAsync(x => x.Code == req.Code, ct)) return Problems.Conflict("A site with this code exists.");
        // The path needs the new id, so insert and complete it in one transaction.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var site = new Site { ParentId = parent.Id, Kind = req.Kind!.Value, Name = req.Name!.Trim(), Code = req.Code!.Trim() };
        db.Sites.Add(site);
        await db.SaveChangesAsync(ct);
        site.Path = $"{parent.Path}{site.Id}/";
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/sites/{site.Id}", new SiteDto(site.Id, site.ParentId, site.Kind, site.Name, site.Code));
    }

    private static async Task<Results<Ok<SiteDetail>, ProblemHttpResult>> Get(int id, ClaimsPrincipal user, SiteScope scope,
        ControlPlaneDb db, CancellationToken ct)
    {
        var site = await scope.VisibleSites(user).Where(s => s.Id == id)
            .Select(s => new SiteDto(s.Id, s.ParentId, s.Kind, s.Name, s.Code)).FirstOrDefaultAsync(ct);
        if (site is null) return Problems.NotFound("Site");
        var devices = await DeviceQuery(db, id).ToListAsync(ct);
        var people = await db.People.CountAsync(p => p.SiteId == id && p.Active, ct);
        var cadres = await db.People.CountAsync(p => p.SiteId == id && p.Active && p.Role != PersonRole.PartyMember, ct);
        return TypedResults.Ok(new SiteDetail(site, devices.Select(ToDto).ToList(), people, cadres));
    }

    private static async Task<Results<Ok<List<DeviceDto>>, ProblemHttpResult>> Devices(int id, ClaimsPrincipal user, SiteScope scope,
        ControlPlaneDb db, CancellationToken ct)
    {
        if (await scope.CheckAsync(user, id, ct) != ScopeDecision.Allowed) return Problems.NotFound("Site");
        return TypedResults.Ok((await DeviceQuery(db, id).ToListAsync(ct)).Select(ToDto).ToList());
    }

    private static async Task<Results<Created<DeviceWithKey>, ValidationProblem, ProblemHttpResult>> CreateDevice(int id,
        CreateDeviceRequest req, ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, TimeProvider time, CancellationToken ct)
    {
        if (await scope.CheckAsync(user, id, ct) != ScopeDecision.Allowed) return Problems.NotFound("Site");
        var errors = new Dictionary<string, string[]>();
        if (req.Kind is null) errors["kind"] = ["Required: camera, terminal, attendanceMachine or projector."];
        if (string.IsNullOrWhiteSpace(req.Name) || req.Name.Length > 100) errors["name"] = ["1-100 characters required."];
        if (string.IsNullOrWhiteSpace(req.Code) || req.Code.Length > 64) errors["code"] = ["1-64 characters required."];
        if (req.RtspUrl is { Length: > 0 } && CameraStreams.Validate(req.RtspUrl, req.Kind) is { } urlError) errors["rtspUrl"] = [urlError];
        if (errors.Count > 0) return Problems.Invalid(errors);
        if (await db.Devices.AnyAsync(d => d.Code == req.Code, ct)) return Problems.Conflict("A device with this code exists.");
        var key = req.Kind == DeviceKind.AttendanceMachine ? DeviceKeyAuthentication.NewKey() : null;
        var device = new Device
        {
            SiteId = id, Kind = req.Kind!.Value, Name = req.Name!, Code = req.Code!,
            KeyHash = key is null ? null : DeviceKeyAuthentication.Hash(key), CreatedAtUtc = time.GetUtcNow().UtcDateTime,
            RtspUrl = string.IsNullOrEmpty(req.RtspUrl) ? null : req.RtspUrl,
        };
        db.Devices.Add(device);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/sites/{id}/devices/{device.Id}", new DeviceWithKey(ToDto(device), key));
    }

    private static async Task<Results<Ok<DeviceWithKey>, ProblemHttpResult>> RotateKey(int id, int deviceId, ClaimsPrincipal user,
        SiteScope scope, ControlPlaneDb db, CancellationToken ct)
    {
        if (await scope.CheckAsync(user, id, ct) != ScopeDecision.Allowed) return Problems.NotFound("Site");
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId && d.SiteId == id, ct);
        if (device is null) return Problems.NotFound("Device");
        var key = DeviceKeyAuthentication.NewKey();
        device.KeyHash = DeviceKeyAuthentication.Hash(key);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new DeviceWithKey(ToDto(device), key));
    }

    private static async Task<Results<Ok<DeviceDto>, ValidationProblem, ProblemHttpResult>> UpdateDevice(int id, int deviceId,
        UpdateDeviceRequest req, ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, CancellationToken ct)
    {
        if (req.Name is not null && (req.Name.Trim().Length == 0 || req.Name.Length > 100)) return Problems.Invalid("name", "1-100 characters.");
        if (await scope.CheckAsync(user, id, ct) != ScopeDecision.Allowed) return Problems.NotFound("Site");
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId && d.SiteId == id, ct);
        if (device is null) return Problems.NotFound("Device");
        if (req.RtspUrl is { Length: > 0 } && CameraStreams.Validate(req.RtspUrl, device.Kind) is { } urlError) return Problems.Invalid("rtspUrl", urlError);
        if (req.Name is not null) device.Name = req.Name.Trim();
        if (req.Enabled is not null) device.Enabled = req.Enabled.Value;
        if (req.RtspUrl is not null) device.RtspUrl = req.RtspUrl.Length == 0 ? null : req.RtspUrl;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToDto(device));
    }

    private static IQueryable<Device> DeviceQuery(ControlPlaneDb db, int siteId) =>
        db.Devices.AsNoTracking().Where(d => d.SiteId == siteId).OrderBy(d => d.Id);

    private static DeviceDto ToDto(Device d) =>
        new(d.Id, d.SiteId, d.Kind, d.Name, d.Code, d.Enabled, d.KeyHash is not null, d.LastSeenAtUtc is { } t ? ChinaTime.ToOffset(t) : null,
            CameraStreams.Mask(d.RtspUrl));
}
