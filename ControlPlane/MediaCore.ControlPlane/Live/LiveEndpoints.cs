using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Live;

/// <summary>A meeting as the live views show it.</summary>
public sealed record LiveMeetingDto(int Id, string Title, MeetingKind Kind, string Room, int SiteId, string SiteName,
    DateTimeOffset? ScheduledStart, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);

/// <summary>Live state of one expected site of a meeting.</summary>
/// <param name="State"><c>notJoined</c> | <c>watching</c> (WHEP only) | <c>publishing</c> (WHIP) | <c>lost</c> (was in the meeting, no session now).</param>
/// <param name="Participant">Its MediaServer participant id, <c>site:&lt;id&gt;</c>.</param>
/// <param name="SiteId">The site.</param>
/// <param name="Name">The site's name.</param>
/// <param name="TownName">Its town's name (null for the county and town sites themselves).</param>
/// <param name="Since">When the current state began (join time), when known.</param>
public sealed record LiveSiteDto(int SiteId, string Name, string? TownName, string Participant, string State, DateTimeOffset? Since);

/// <summary><c>GET /api/live/meetings/{id}/sites</c>.</summary>
/// <param name="Meeting">The meeting.</param>
/// <param name="MediaServerReachable">False: MediaServer did not answer; states then come from webhooks only (open participation: watching).</param>
/// <param name="NotJoined">Expected sites not in the room.</param>
/// <param name="Watching">Sites that only play the meeting (WHEP).</param>
/// <param name="Publishing">Sites that send (WHIP).</param>
/// <param name="Lost">Sites that were in the meeting and have no session now.</param>
/// <param name="Sites">Every expected site with its state.</param>
public sealed record LiveSitesDto(LiveMeetingDto Meeting, bool MediaServerReachable, int NotJoined, int Watching, int Publishing, int Lost,
    IReadOnlyList<LiveSiteDto> Sites);

/// <summary><c>GET /api/live/current</c>: the meeting a site's terminal should be in now.</summary>
/// <param name="Meeting">The meeting on now (null when none).</param>
/// <param name="Role">The media role the caller takes in it: <c>host</c> (its own site's meeting) or <c>audience</c> (county/town meeting).</param>
/// <param name="Next">When nothing is on now: the next scheduled meeting, for the terminal's waiting screen.</param>
public sealed record CurrentMeetingDto(LiveMeetingDto? Meeting, string? Role, LiveMeetingDto? Next);

/// <summary>
/// The live views' API: meetings on air in the caller's scope, the expected sites of a meeting with their
/// MediaServer state (host console), and the meeting a village terminal should join now.
/// </summary>
public static class LiveEndpoints
{
    /// <summary>How early a terminal joins a scheduled meeting, and how long after its start it still does.</summary>
    public static readonly TimeSpan JoinEarly = TimeSpan.FromMinutes(30), JoinLate = TimeSpan.FromHours(3);

    /// <summary>Registers the MediaServer room client.</summary>
    public static IServiceCollection AddLive(this IServiceCollection s)
    {
        s.AddHttpClient<MediaRoomClient>((sp, c) =>
        {
            var url = sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.MediaServerUrl;
            c.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
            c.Timeout = TimeSpan.FromSeconds(3);
        });
        s.AddHostedService<CameraPulls>();
        return s;
    }

    /// <summary>Maps /api/live/*.</summary>
    public static void MapLive(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/live").WithTags("Live");
        g.MapGet("/meetings", OnAir).RequireAuthorization(Policies.Admin);
        g.MapGet("/meetings/{id:int}/sites", Sites).RequireAuthorization(Policies.Admin);
        g.MapGet("/current", Current).RequireAuthorization(Policies.Staff);
        app.MapEmergency();
    }

    internal static LiveMeetingDto ToDto(Meeting m) => new(m.Id, m.Title, m.Kind, m.Room, m.SiteId, m.Site?.Name ?? "",
        At(m.ScheduledStartUtc), At(m.StartedAtUtc), At(m.EndedAtUtc));

    internal static DateTimeOffset? At(DateTime? utc) => utc is { } v ? ChinaTime.ToOffset(v) : null;

    /// <summary>Meetings of the caller's scope that are on air (started, not ended) or due within the join window.</summary>
    private static async Task<Ok<List<LiveMeetingDto>>> OnAir(ClaimsPrincipal user, ControlPlaneDb db, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var (early, late) = (now + JoinEarly, now - JoinLate);
        var prefix = SiteScope.PrefixOf(user);
        var list = await db.Meetings.AsNoTracking().Include(m => m.Site)
            .Where(m => m.Site!.Path.StartsWith(prefix) && m.Kind != MeetingKind.Emergency && m.EndedAtUtc == null
                && (m.StartedAtUtc != null && m.StartedAtUtc > now.AddHours(-12) || m.ScheduledStartUtc <= early && m.ScheduledStartUtc >= late))
            .OrderBy(m => m.StartedAtUtc ?? m.ScheduledStartUtc).Take(200).ToListAsync(ct);
        return TypedResults.Ok(list.Select(ToDto).ToList());
    }

