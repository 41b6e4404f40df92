using System.Security.Claims;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Auth;

/// <summary>Request for a media token to join a meeting's room.</summary>
public sealed record MediaTokenRequest(string? Room, string? Role);

/// <summary>A minted media token and where to use it.</summary>
/// <param name="MediaServerUrl">MediaServer base URL for the browser's WHIP/WHEP requests.</param>
/// <param name="IceServers">For <c>new RTCPeerConnection({ iceServers })</c>: TURN relays with time-limited credentials (empty when none is configured).</param>
/// <param name="FallbackUrls">Other MediaServer nodes of the cluster, in order, for when <paramref name="MediaServerUrl"/> does not answer (empty on one node).</param>
/// <param name="Token">The media token (JWT) for MediaServer: <c>Authorization: Bearer</c> on WHIP/WHEP and the room API.</param>
/// <param name="Room">The room the token admits to.</param>
/// <param name="Role">The media role granted (<c>host</c>, <c>speaker</c>, <c>audience</c>, <c>observer</c>).</param>
/// <param name="Subject">The participant id the token carries (<c>site:12</c>, <c>user:3</c>).</param>
/// <param name="ExpiresAt">When the token stops being accepted for new sessions.</param>
public sealed record MediaTokenResponse(string Token, string Room, string Role, string Subject, DateTimeOffset ExpiresAt, string MediaServerUrl,
    IReadOnlyList<IceServer> IceServers, IReadOnlyList<string> FallbackUrls);

/// <summary>Mints MediaServer tokens for what the caller may do in a room.</summary>
public static class MediaTokenEndpoints
{
    /// <summary>Maps POST /api/media-tokens.</summary>
    public static void MapMediaTokens(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/media-tokens", Mint).WithTags("Auth").RequireAuthorization(Policies.User);

    private static async Task<Results<Ok<MediaTokenResponse>, ValidationProblem, ProblemHttpResult>> Mint(
        MediaTokenRequest req, ClaimsPrincipal user, ControlPlaneDb db, MediaTokenIssuer issuer, TimeProvider time,
        IOptions<ControlPlaneOptions> options, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(req.Room)) return Problems.Invalid("room", "Required.");
        if (req.Role is null || !MediaTokenIssuer.MediaRoles.Contains(req.Role))
            return Problems.Invalid("role", "One of host, speaker, audience, observer.");
        var meeting = await db.Meetings.AsNoTracking().Where(m => m.Room == req.Room)
            .Select(m => new { m.Id, m.Kind, m.SiteId, m.Site!.Path }).FirstOrDefaultAsync(ct);
        if (meeting is null) return Problems.NotFound("Room");

        var decision = Decide(user, meeting.Kind, meeting.Path, req.Role);
        if (decision == Grant.Hidden) return Problems.NotFound("Room");
        if (decision == Grant.Denied) return Problems.Forbidden($"Your role may not join this room as {req.Role}.");

        // Village terminals join as their site, so MediaServer's webhooks name the site whose camera is live.
        var subject = user.IsInRole(Roles.VillageOperator) ? $"site:{user.SiteId()}" : $"user:{user.UserId()}";
        var name = user.IsInRole(Roles.VillageOperator)
            ? await db.Sites.Where(x => x.Id == user.SiteId()).Select(x => x.Name).FirstOrDefaultAsync(ct)
            : user.FindFirstValue(ClaimNames.Name);
        var (token, exp) = issuer.Mint(req.Room, subject, req.Role, name: name);
        db.MediaTokenGrants.Add(new MediaTokenGrant
        {
            UserId = user.UserId() ?? 0, Room = req.Room, Role = req.Role, Subject = subject,
            IssuedAtUtc = time.GetUtcNow().UtcDateTime, ExpiresAtUtc = exp,
        });
        await db.SaveChangesAsync(ct);
        var o = options.Value;
        var (mediaServerUrl, fallbacks) = await NodeForAsync(db, o, user.FindFirstValue(ClaimNames.ScopePath), ct);
        return TypedResults.Ok(new MediaTokenResponse(token, req.Room, req.Role, subject, exp, mediaServerUrl,
            TurnCredentials.IceServers(o.Turn, subject, time.GetUtcNow()), fallbacks));
    }

