using System.Security.Claims;
using MediaCore.ControlPlane.Data;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Auth;

/// <summary>Outcome of a scope check.</summary>
public enum ScopeDecision
{
    /// <summary>The caller may act on the site.</summary>
    Allowed,
    /// <summary>The site exists but is outside the caller's county/town/village.</summary>
    OutOfScope,
    /// <summary>No such site.</summary>
    Missing,
}

/// <summary>
/// The ONE place that answers "may this user act on this site?". A principal's scope is its home site and
/// everything under it (county admin: the county; town admin: its town and its villages; village operator
/// and device: its village). Expert lecturers have no site scope. Every feature filters through here.
/// </summary>
public sealed class SiteScope(ControlPlaneDb db)
{
    // Never a prefix of a real path ("/1/..."), so a principal without scope matches nothing.
    private const string NoScope = "#none#";

    /// <summary>Path prefix that the caller's visible sites start with.</summary>
    public static string PrefixOf(ClaimsPrincipal user)
    {
        var path = user.FindFirstValue(ClaimNames.ScopePath);
        return string.IsNullOrEmpty(path) || user.IsInRole(Roles.ExpertLecturer) ? NoScope : path;
    }

    /// <summary>True when <paramref name="sitePath"/> lies within the caller's scope.</summary>
    public static bool Covers(ClaimsPrincipal user, string sitePath) => sitePath.StartsWith(PrefixOf(user), StringComparison.Ordinal);

    /// <summary>Checks one site.</summary>
    public async Task<ScopeDecision> CheckAsync(ClaimsPrincipal user, int siteId, CancellationToken ct)
    {
        var path = await db.Sites.Where(s => s.Id == siteId).Select(s => s.Path).FirstOrDefaultAsync(ct);
        if (path is null) return ScopeDecision.Missing;
        return Covers(user, path) ? ScopeDecision.Allowed : ScopeDecision.OutOfScope;
    }

    /// <summary>Sites the caller may see.</summary>
    public IQueryable<Site> VisibleSites(ClaimsPrincipal user)
    {
        var prefix = PrefixOf(user);
        return db.Sites.Where(s => s.Path.StartsWith(prefix));
    }

    /// <summary>Ids of the sites the caller may see, as a subquery for other tables.</summary>
    public IQueryable<int> VisibleSiteIds(ClaimsPrincipal user) => VisibleSites(user).Select(s => s.Id);
}

/// <summary>Scope guards returning the house ProblemDetails, so endpoints share one 403/404 rule.</summary>
public static class SiteScopeGuards
{
    /// <summary>
    /// Guard for a site named as a filter or a target (?siteId=, body siteId): null when allowed, 404 when
    /// the site does not exist, 403 when it exists outside the caller's scope.
    /// </summary>
    public static async Task<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult?> GuardAsync(
        this SiteScope scope, ClaimsPrincipal user, int siteId, CancellationToken ct) =>
        await scope.CheckAsync(user, siteId, ct) switch
        {
            ScopeDecision.Allowed => null,
            ScopeDecision.Missing => Common.Problems.NotFound("Site"),
            _ => Common.Problems.Forbidden("The site is outside your scope."),
        };
}
