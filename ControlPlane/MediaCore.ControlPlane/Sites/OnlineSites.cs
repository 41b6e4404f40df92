using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Sites;

/// <summary>A site whose terminal is in a meeting room now (an open "site:&lt;id&gt;" participation).</summary>
public sealed record OnlineSite(int SiteId, string SiteName, int? ParentId, int MeetingId, string MeetingTitle, string Room, string Role,
    DateTimeOffset Since);

/// <summary>Which sites are live now, as the MediaServer webhooks told the ControlPlane (the dashboard's "在线站点").</summary>
public static class OnlineSites
{
    /// <summary>
    /// GET /api/sites/online: sites in scope with an open participation, newest join first, one row per site and
    /// meeting (a village can be in its own meeting and a county plenary at once).
    /// </summary>
    public static async Task<Ok<List<OnlineSite>>> List(ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db, CancellationToken ct)
    {
        var visible = scope.VisibleSites(user);
        var open = await db.MeetingParticipations.AsNoTracking()
            .Where(p => p.LeftAtUtc == null && p.SiteId != null && p.ParticipantId.StartsWith("site:") && p.Role != "observer"
                && visible.Any(s => s.Id == p.SiteId))
            .Select(p => new { SiteId = p.SiteId!.Value, p.MeetingId, p.Meeting!.Title, p.Meeting.Room, p.Role, p.JoinedAtUtc })
            .ToListAsync(ct);
        var ids = open.Select(o => o.SiteId).Distinct().ToList();
        var sites = await db.Sites.AsNoTracking().Where(s => ids.Contains(s.Id))
            .Select(s => new { s.Id, s.Name, s.ParentId }).ToDictionaryAsync(s => s.Id, ct);
        var rows = open.GroupBy(o => (o.SiteId, o.MeetingId))
            .Select(g => g.OrderByDescending(o => o.JoinedAtUtc).First())
            .Select(o => new OnlineSite(o.SiteId, sites[o.SiteId].Name, sites[o.SiteId].ParentId, o.MeetingId, o.Title, o.Room, o.Role,
                ChinaTime.ToOffset(o.JoinedAtUtc)))
            .OrderByDescending(o => o.Since).ToList();
        return TypedResults.Ok(rows);
    }
}
