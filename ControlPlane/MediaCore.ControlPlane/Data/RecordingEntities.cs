namespace MediaCore.ControlPlane.Data;

/// <summary>
/// A recording in the catalogue: one MediaServer recording of a meeting's room, kept from its
/// <c>recording_finished</c> webhooks (the first at stop, a later one when the composite is rendered or failed).
/// The files stay on the MediaServer node that recorded them (<see cref="NodeId"/>); the ControlPlane streams them
/// from there.
/// </summary>
public sealed class Recording
{
    /// <summary>MediaServer's recording id (<c>rec-...</c>).</summary>
    public required string Id { get; set; }
    public int MeetingId { get; set; }
    public Meeting? Meeting { get; set; }
    /// <summary>The meeting's site at the time (the scope a recording is seen in).</summary>
    public int SiteId { get; set; }
    public Site? Site { get; set; }
    public required string Room { get; set; }
    public required string NodeId { get; set; }
    public DateTime StartedAtUtc { get; set; }
    public DateTime? StoppedAtUtc { get; set; }
    /// <summary>Finished at MediaServer start-up after a crash.</summary>
    public bool Recovered { get; set; }
    /// <summary><c>pending</c> | <c>rendering</c> | <c>done</c> | <c>failed</c>: the composite <c>meeting.mp4</c>.</summary>
    public required string CompositeState { get; set; }
    public string? CompositeFile { get; set; }
    public string? CompositeError { get; set; }
    public DateTime UpdatedAtUtc { get; set; }
    public List<RecordingFile> Files { get; set; } = [];
}

/// <summary>One track file of a recording (WebM/Matroska), as MediaServer reported it.</summary>
public sealed class RecordingFile
{
    public long Id { get; set; }
    public required string RecordingId { get; set; }
    public required string Name { get; set; }
    public required string ParticipantId { get; set; }
    /// <summary><c>audio</c> or <c>video</c>.</summary>
    public required string Kind { get; set; }
    public required string Codec { get; set; }
    public long StartMs { get; set; }
    public long DurationMs { get; set; }
    public long SizeBytes { get; set; }
}
