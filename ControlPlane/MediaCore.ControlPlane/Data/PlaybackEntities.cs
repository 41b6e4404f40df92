namespace MediaCore.ControlPlane.Data;

/// <summary>Import state of uploaded courseware.</summary>
public enum CoursewareState { Transcoding, Ready, Failed }

/// <summary>
/// Uploaded courseware (MP4/WebM), transcoded once by ffmpeg to VP8/Opus WebM for the file publisher. Only a
/// <see cref="CoursewareState.Ready"/> item has a file; a failed import keeps its row (with the reason) and no file.
/// </summary>
public sealed class Courseware
{
    public int Id { get; set; }
    public required string Title { get; set; }
    /// <summary>Owner site (the uploader's home site): the scope it is seen in.</summary>
    public int SiteId { get; set; }
    public Site? Site { get; set; }
    public required string OriginalName { get; set; }
    public long UploadBytes { get; set; }
    public CoursewareState State { get; set; }
    /// <summary>Transcoding progress 0..1.</summary>
    public double Progress { get; set; }
    public string? Error { get; set; }
    public long DurationMs { get; set; }
    public long SizeBytes { get; set; }
    public DateTime CreatedAtUtc { get; set; }
    public int? CreatedByUserId { get; set; }
}

/// <summary>
/// A playback schedule (流动播放): a source (courseware or a recording) played into each target site's playback room
/// (<c>play-&lt;site code&gt;</c>) at <see cref="StartAtUtc"/> (once) or at every occurrence of <see cref="Cron"/>
/// (Asia/Shanghai), <see cref="Loops"/> times back to back.
/// </summary>
public sealed class PlaybackSchedule
{
    public int Id { get; set; }
    public required string Title { get; set; }
    /// <summary>Owner site (the creator's home site): the scope it is seen in.</summary>
    public int SiteId { get; set; }
    public Site? Site { get; set; }
    public int? CoursewareId { get; set; }
    public Courseware? Courseware { get; set; }
    public string? RecordingId { get; set; }
    /// <summary>Target sites, comma-separated ids (with <see cref="TargetTownId"/> null).</summary>
    public string TargetSiteIds { get; set; } = "";
    /// <summary>All villages of this town (instead of <see cref="TargetSiteIds"/>).</summary>
    public int? TargetTownId { get; set; }
    public DateTime? StartAtUtc { get; set; }
    /// <summary>Cron expression (5 fields, Asia/Shanghai), e.g. <c>0 20 * * *</c> for 20:00 every day.</summary>
    public string? Cron { get; set; }
    public int Loops { get; set; } = 1;
    public bool Enabled { get; set; } = true;
    public DateTime? NextRunUtc { get; set; }
    public DateTime? LastRunUtc { get; set; }
    public string? LastResult { get; set; }
    public DateTime CreatedAtUtc { get; set; }
}