    /// <summary>Every site a meeting expects, with its live state (county plenary: all villages; town partial: its villages).</summary>
    private static async Task<Results<Ok<LiveSitesDto>, ProblemHttpResult>> Sites(int id, ClaimsPrincipal user, SiteScope scope, ControlPlaneDb db,
        MediaRoomClient mediaServer, CancellationToken ct)
    {
        var prefix = SiteScope.PrefixOf(user);
        var meeting = await db.Meetings.AsNoTracking().Include(m => m.Site).FirstOrDefaultAsync(m => m.Id == id && m.Site!.Path.StartsWith(prefix), ct);
        if (meeting is null) return Problems.NotFound("Meeting");
        var hostPath = meeting.Site!.Path;
        var expected = await scope.VisibleSites(user)
            .Where(s => (s.Kind == SiteKind.Village || s.Kind == SiteKind.Community) && s.Path.StartsWith(hostPath))
            .OrderBy(s => s.Code).Select(s => new { s.Id, s.Name, TownName = s.Parent!.Name }).ToListAsync(ct);

        var live = await mediaServer.GetParticipantsAsync(meeting.Room, ct);
        var history = await db.MeetingParticipations.AsNoTracking().Where(p => p.MeetingId == id && p.SiteId != null)
            .Select(p => new { p.ParticipantId, p.JoinedAtUtc, p.LeftAtUtc }).ToListAsync(ct);
        var sites = expected.Select(s =>
        {
            var participant = $"site:{s.Id}";
            // A pulled camera (kind "ingest") shows the village but is not its terminal taking part.
            var sessions = live?.Where(p => p.Id == participant && p.Kind is "publisher" or "subscriber").ToList() ?? [];
            var past = history.Where(h => h.ParticipantId == participant).ToList();
            string state;
            DateTimeOffset? since;
            if (sessions.Any(x => x.Kind == "publisher")) (state, since) = ("publishing", sessions.Where(x => x.Kind == "publisher").Min(x => x.JoinedAt));
            else if (sessions.Count > 0) (state, since) = ("watching", sessions.Min(x => x.JoinedAt));
            else if (live is null && past.Any(h => h.LeftAtUtc is null)) (state, since) = ("watching", At(past.Max(h => h.JoinedAtUtc)));
            else if (past.Count > 0) (state, since) = ("lost", At(past.Max(h => h.LeftAtUtc ?? h.JoinedAtUtc)));
            else (state, since) = ("notJoined", null);
            return new LiveSiteDto(s.Id, s.Name, s.TownName, participant, state, since);
        }).ToList();
        return TypedResults.Ok(new LiveSitesDto(ToDto(meeting), live is not null,
            sites.Count(s => s.State == "notJoined"), sites.Count(s => s.State == "watching"),
            sites.Count(s => s.State == "publishing"), sites.Count(s => s.State == "lost"), sites));
    }

    /// <summary>
    /// The meeting the caller's site takes part in now: one held by its own site (role host) or by a site
    /// above it (county plenary, town partial: role audience). Its own meeting first, then on air before due,
    /// then the nearest scheduled one within the join window; otherwise the next scheduled meeting for the
    /// waiting screen.
    /// </summary>
    private static async Task<Ok<CurrentMeetingDto>> Current(ClaimsPrincipal user, ControlPlaneDb db, TimeProvider time, CancellationToken ct)
    {
        var home = user.FindFirstValue(ClaimNames.ScopePath) ?? "#";
        var now = time.GetUtcNow().UtcDateTime;
        // The caller's own site and the sites above it: their paths are prefixes of the caller's path.
        var candidates = await CandidatesAsync(db, home, now, ct);
        var onAir = PickOnAir(candidates, home, now);
        if (onAir is not null)
            return TypedResults.Ok(new CurrentMeetingDto(ToDto(onAir), onAir.Site!.Path == home ? "host" : "audience", null));
        var next = candidates.Where(m => m.ScheduledStartUtc > now).OrderBy(m => m.ScheduledStartUtc).FirstOrDefault();
        return TypedResults.Ok(new CurrentMeetingDto(null, null, next is null ? null : ToDto(next)));
    }

    /// <summary>The meetings a site at <paramref name="home"/> (materialised path) may join now or soon.</summary>
    internal static async Task<List<Meeting>> CandidatesAsync(ControlPlaneDb db, string home, DateTime now, CancellationToken ct)
    {
        // The site itself and the sites above it: their paths are prefixes of its path.
        var ancestorIds = home.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(x => int.TryParse(x, out var v) ? v : -1).ToList();
        var candidates = await db.Meetings.AsNoTracking().Include(m => m.Site)
            .Where(m => ancestorIds.Contains(m.SiteId) && m.Kind != MeetingKind.Emergency && m.EndedAtUtc == null
                && (m.StartedAtUtc != null && m.StartedAtUtc > now.AddHours(-12) || m.ScheduledStartUtc >= now - JoinLate))
            .ToListAsync(ct);
        // Above the site, only the meetings meant for it: the county's plenaries, the town's partial meetings.
        return candidates.Where(m => m.Site!.Path == home || m.Kind is MeetingKind.Plenary or MeetingKind.Partial or MeetingKind.Lecture).ToList();
    }

    /// <summary>
    /// The meeting a site joins now: its own meeting first (a village that scheduled one now means to hold it), then on
    /// air before merely due, then the nearest start; null when none is on air or due within <see cref="JoinEarly"/>.
    /// </summary>
    internal static Meeting? PickOnAir(List<Meeting> candidates, string home, DateTime now)
        => candidates.Where(m => m.StartedAtUtc != null || m.ScheduledStartUtc <= now + JoinEarly)
            .OrderByDescending(m => m.Site!.Path == home).ThenByDescending(m => m.StartedAtUtc != null)
            .ThenBy(m => Math.Abs(((m.ScheduledStartUtc ?? now) - now).Ticks)).FirstOrDefault();
}
