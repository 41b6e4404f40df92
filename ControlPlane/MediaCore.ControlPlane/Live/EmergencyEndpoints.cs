using System.Security.Claims;
using System.Security.Cryptography;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Live;

/// <summary>An emergency live call: who sends video, from where, into which room.</summary>
/// <param name="Active">True until the caller's phone leaves the room (webhook) or the call is older than <see cref="EmergencyEndpoints.MaxCallAge"/>.</param>
/// <param name="Id">The call's meeting id.</param>
/// <param name="Room">The emergency room the phone publishes into.</param>
/// <param name="Title">The call's title (the caller and the time).</param>
/// <param name="CallerUserId">The user who started the call, when known.</param>
/// <param name="CallerName">The caller's display name (the title when the caller is unknown).</param>
/// <param name="CallerSiteName">The caller's home site, when the user has one.</param>
/// <param name="CreatedAt">When the call was started.</param>
/// <param name="StartedAt">When the phone's video first reached MediaServer (null until then).</param>
/// <param name="EndedAt">When the phone left the room (null while it sends).</param>
public sealed record EmergencyCallDto(int Id, string Room, string Title, int? CallerUserId, string CallerName, string? CallerSiteName,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, bool Active);

/// <summary><c>POST /api/live/emergency</c>: the call and the caller's publish token.</summary>
public sealed record EmergencyStartDto(EmergencyCallDto Call, string Token, string Role, string Subject, DateTimeOffset ExpiresAt, string MediaServerUrl);

/// <summary>
/// 应急直播: anyone logged in (on duty, with a phone) starts an emergency call: a meeting of kind
/// <see cref="MeetingKind.Emergency"/> held by the caller's county, with its own room, and a speaker token for
/// the caller in that room only. County admins poll the active calls (the console's alert) and watch a call
/// with an ordinary media token (<c>POST /api/media-tokens</c>, role audience). Emergency rooms are hidden
/// from everyone else. Every token is audited like any other (<c>MediaTokenGrants</c>).
/// </summary>
public static class EmergencyEndpoints
{
    /// <summary>Calls older than this are no longer shown as active, whatever the webhooks said.</summary>
    public static readonly TimeSpan MaxCallAge = TimeSpan.FromHours(6);

    /// <summary>A call nobody joined within this time is not active (the phone never connected).</summary>
    public static readonly TimeSpan JoinGrace = TimeSpan.FromMinutes(10);

    internal static void MapEmergency(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/live/emergency").WithTags("Live");
        g.MapPost("/", Start).RequireAuthorization(Policies.User);
        g.MapGet("/", List).RequireAuthorization(Policies.CountyAdmin);
    }

    private static async Task<Results<Created<EmergencyStartDto>, ProblemHttpResult>> Start(ClaimsPrincipal user, ControlPlaneDb db,
        MediaTokenIssuer issuer, TimeProvider time, IOptions<ControlPlaneOptions> options, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // The caller's county: the root of its scope path; lecturers (no site) report to the one county.
        var home = user.FindFirstValue(ClaimNames.ScopePath);
        var rootId = home?.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).FirstOrDefault();
        var county = await db.Sites.FirstOrDefaultAsync(s => s.Kind == SiteKind.County && (rootId == null || rootId == 0 || s.Id == rootId), ct);
        if (county is null) return Problems.NotFound("County");
        var userId = user.UserId();
        var caller = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.DisplayName, SiteName = u.Site!.Name }).FirstOrDefaultAsync(ct);
        var name = caller?.DisplayName ?? user.FindFirstValue(ClaimNames.Name) ?? "值班人员";
        var meeting = new Meeting
        {
            SiteId = county.Id,
            Kind = MeetingKind.Emergency,
            Title = $"应急直播：{name}" + (caller?.SiteName is { } site ? $"（{site}）" : ""),
            Room = $"em-{county.Code}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}",
            ScheduledStartUtc = now,
        };
        db.Meetings.Add(meeting);
        var subject = $"user:{userId}";
        var (token, exp) = issuer.Mint(meeting.Room, subject, "speaker", name: name);
        db.MediaTokenGrants.Add(new MediaTokenGrant
        {
            UserId = userId ?? 0, Room = meeting.Room, Role = "speaker", Subject = subject, IssuedAtUtc = now, ExpiresAtUtc = exp,
        });
        await db.SaveChangesAsync(ct);
        var dto = ToDto(meeting, userId, name, caller?.SiteName, now);
        return TypedResults.Created($"/api/live/emergency/{meeting.Id}",
            new EmergencyStartDto(dto, token, "speaker", subject, ChinaTime.ToOffset(exp), options.Value.MediaServerUrl));
    }

    /// <summary>The county's calls, newest first; <c>active=true</c> for the console's alert.</summary>
    private static async Task<Ok<List<EmergencyCallDto>>> List(ClaimsPrincipal user, ControlPlaneDb db, TimeProvider time, bool? active, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var prefix = SiteScope.PrefixOf(user);
        var since = now - MaxCallAge;
        var calls = await db.Meetings.AsNoTracking().Where(m => m.Kind == MeetingKind.Emergency && m.Site!.Path.StartsWith(prefix)
                && (active != true || m.ScheduledStartUtc >= since && m.EndedAtUtc == null))
            .OrderByDescending(m => m.ScheduledStartUtc).Take(100).ToListAsync(ct);
        var rooms = calls.Select(c => c.Room).ToList();
        var callers = await db.MediaTokenGrants.AsNoTracking().Where(g => rooms.Contains(g.Room) && g.Role == "speaker")
            .Join(db.Users, g => g.UserId, u => u.Id, (g, u) => new { g.Room, u.Id, u.DisplayName, SiteName = u.Site!.Name })
            .ToListAsync(ct);
        var list = calls.Select(c =>
        {
            var who = callers.FirstOrDefault(x => x.Room == c.Room);
            return ToDto(c, who?.Id, who?.DisplayName ?? c.Title, who?.SiteName, now);
        }).Where(c => active != true || c.Active).ToList();
        return TypedResults.Ok(list);
    }

    private static EmergencyCallDto ToDto(Meeting m, int? userId, string name, string? siteName, DateTime now)
    {
        var created = m.ScheduledStartUtc ?? now;
        bool active = m.EndedAtUtc is null && created >= now - MaxCallAge && (m.StartedAtUtc is not null || created >= now - JoinGrace);
        return new EmergencyCallDto(m.Id, m.Room, m.Title, userId, name, siteName, ChinaTime.ToOffset(created),
            LiveEndpoints.At(m.StartedAtUtc), LiveEndpoints.At(m.EndedAtUtc), active);
    }
}
