namespace MediaCore.Routing.Audio;

/// <summary>
/// A participant of an <see cref="AudioMixer"/>: possibly a source (its Opus packets), possibly a receiver
/// (of its N-1 mix while selected, else the shared mix). Created by <see cref="AudioMixer.AddParticipant"/>;
/// changed only through the mixer.
/// </summary>
public sealed class MixParticipant
{
    internal MixParticipant(string id, bool isObserver, AudioMixerOptions options)
    {
        Id = id;
        IsObserver = isObserver;
        State = new SpeakerState { Eligible = !isObserver };
        Jitter = new JitterBuffer(options.JitterCapacity, options.JitterTargetDepth);
    }

    public string Id { get; }

    /// <summary>Receives the shared mix and is never mixed (docs/architecture.md: the silent listen-in).</summary>
    public bool IsObserver { get; }

    /// <summary>Dropped from the mix by the server (a host's mute).</summary>
    public bool IsMuted { get; internal set; }

    /// <summary>Always mixed while it sends (pinned by the host).</summary>
    public bool IsPinned { get; internal set; }

    /// <summary>Always mixed while it sends (the room's host or floor holder).</summary>
    public bool IsFloor { get; internal set; }

    /// <summary>Has a receiver (a WHEP session) that wants the mix: gets its own N-1 encode while selected.</summary>
    public bool IsReceiving { get; internal set; }

    /// <summary>What this participant sends (Opus, or G.711 from a SIP terminal).</summary>
    public MixSourceCodec SourceCodec { get; internal set; }

    /// <summary>
    /// The receiver takes the mix as PCM (<see cref="MixFrame.Pcm"/>) and encodes it itself (a G.711 terminal): its
    /// N-1 mix is computed but not Opus-encoded.
    /// </summary>
    public bool ReceivesPcm { get; internal set; }

    /// <summary>In the mix now.</summary>
    public bool IsSelected => State.Selected;

    /// <summary>Smoothed RFC 6464 level in dBov (-127 when nothing recent).</summary>
    public float LevelDbov => State.LevelDbov;

    /// <summary>
    /// The recent packets (half a second) arrived without the RFC 6464 extension: the mixer decodes this
    /// stream every frame and measures its level from the audio instead.
    /// </summary>
    public bool LacksAudioLevel { get; internal set; }
    internal int PacketsWithoutLevel;

    public long PacketsReceived { get; internal set; }
    public long DecodeFailures { get; internal set; }
    /// <summary>Frames concealed (PLC) or recovered from FEC.</summary>
    public long FramesConcealed { get; internal set; }
    public long FramesRecoveredByFec { get; internal set; }
    public long PacketsDropped => Jitter.Dropped;

    internal SpeakerState State { get; }
    internal JitterBuffer Jitter { get; }
    internal bool Removed;
    internal bool WasSelected;
    internal IOpusFrameDecoder? Decoder;
    internal IOpusFrameEncoder? Encoder;
    internal readonly Limiter Limiter = new();
    /// <summary>This frame's decoded 20 ms.</summary>
    internal readonly float[] Pcm = new float[AudioMixerOptions.FrameSamples];
    /// <summary>Decoded samples not played yet (a 60 ms packet spans three ticks).</summary>
    internal readonly float[] Decoded = new float[AudioMixerOptions.FrameSamples + OpusPacketInfo.MaxSamples];
    internal int DecodedCount;
    internal int LastPacketSamples = AudioMixerOptions.FrameSamples;
    internal bool Contributes;
    /// <summary>Pcm already holds this frame (decoded early to measure a missing RFC 6464 level).</summary>
    internal bool DecodedThisFrame;
    internal readonly float[] Mix = new float[AudioMixerOptions.FrameSamples];

    internal void UpdateForced() => State.Forced = IsPinned || IsFloor;

    internal void UpdateEligible() => State.Eligible = !IsObserver && !IsMuted && !Removed;
}
