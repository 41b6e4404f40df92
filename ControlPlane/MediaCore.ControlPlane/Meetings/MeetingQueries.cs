using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Meetings;

/// <summary>A meeting as listed: the record of one session.</summary>
public sealed record MeetingDto(int Id, int SiteId, string SiteName, MeetingKind Kind, string Title, string Room,
    DateTimeOffset? ScheduledStart, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, int? DurationMinutes, int AttendeeCount,
    ReviewStatus Review, string? ReviewComment);

/// <summary>
/// Someone counted as present at a meeting: checked in at the meeting's site during the session
/// (<c>source = "checkIn"</c>, with the method), or joined the room as <c>person:&lt;id&gt;</c> (<c>"online"</c>).
/// </summary>
public sealed record AttendeeDto(int PersonId, string Name, PersonRole Role, DateTimeOffset CheckedInAt, CheckInMethod? Method, string Source);

/// <summary>A participant interval from the webhooks.</summary>
public sealed record ParticipationDto(string ParticipantId, string Role, int? SiteId, DateTimeOffset JoinedAt, DateTimeOffset? LeftAt);

/// <summary>A snapshot reference.</summary>
public sealed record SnapshotDto(long Id, SnapshotReason Reason, DateTimeOffset TakenAt, int Width, int Height, string Url);

/// <summary>One meeting with participants, attendees and snapshots.</summary>
public sealed record MeetingDetail(MeetingDto Meeting, IReadOnlyList<AttendeeDto> Attendees, IReadOnlyList<ParticipationDto> Participants,
    IReadOnlyList<SnapshotDto> Snapshots, DateTimeOffset? RecordingFinishedAt);

/// <summary>Attendance of meetings: check-ins at the meeting's site during the session plus people who joined online.</summary>
internal static class MeetingQueries
{
    /// <summary>Check-ins from this long before the start count as arriving for the meeting.</summary>
    public static readonly TimeSpan EarlyArrival = TimeSpan.FromMinutes(30);

    public static async Task<List<MeetingDto>> ToDtosAsync(ControlPlaneDb db, List<Meeting> meetings, CancellationToken ct)
    {
        var held = meetings.Where(m => m.StartedAtUtc is not null).ToList();
        var counts = new Dictionary<int, int>();
        if (held.Count > 0)
        {
            var siteIds = held.Select(m => m.SiteId).Distinct().ToList();
            var from = held.Min(m => m.StartedAtUtc!.Value) - EarlyArrival;
            var to = held.Max(m => m.EndedAtUtc ?? DateTime.MaxValue);
            var checkIns = await db.CheckIns.Where(c => siteIds.Contains(c.SiteId) && c.OccurredAtUtc >= from && c.OccurredAtUtc <= to)
                .Select(c => new { c.SiteId, c.PersonId, c.OccurredAtUtc }).ToListAsync(ct);
            var bySite = checkIns.ToLookup(c => c.SiteId);
            var heldIds = held.Select(m => m.Id).ToList();
            var online = (await db.MeetingParticipations.Where(p => heldIds.Contains(p.MeetingId) && p.PersonId != null)
                .Select(p => new { p.MeetingId, PersonId = p.PersonId!.Value }).ToListAsync(ct)).ToLookup(p => p.MeetingId, p => p.PersonId);
            foreach (var m in held)
                counts[m.Id] = bySite[m.SiteId].Where(c => InWindow(m, c.OccurredAtUtc)).Select(c => c.PersonId).Union(online[m.Id]).Distinct().Count();
        }
        return meetings.Select(m => ToDto(m, counts.GetValueOrDefault(m.Id))).ToList();
    }

    public static async Task<List<AttendeeDto>> AttendeesAsync(ControlPlaneDb db, Meeting m, CancellationToken ct)
    {
        if (m.StartedAtUtc is null) return [];
        var from = m.StartedAtUtc.Value - EarlyArrival;
        var to = m.EndedAtUtc ?? DateTime.MaxValue;
        var rows = await db.CheckIns.Where(c => c.SiteId == m.SiteId && c.OccurredAtUtc >= from && c.OccurredAtUtc <= to)
            .OrderBy(c => c.OccurredAtUtc)
            .Select(c => new { c.PersonId, c.Person!.Name, c.Person.Role, c.OccurredAtUtc, c.Method }).ToListAsync(ct);
        var attendees = rows.GroupBy(r => r.PersonId).Select(g => g.First())
            .Select(r => new AttendeeDto(r.PersonId, r.Name, r.Role, ChinaTime.ToOffset(r.OccurredAtUtc), r.Method, "checkIn")).ToList();
        var present = attendees.Select(a => a.PersonId).ToHashSet();
        var online = await db.MeetingParticipations.Where(p => p.MeetingId == m.Id && p.PersonId != null)
            .Join(db.People, p => p.PersonId, x => x.Id, (p, x) => new { x.Id, x.Name, x.Role, p.JoinedAtUtc })
            .OrderBy(x => x.JoinedAtUtc).ToListAsync(ct);
        foreach (var o in online.Where(o => present.Add(o.Id)))
            attendees.Add(new AttendeeDto(o.Id, o.Name, o.Role, ChinaTime.ToOffset(o.JoinedAtUtc), null, "online"));
        return attendees;
    }

    private static bool InWindow(Meeting m, DateTime t) => t >= m.StartedAtUtc!.Value - EarlyArrival && t <= (m.EndedAtUtc ?? DateTime.MaxValue);

    private static MeetingDto ToDto(Meeting m, int attendees) => new(m.Id, m.SiteId, m.Site?.Name ?? "", m.Kind, m.Title, m.Room,
        Offset(m.ScheduledStartUtc), Offset(m.StartedAtUtc), Offset(m.EndedAtUtc),
        m.StartedAtUtc is { } s && m.EndedAtUtc is { } e ? (int)Math.Round((e - s).TotalMinutes) : null,
        attendees, m.Review, m.ReviewComment);

    public static DateTimeOffset? Offset(DateTime? utc) => utc is { } t ? ChinaTime.ToOffset(t) : null;
}
