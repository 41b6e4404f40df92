namespace MediaCore.ControlPlane.Data;

/// <summary>How an attendance machine identified the person.</summary>
public enum CheckInMethod { Fingerprint, Face }

/// <summary>One attendance-machine event, stored once per device-assigned event id.</summary>
public sealed class CheckIn
{
    public long Id { get; set; }
    /// <summary>Event id assigned by the machine; unique, the idempotency key of uploads.</summary>
    public required string EventId { get; set; }
    public int DeviceId { get; set; }
    public Device? Device { get; set; }
    public int SiteId { get; set; }
    public Site? Site { get; set; }
    public int PersonId { get; set; }
    public Person? Person { get; set; }
    public CheckInMethod Method { get; set; }
    public DateTime OccurredAtUtc { get; set; }
    public DateTime ReceivedAtUtc { get; set; }
    public byte[]? Photo { get; set; }
    public string? PhotoContentType { get; set; }
}

/// <summary>Why a snapshot was taken.</summary>
public enum SnapshotReason { CheckIn, MeetingStart, MeetingInterval }

/// <summary>A JPEG key frame of a site's video, fetched from MediaServer.</summary>
public sealed class Snapshot
{
    public long Id { get; set; }
    public int SiteId { get; set; }
    public long? CheckInId { get; set; }
    public int? MeetingId { get; set; }
    public Meeting? Meeting { get; set; }
    public required string Room { get; set; }
    public required string ParticipantId { get; set; }
    public SnapshotReason Reason { get; set; }
    public DateTime TakenAtUtc { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }
    public required byte[] Jpeg { get; set; }
}

/// <summary>Disclosure categories of the quarterly/monthly "three disclosures".</summary>
public enum DisclosureCategory { PartyAffairs, VillageAffairs, Finance }

/// <summary>A disclosure photo uploaded by a village for one month and category.</summary>
public sealed class Disclosure
{
    public int Id { get; set; }
    public int SiteId { get; set; }
    public Site? Site { get; set; }
    public DisclosureCategory Category { get; set; }
    /// <summary>Month in Asia/Shanghai as "yyyy-MM".</summary>
    public required string Month { get; set; }
    public required string Title { get; set; }
    public string? Description { get; set; }
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public required byte[] Content { get; set; }
    public DateTime UploadedAtUtc { get; set; }
    public int? UploadedByUserId { get; set; }
}