    /// <summary>
    /// The MediaServer node for a caller at <paramref name="homePath"/> (its own site: a village joins its town's node, even for
    /// a county plenary, which reaches it over the town's relay link): the node mapping the deepest site on the path, else the
    /// default URL; the other nodes follow as fallbacks (the default, i.e. the county node, first).
    /// </summary>
    internal static async Task<(string Url, IReadOnlyList<string> Fallbacks)> NodeForAsync(ControlPlaneDb db, ControlPlaneOptions o, string? homePath, CancellationToken ct)
    {
        var defaultUrl = string.IsNullOrWhiteSpace(o.PublicMediaServerUrl) ? o.MediaServerUrl : o.PublicMediaServerUrl;
        if (o.MediaNodes.Count == 0) return (defaultUrl, []);
        var codes = o.MediaNodes.SelectMany(n => n.Sites).Distinct().ToList();
        var ids = await db.Sites.AsNoTracking().Where(s => codes.Contains(s.Code)).Select(s => new { s.Code, s.Id }).ToListAsync(ct);
        var path = homePath ?? "";
        string? chosen = null;
        int depth = -1;
        foreach (var node in o.MediaNodes)
        {
            foreach (var code in node.Sites)
            {
                foreach (var site in ids.Where(x => x.Code == code))
                {
                    int at = path.IndexOf($"/{site.Id}/", StringComparison.Ordinal);
                    if (at > depth) (depth, chosen) = (at, node.Url);
                }
            }
        }
        var url = chosen ?? defaultUrl;
        var fallbacks = new List<string>();
        foreach (var u in new[] { defaultUrl }.Concat(o.MediaNodes.Select(n => n.Url)))
            if (u != url && !fallbacks.Contains(u)) fallbacks.Add(u);
        return (url, fallbacks);
    }

    private enum Grant { Allowed, Denied, Hidden }

    /// <summary>
    /// Who may take which media role. Inside the caller's scope (its own site or below) and in rooms of the
    /// sites above it (county plenary, town partial) the caller may take part; anything else is hidden.
    /// </summary>
    private static Grant Decide(ClaimsPrincipal user, MeetingKind kind, string meetingPath, string role)
    {
        // Emergency rooms: the caller got its token with the call; only county admins may watch.
        if (kind == MeetingKind.Emergency) return user.IsInRole(Roles.CountyAdmin) ? Grant.Allowed : Grant.Hidden;
        if (user.IsInRole(Roles.ExpertLecturer))
            return kind == MeetingKind.Lecture ? role is "speaker" or "audience" ? Grant.Allowed : Grant.Denied : Grant.Hidden;
        var home = user.FindFirstValue(ClaimNames.ScopePath) ?? "#";
        var own = meetingPath == home;
        var below = !own && meetingPath.StartsWith(home, StringComparison.Ordinal);
        var above = !own && home.StartsWith(meetingPath, StringComparison.Ordinal);
        if (!own && !below && !above) return Grant.Hidden;
        if (user.IsInRole(Roles.CountyAdmin)) return Grant.Allowed;
        if (user.IsInRole(Roles.TownAdmin))
        {
            if (below) return role == "observer" ? Grant.Allowed : Grant.Denied;
            if (own) return role == "observer" ? Grant.Denied : Grant.Allowed;
            return role is "audience" or "speaker" ? Grant.Allowed : Grant.Denied;
        }
        if (user.IsInRole(Roles.VillageOperator))
        {
            if (own) return role == "observer" ? Grant.Denied : Grant.Allowed;
            return role == "audience" ? Grant.Allowed : Grant.Denied;
        }
        return Grant.Denied;
    }
}
