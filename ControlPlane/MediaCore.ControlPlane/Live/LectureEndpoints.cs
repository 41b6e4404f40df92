using System.Security.Claims;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Live;

/// <summary>An expert lecturer account (授课专家) that a lecture can be assigned to.</summary>
public sealed record LecturerDto(int Id, string DisplayName, string UserName);

/// <summary><c>PUT /api/meetings/{id}/lecturer</c>: the lecturer of a lecture, or null for none.</summary>
public sealed record AssignLecturerRequest(int? LecturerUserId);

/// <summary>
/// Remote lectures (远程授课): which expert teaches which lecture. The assigned lecturer's 讲课 page lists its lectures here
/// and takes a host token of that lecture's room (<c>POST /api/media-tokens</c>); docs/decisions.md "The expert lecturer".
/// </summary>
public static class LectureEndpoints
{
    /// <summary>Maps the lecture endpoints.</summary>
    public static void MapLectures(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/live").WithTags("Live");
        g.MapGet("/lecturers", Lecturers).RequireAuthorization(Policies.Admin);
        g.MapGet("/lectures", MyLectures).RequireAuthorization(Policies.Lecturer);
        app.MapPut("/api/meetings/{id:int}/lecturer", Assign).WithTags("Meetings").RequireAuthorization(Policies.Admin);
    }

    /// <summary>Null when <paramref name="lecturerUserId"/> may teach a meeting of <paramref name="kind"/>, else why not.</summary>
    internal static async Task<string?> LecturerErrorAsync(ControlPlaneDb db, MeetingKind kind, int? lecturerUserId, CancellationToken ct)
    {
        if (lecturerUserId is null) return null;
        if (kind != MeetingKind.Lecture) return "Only a lecture has a lecturer.";
        var ok = await db.Users.AnyAsync(u => u.Id == lecturerUserId && u.Role == UserRole.ExpertLecturer && u.Enabled, ct);
        return ok ? null : "Not an enabled expert lecturer account.";
    }

    /// <summary>Enabled expert lecturers, for the scheduling form.</summary>
    private static async Task<Ok<List<LecturerDto>>> Lecturers(ControlPlaneDb db, CancellationToken ct)
        => TypedResults.Ok(await db.Users.AsNoTracking().Where(u => u.Role == UserRole.ExpertLecturer && u.Enabled)
            .OrderBy(u => u.DisplayName).Select(u => new LecturerDto(u.Id, u.DisplayName, u.UserName)).ToListAsync(ct));

    /// <summary>
    /// The caller's lectures that are on air or still to come (not ended; started in the last 12 hours, or scheduled no
    /// earlier than <see cref="LiveEndpoints.JoinLate"/> ago), the one on air or nearest first.
    /// </summary>
    private static async Task<Ok<List<LiveMeetingDto>>> MyLectures(ClaimsPrincipal user, ControlPlaneDb db, TimeProvider time, CancellationToken ct)
    {
        var me = user.UserId();
        var now = time.GetUtcNow().UtcDateTime;
        var list = await db.Meetings.AsNoTracking().Include(m => m.Site)
            .Where(m => m.Kind == MeetingKind.Lecture && m.LecturerUserId == me && m.EndedAtUtc == null
                && (m.StartedAtUtc != null && m.StartedAtUtc > now.AddHours(-12) || m.ScheduledStartUtc >= now - LiveEndpoints.JoinLate))
            .Take(200).ToListAsync(ct);
        return TypedResults.Ok(list.OrderByDescending(m => m.StartedAtUtc != null).ThenBy(m => m.ScheduledStartUtc ?? now)
            .Select(LiveEndpoints.ToDto).ToList());
    }

    /// <summary>Assigns (or clears) the lecturer of a lecture in the caller's scope that has not ended.</summary>
    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Assign(int id, AssignLecturerRequest req, ClaimsPrincipal user,
        ControlPlaneDb db, CancellationToken ct)
    {
        var prefix = SiteScope.PrefixOf(user);
        var meeting = await db.Meetings.FirstOrDefaultAsync(m => m.Id == id && m.Site!.Path.StartsWith(prefix), ct);
        if (meeting is null) return Problems.NotFound("Meeting");
        if (meeting.Kind != MeetingKind.Lecture) return Problems.Invalid("lecturerUserId", "Only a lecture has a lecturer.");
        if (meeting.EndedAtUtc is not null) return Problems.Conflict("This lecture has ended.");
        if (await LecturerErrorAsync(db, meeting.Kind, req.LecturerUserId, ct) is { } error) return Problems.Invalid("lecturerUserId", error);
        meeting.LecturerUserId = req.LecturerUserId;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
