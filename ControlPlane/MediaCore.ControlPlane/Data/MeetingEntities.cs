namespace MediaCore.ControlPlane.Data;

/// <summary>
/// Standard kinds of organisational life plus the media meeting kinds. The last three of the first block
/// are the "three working days": weekly committee day, monthly theme day, quarterly disclosure day.
/// </summary>
public enum MeetingKind
{
    PartyMemberAssembly,
    BranchCommittee,
    PartyGroupMeeting,
    PartyLesson,
    CommitteeDay,
    ThemeDay,
    DisclosureDay,
    Plenary,
    Partial,
    Lecture,
    /// <summary>应急直播: live video from a phone to the county (started with POST /api/live/emergency).</summary>
    Emergency,
}

/// <summary>Town-admin review state of a held meeting.</summary>
public enum ReviewStatus { Pending, Approved, Rejected }

/// <summary>A meeting: one MediaServer room, held by one site; its session times come from webhooks.</summary>
public sealed class Meeting
{
    public int Id { get; set; }
    public int SiteId { get; set; }
    public Site? Site { get; set; }
    public MeetingKind Kind { get; set; }
    public required string Title { get; set; }
    /// <summary>MediaServer room name; unique.</summary>
    public required string Room { get; set; }
    public DateTime? ScheduledStartUtc { get; set; }
    public DateTime? StartedAtUtc { get; set; }
    public DateTime? EndedAtUtc { get; set; }
    public DateTime? RecordingFinishedAtUtc { get; set; }
    /// <summary>
    /// 授课专家: the id of the expert_lecturer account that teaches this lecture (<see cref="MeetingKind.Lecture"/> only). Only
    /// this lecturer gets a host token of the room (publish, hands, floor), see docs/decisions.md "The expert lecturer".
    /// Indexed, no foreign key: accounts are disabled, never deleted, and on SQLite adding a foreign key to an existing table
    /// rebuilds the whole table (meetings are the largest table after check-ins).
    /// </summary>
    public int? LecturerUserId { get; set; }
    /// <summary>
    /// People counted as present (see <see cref="Meetings.MeetingAttendance"/>), kept current by every write that can change it
    /// (check-in ingest, session start/end/resume, an online person's join), so lists and statistics sum a column instead
    /// of joining every check-in of a county's year.
    /// </summary>
    public int AttendeeCount { get; set; }
    public ReviewStatus Review { get; set; }
    public string? ReviewComment { get; set; }
    public int? ReviewedByUserId { get; set; }
    public DateTime? ReviewedAtUtc { get; set; }
    public List<MeetingParticipation> Participations { get; set; } = [];
}

/// <summary>One join..leave interval of one MediaServer session (WHIP or WHEP) of a participant in a meeting's room.</summary>
public sealed class MeetingParticipation
{
    public long Id { get; set; }
    public int MeetingId { get; set; }
    public Meeting? Meeting { get; set; }
    /// <summary>MediaServer participant id, the media token's sub: "site:12", "person:40", "user:3".</summary>
    public required string ParticipantId { get; set; }
    public required string Role { get; set; }
    public int? SiteId { get; set; }
    public int? PersonId { get; set; }
    public DateTime JoinedAtUtc { get; set; }
    public DateTime? LeftAtUtc { get; set; }
    public string? NodeId { get; set; }
    /// <summary>MediaServer session id (the WHIP/WHEP resource); null for deliveries of senders that do not name it.</summary>
    public string? SessionId { get; set; }
    /// <summary>True for a publishing (WHIP) session: only those start and end a meeting's session.</summary>
    public bool Publishing { get; set; }
}

/// <summary>A verified webhook delivery, kept so that a redelivery is applied once.</summary>
public sealed class WebhookReceipt
{
    public long Id { get; set; }
    /// <summary>SHA-256 (hex) of the raw body.</summary>
    public required string BodyHash { get; set; }
    public required string Event { get; set; }
    public required string Room { get; set; }
    public DateTime ReceivedAtUtc { get; set; }
}
