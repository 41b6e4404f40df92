using MediaCore.Routing.Audio;

namespace MediaCore.Server.Mixing;

/// <summary>How a room delivers audio.</summary>
public enum RoomAudioMode
{
    /// <summary>Every receiver gets ONE Opus track with the mix (top-N speakers; N-1 for the speakers).</summary>
    Mixed,
    /// <summary>The SFU forwards publishers' audio tracks as they are.</summary>
    Forwarded,
}

/// <summary>
/// The audio mixer's settings, bound from <c>MediaServer:Mixer</c> (appsettings.json, environment
/// <c>MediaServer__Mixer__DefaultMode</c>, command line <c>--MediaServer:Mixer:DefaultMode=Forwarded</c>).
/// </summary>
public sealed class MixerOptions
{
    public const string SectionName = "MediaServer:Mixer";

    /// <summary>Mode of a room the room API has not configured (plenary, partial and lecture meetings: mixed).</summary>
    public RoomAudioMode DefaultMode { get; set; } = RoomAudioMode.Mixed;

    /// <summary>Default N: loudest speakers mixed, besides the host, floor holder and pinned participants.</summary>
    public int DefaultSpeakers { get; set; } = 3;

    /// <summary>Bit rate of each encoded mix.</summary>
    public int Bitrate { get; set; } = 32_000;

    /// <summary>Opus encoder complexity 0-10.</summary>
    public int Complexity { get; set; } = 5;

    /// <summary>Native libopus when present (Auto), or force one.</summary>
    public OpusImplementation Opus { get; set; } = OpusImplementation.Auto;

    /// <summary>How often the active-speaker feed repeats the current speakers' levels.</summary>
    public TimeSpan LevelReportInterval { get; set; } = TimeSpan.FromSeconds(1);

    internal AudioMixerOptions ToMixerOptions(int maxSpeakers) => new()
    {
        MaxSpeakers = maxSpeakers,
        Encoder = new OpusEncoderSettings(Bitrate, Complexity),
    };
}

/// <summary>Per-room audio settings set through the room API; they outlive the room's sessions.</summary>
public sealed class RoomAudioSettings
{
    public RoomAudioMode Mode { get; set; }
    public int MaxSpeakers { get; set; }
    public HashSet<string> Muted { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Pinned { get; } = new(StringComparer.Ordinal);
}
