namespace MediaCore.Routing.Audio;

/// <summary>One audio stream a <see cref="SpeakerGate"/> decides about (e.g. one track a relay link could send).</summary>
public sealed class GatedStream
{
    internal GatedStream(string participantId) => ParticipantId = participantId;

    internal SpeakerState State { get; } = new();
    internal int PacketsWithoutLevel;

    public string ParticipantId { get; }
    /// <summary>The stream sends no RFC 6464 level (ffmpeg, SIP gateways): it cannot be ranked without decoding, so it always passes.</summary>
    public bool LacksLevels { get; internal set; }
    /// <summary>Whether the stream passes the gate now (valid after <see cref="SpeakerGate.Update"/>).</summary>
    public bool IsOpen { get; internal set; } = true;
    /// <summary>Smoothed level in dBov (-127 silence .. 0 full scale), for diagnostics.</summary>
    public float LevelDbov => State.LevelDbov;
}

/// <summary>
/// Decides which of many audio streams to send on, without decoding any: the same <see cref="SpeakerSelector"/> the
/// mixer uses (the N loudest by RFC 6464 level with hysteresis, plus the forced ones: host, floor holder, pinned) run
/// over the streams the caller offers. A relay link uses it to send a county only a town's top-N audio: the county's own
/// top-N across all towns is always inside the union of the towns' top-N, so its mix is the same as if every stream came
/// up, while each link carries at most N streams (plus forced and level-less ones). While the streams fit the places
/// (count &lt;= N) every stream is open: nothing needs choosing. Sans-IO, allocation-free per packet, not thread-safe.
/// </summary>
public sealed class SpeakerGate
{
    private const int MissingLevelPackets = 25;
    private static readonly long UpdateIntervalTicks = TimeSpan.FromMilliseconds(20).Ticks;

    private readonly SpeakerSelector _selector;
    private readonly List<GatedStream> _streams = [];
    private readonly List<SpeakerState> _states = [];
    private long _nextUpdate = long.MinValue;

    public SpeakerGate(SpeakerSelectorOptions? options = null) => _selector = new SpeakerSelector(options);

    public IReadOnlyList<GatedStream> Streams => _streams;

    public GatedStream Add(string participantId)
    {
        var s = new GatedStream(participantId);
        _streams.Add(s);
        _states.Add(s.State);
        _nextUpdate = long.MinValue;
        return s;
    }

    public void Remove(GatedStream stream)
    {
        int i = _streams.IndexOf(stream);
        if (i < 0) return;
        _streams.RemoveAt(i);
        _states.RemoveAt(i);
        _nextUpdate = long.MinValue;
    }

    /// <summary>One packet of <paramref name="stream"/>: <paramref name="level"/> is its RFC 6464 level (0..127) or -1 without one.</summary>
    public static void OnPacket(GatedStream stream, long nowTicks, int level)
    {
        stream.State.LastPacketAt = nowTicks;
        if (level >= 0)
        {
            SpeakerSelector.OnLevel(stream.State, nowTicks, level);
            stream.PacketsWithoutLevel = 0;
            stream.LacksLevels = false;
        }
        else if (++stream.PacketsWithoutLevel >= MissingLevelPackets)
        {
            stream.LacksLevels = true;
        }
    }

    /// <summary>A host's mute (not <paramref name="eligible"/>) and the always-sent ones (<paramref name="forced"/>: host, floor, pinned).</summary>
    public static void SetControls(GatedStream stream, bool eligible, bool forced)
    {
        stream.State.Eligible = eligible;
        stream.State.Forced = forced;
    }

    /// <summary>True when <see cref="Update"/> would re-select now (at most every 20 ms, one audio frame).</summary>
    public bool IsDue(long nowTicks) => nowTicks >= _nextUpdate;

    /// <summary>
    /// Re-selects with <paramref name="maxSpeakers"/> places and sets each stream's <see cref="GatedStream.IsOpen"/>. Returns
    /// true when any stream opened or closed.
    /// </summary>
    public bool Update(long nowTicks, int maxSpeakers)
    {
        _nextUpdate = nowTicks + UpdateIntervalTicks;
        bool fits = _streams.Count <= maxSpeakers;
        _selector.Update(nowTicks, _states, maxSpeakers);
        bool changed = false;
        foreach (var s in _streams)
        {
            bool open = fits || s.State.Selected || (s.LacksLevels && s.State.Eligible);
            changed |= open != s.IsOpen;
            s.IsOpen = open;
        }
        return changed;
    }
}
