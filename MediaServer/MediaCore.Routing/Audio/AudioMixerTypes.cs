namespace MediaCore.Routing.Audio;

/// <summary>Configuration of one room's <see cref="AudioMixer"/>.</summary>
public sealed record AudioMixerOptions
{
    /// <summary>Samples per 20 ms frame at 48 kHz.</summary>
    public const int FrameSamples = 960;

    /// <summary>The tick period.</summary>
    public static readonly long FrameTicks = 20 * TimeSpan.TicksPerMillisecond;

    /// <summary>Loudest speakers mixed (N), besides the forced ones (host, floor holder, pinned).</summary>
    public int MaxSpeakers { get; init; } = 3;

    public OpusEncoderSettings Encoder { get; init; } = new();

    public SpeakerSelectorOptions Selection { get; init; } = new();

    /// <summary>Packets a selected stream buffers before playout (x 20 ms of added latency).</summary>
    public int JitterTargetDepth { get; init; } = 2;

    /// <summary>Packets held per stream at most (memory per participant = this x 1500 B).</summary>
    public int JitterCapacity { get; init; } = 8;

    /// <summary>With no packet from anyone for this long the mixer stops ticking (<see cref="AudioMixer.PollTimeout"/> = never).</summary>
    public TimeSpan IdleAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>While nobody speaks, one Opus silence frame this often (as Opus DTX does) keeps receivers' streams alive.</summary>
    public TimeSpan SilenceFrameInterval { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>A tick later than this many frames skips the missed frames instead of mixing them all at once.</summary>
    public int MaxCatchUpFrames { get; init; } = 5;
}

/// <summary>One encoded 20 ms mix frame handed to <see cref="IMixOutput"/>.</summary>
public readonly ref struct MixFrame
{
    public MixFrame(long index, bool marker, bool isSilence, byte audioLevel, ReadOnlySpan<byte> payload)
        : this(index, marker, isSilence, audioLevel, payload, default)
    {
    }

    public MixFrame(long index, bool marker, bool isSilence, byte audioLevel, ReadOnlySpan<byte> payload, ReadOnlySpan<float> pcm)
    {
        Pcm = pcm;
        Index = index;
        Marker = marker;
        IsSilence = isSilence;
        AudioLevel = audioLevel;
        Payload = payload;
    }

    /// <summary>Frame number since the mixer started: RTP timestamp = base + Index x 960 (frames skipped in silence included).</summary>
    public long Index { get; }

    /// <summary>First frame of a talkspurt: set the RTP marker bit (RFC 3551 §4.1).</summary>
    public bool Marker { get; }

    /// <summary>A silence frame sent while nobody speaks.</summary>
    public bool IsSilence { get; }

    /// <summary>Level of the mix for the RFC 6464 extension (0 = 0 dBov .. 127 = silence).</summary>
    public byte AudioLevel { get; }

    /// <summary>The Opus packet; valid only during the callback. Empty for a PCM-only N-1 frame (<see cref="MixParticipant.ReceivesPcm"/>).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The 48 kHz mix that was encoded (after the limiter); empty for silence frames. Valid only during the callback.</summary>
    public ReadOnlySpan<float> Pcm { get; }
}

/// <summary>
/// Where <see cref="AudioMixer.Tick"/> delivers a frame's output, synchronously. Per frame the mixer first
/// calls <see cref="OnSpeakerFrame"/> for each selected speaker that receives (its N-1 mix), then
/// <see cref="OnSharedFrame"/> once: the mix for every other receiver (encoded once; the host writes it
/// per receiver with that receiver's SSRC, sequence number and timestamp, then SRTP-protects it).
/// </summary>
public interface IMixOutput
{
    void OnSpeakerFrame(MixParticipant speaker, in MixFrame frame);

    void OnSharedFrame(in MixFrame frame);
}

/// <summary>A speaker in the mix, as reported by <see cref="ActiveSpeakersChanged"/>.</summary>
/// <param name="Level">Smoothed level in dBov (0 loudest, -127 silence).</param>
/// <param name="Forced">Mixed because host, floor holder or pinned, not by loudness.</param>
public sealed record ActiveSpeaker(string ParticipantId, int Level, bool Forced);

/// <summary>What the mixer reports to its host (<see cref="AudioMixer.TryPollEvent"/>).</summary>
public abstract record MixerEvent;

/// <summary>The set of mixed speakers changed.</summary>
public sealed record ActiveSpeakersChanged(long NowTicks, IReadOnlyList<ActiveSpeaker> Speakers) : MixerEvent;

/// <summary>A participant's packets carry no RFC 6464 audio level: it is mixed only when pinned or forced.</summary>
public sealed record AudioLevelMissing(string ParticipantId) : MixerEvent;

/// <summary>A selected participant's packets fail to decode (reported at the 1st, 10th, 100th, ... failure).</summary>
public sealed record DecodeFailed(string ParticipantId, long Failures) : MixerEvent;
