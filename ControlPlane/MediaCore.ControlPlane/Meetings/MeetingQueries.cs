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

/// <summary>
/// Who attended a meeting, defined once: the distinct people who checked in at the meeting's site from
/// <see cref="EarlyArrival"/> before the session's start to its end (no end yet: until now), plus the people who joined
/// the room as <c>person:&lt;id&gt;</c>. A meeting that never started has none. <see cref="Meeting.AttendeeCount"/>
/// stores the count; every write that can change it recounts the meetings it touches in its own transaction
/// (<see cref="RecountAsync(ControlPlaneDb, IQueryable{Meeting}, CancellationToken)"/>), with the meeting's site locked (<see cref="LockSitesAsync"/>) so that concurrent
/// writers for one site count in turn and the last one sees the others' rows.
/// </summary>
internal static class MeetingAttendance
{
    /// <summary>Check-ins from this long before the start count as arriving for the meeting.</summary>
    public static readonly TimeSpan EarlyArrival = TimeSpan.FromMinutes(EarlyArrivalMinutes);

    private const int EarlyArrivalMinutes = 30;

    /// <summary>Recomputes <see cref="Meeting.AttendeeCount"/> of <paramref name="meetings"/> in one UPDATE.</summary>
    public static Task<int> RecountAsync(ControlPlaneDb db, IQueryable<Meeting> meetings, CancellationToken ct) =>
        meetings.ExecuteUpdateAsync(s => s.SetProperty(m => m.AttendeeCount, m => m.StartedAtUtc == null ? 0 :
            db.CheckIns.Where(c => c.SiteId == m.SiteId && c.OccurredAtUtc >= m.StartedAtUtc.Value.AddMinutes(-EarlyArrivalMinutes)
                    && (m.EndedAtUtc == null || c.OccurredAtUtc <= m.EndedAtUtc))
                .Select(c => c.PersonId)
                .Union(db.MeetingParticipations.Where(p => p.MeetingId == m.Id && p.PersonId != null).Select(p => p.PersonId!.Value))
                .Count()), ct);

    /// <summary>Recounts the meetings with these ids.</summary>
    public static Task<int> RecountAsync(ControlPlaneDb db, IReadOnlyCollection<int> meetingIds, CancellationToken ct) =>
        meetingIds.Count == 0 ? Task.FromResult(0) : RecountAsync(db, db.Meetings.Where(m => meetingIds.Contains(m.Id)), ct);

    /// <summary>Meetings whose attendance window holds one of these check-ins (by site and time).</summary>
    public static async Task<List<int>> AffectedByAsync(ControlPlaneDb db, IEnumerable<(int SiteId, DateTime At)> checkIns, CancellationToken ct)
    {
        var ids = new List<int>();
        foreach (var site in checkIns.GroupBy(c => c.SiteId))
        {
            var first = site.Min(c => c.At);
            var last = site.Max(c => c.At) + EarlyArrival;
            var candidates = await db.Meetings.Where(m => m.SiteId == site.Key && m.StartedAtUtc != null && m.StartedAtUtc <= last
                    && (m.EndedAtUtc == null || m.EndedAtUtc >= first))
                .Select(m => new { m.Id, Start = m.StartedAtUtc!.Value, m.EndedAtUtc }).ToListAsync(ct);
            ids.AddRange(candidates.Where(m => site.Any(c => c.At >= m.Start - EarlyArrival && (m.EndedAtUtc is null || c.At <= m.EndedAtUtc)))
                .Select(m => m.Id));
        }
        return ids;
    }

    /// <summary>
    /// Serialises writers of the sites' attendance within the current transaction. PostgreSQL: row locks on the sites
    /// (in id order, so two writers never wait on each other crosswise); the statements after it see what the writer
    /// before committed. SQLite: nothing to do, a write transaction holds the database's one write lock (BEGIN IMMEDIATE).
    /// </summary>
    public static async Task LockSitesAsync(ControlPlaneDb db, IEnumerable<int> siteIds, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql()) return;
        var ids = siteIds.Distinct().Order().ToArray();
        if (ids.Length == 0) return;
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM \"Sites\" WHERE \"Id\" = ANY({ids}) ORDER BY \"Id\" FOR UPDATE", ct);
    }
}

/// <summary>Meetings as listed, and the attendee list of one meeting.</summary>
internal static class MeetingQueries
{
    /// <summary>List rows: the stored attendee count, no further query.</summary>
    public static List<MeetingDto> ToDtos(IEnumerable<Meeting> meetings) => meetings.Select(m => ToDto(m, m.AttendeeCount)).ToList();

    /// <summary>
    /// List rows read as the columns they show (the site's name joined in SQL), not as tracked-or-not Meeting and Site
    /// entities with an Include: a month's export of 3,000 meetings spent a fifth of its CPU materialising entities.
    /// </summary>
    public static IQueryable<MeetingDto> Project(IQueryable<Meeting> meetings) => meetings.Select(m => new MeetingDto(m.Id, m.SiteId, m.Site!.Name,
        m.Kind, m.Title, m.Room, Offset(m.ScheduledStartUtc), Offset(m.StartedAtUtc), Offset(m.EndedAtUtc),
        m.StartedAtUtc != null && m.EndedAtUtc != null ? DurationMinutes(m.StartedAtUtc.Value, m.EndedAtUtc.Value) : null,
        m.AttendeeCount, m.Review, m.ReviewComment));

    /// <summary>Minutes between a session's start and end: whole seconds (as SQL's unixepoch) rounded half to even.</summary>
    public static int DurationMinutes(DateTime start, DateTime end) =>
        (int)Math.Round((SqlFunctions.UnixEpochOf(end) - SqlFunctions.UnixEpochOf(start)) / 60.0, MidpointRounding.ToEven);

    public static async Task<List<AttendeeDto>> AttendeesAsync(ControlPlaneDb db, Meeting m, CancellationToken ct)
    {
        if (m.StartedAtUtc is null) return [];
        var from = m.StartedAtUtc.Value - MeetingAttendance.EarlyArrival;
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

    private static MeetingDto ToDto(Meeting m, int attendees) => new(m.Id, m.SiteId, m.Site?.Name ?? "", m.Kind, m.Title, m.Room,
        Offset(m.ScheduledStartUtc), Offset(m.StartedAtUtc), Offset(m.EndedAtUtc),
        m.StartedAtUtc is { } s && m.EndedAtUtc is { } e ? DurationMinutes(s, e) : null,
        attendees, m.Review, m.ReviewComment);

    public static DateTimeOffset? Offset(DateTime? utc) => utc is { } t ? ChinaTime.ToOffset(t) : null;
}
