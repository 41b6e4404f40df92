namespace MediaCore.Server.Recording;

/// <summary><c>MediaServer:Recording</c>: where recordings go and how they are cut.</summary>
public sealed class RecordingOptions
{
    public const string SectionName = "MediaServer:Recording";

    /// <summary>Recordings directory; relative paths are under the working directory.</summary>
    public string Directory { get; set; } = "data/recordings";

    /// <summary>Longest cluster (the most a crash can lose). At most 2 s.</summary>
    public TimeSpan ClusterDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The <c>ffmpeg</c> program (composite rendering).</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";

    internal string FullDirectory => Path.GetFullPath(Directory);
}
