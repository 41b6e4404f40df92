namespace MediaCore.Routing.Audio;

/// <summary>Selection state of one participant, kept by <see cref="SpeakerSelector"/>.</summary>
internal sealed class SpeakerState
{
    /// <summary>"Long ago": far enough back that now minus it never overflows.</summary>
    public const long LongAgo = long.MinValue / 4;

    /// <summary>Smoothed level in dBov (-127 silence .. 0 full scale).</summary>
    public float LevelDbov = -127f;
    public long LastLevelAt = LongAgo;
    public long LastPacketAt = LongAgo;
    public long LastActiveAt = LongAgo;
    public long SelectedAt;
    /// <summary>Since when this candidate has out-ranked the weakest selected speaker (long.MinValue: not).</summary>
    public long OutrankSince = long.MinValue;
    /// <summary>May be mixed at all (not muted, not an observer).</summary>
    public bool Eligible = true;
    /// <summary>Mixed whenever it sends: host, floor holder, pinned.</summary>
    public bool Forced;
    public bool Selected;
    /// <summary>Selected because forced (does not take one of the N places).</summary>
    public bool SelectedByForce;
    /// <summary>Selected before the current update.</summary>
    public bool WasSelected;
}

/// <summary>Tuning of <see cref="SpeakerSelector"/>.</summary>
/// <param name="ActiveAboveDbov">A smoothed level above this counts as speaking (RFC 6464 levels are -dBov).</param>
/// <param name="SwitchMarginDb">A candidate must be this much louder than the weakest selected speaker to replace it.</param>
/// <param name="SwitchAfter">...and for this long.</param>
/// <param name="MinHold">A selected speaker keeps its place at least this long.</param>
/// <param name="SilenceHold">A selected speaker keeps its place this long after it stops speaking.</param>
/// <param name="StaleAfter">No level for this long means silent (the sender stopped or is in DTX).</param>
public sealed record SpeakerSelectorOptions(
    float ActiveAboveDbov = -70f,
    float SwitchMarginDb = 6f,
    TimeSpan? SwitchAfter = null,
    TimeSpan? MinHold = null,
    TimeSpan? SilenceHold = null,
    TimeSpan? StaleAfter = null)
{
    internal long SwitchAfterTicks => (SwitchAfter ?? TimeSpan.FromMilliseconds(300)).Ticks;
    internal long MinHoldTicks => (MinHold ?? TimeSpan.FromMilliseconds(1000)).Ticks;
    internal long SilenceHoldTicks => (SilenceHold ?? TimeSpan.FromMilliseconds(600)).Ticks;
    internal long StaleAfterTicks => (StaleAfter ?? TimeSpan.FromMilliseconds(200)).Ticks;
}

/// <summary>
/// Picks who is mixed without decoding anyone: from the RFC 6464 audio level each sender puts on every
/// packet it keeps a smoothed level per participant, and selects the N loudest active speakers plus every
/// forced one (host, floor holder, pinned) that is not among them anyway. Hysteresis keeps the selection steady: a selected speaker stays
/// for <see cref="SpeakerSelectorOptions.MinHold"/> and while it spoke within
/// <see cref="SpeakerSelectorOptions.SilenceHold"/>; a free place goes to the loudest active candidate at
/// once; a full selection changes only when a candidate is <see cref="SpeakerSelectorOptions.SwitchMarginDb"/>
/// louder than the weakest speaker for <see cref="SpeakerSelectorOptions.SwitchAfter"/>. Costs O(participants)
/// per update and allocates nothing.
/// </summary>
internal sealed class SpeakerSelector
{
    // Per-packet exponential smoothing: fast attack so a new talker is noticed within a few packets,
    // slower release so short pauses between words do not look like silence.
    private const float Attack = 0.4f;
    private const float Release = 0.1f;
    private static readonly long FreshAfterTicks = TimeSpan.FromMilliseconds(500).Ticks;

    private readonly SpeakerSelectorOptions _options;

    public SpeakerSelector(SpeakerSelectorOptions? options = null) => _options = options ?? new SpeakerSelectorOptions();

    public SpeakerSelectorOptions Options => _options;

    /// <summary>Records one packet's RFC 6464 level (0 = 0 dBov loudest .. 127 = silence).</summary>
    public static void OnLevel(SpeakerState s, long nowTicks, int level)
    {
        float db = -Math.Clamp(level, 0, 127);
        // After a gap (a new stream, or the end of DTX) the first level stands on its own.
        bool fresh = nowTicks - s.LastLevelAt > FreshAfterTicks;
        float k = fresh ? 1f : db > s.LevelDbov ? Attack : Release;
        s.LevelDbov += (db - s.LevelDbov) * k;
        s.LastLevelAt = nowTicks;
    }

    /// <summary>The level as of <paramref name="nowTicks"/>: silent when no level arrived recently.</summary>
    public float EffectiveLevel(SpeakerState s, long nowTicks)
        => nowTicks - s.LastLevelAt <= _options.StaleAfterTicks ? s.LevelDbov : -127f;

    /// <summary>
    /// Re-selects among <paramref name="all"/> with <paramref name="maxSpeakers"/> places. Returns true
    /// when the selection changed; <see cref="SpeakerState.Selected"/> holds the result.
    /// </summary>
    public bool Update(long nowTicks, IReadOnlyList<SpeakerState> all, int maxSpeakers)
    {
        int selected = 0;
        long forcedRecent = 4 * _options.StaleAfterTicks;
        for (int i = 0; i < all.Count; i++)
        {
            var s = all[i];
            s.WasSelected = s.Selected;
            if (s.Eligible && EffectiveLevel(s, nowTicks) > _options.ActiveAboveDbov) s.LastActiveAt = nowTicks;
            if (s.SelectedByForce)
            {
                // Forced places are re-derived below; a forced speaker that is loud competes for a normal place.
                s.Selected = false;
                s.SelectedByForce = false;
            }
            else if (s.Selected)
            {
                s.Selected = s.Eligible
                    && (nowTicks - s.SelectedAt < _options.MinHoldTicks || nowTicks - s.LastActiveAt <= _options.SilenceHoldTicks);
            }
            if (s.Selected) selected++;
        }

        // Fill free places with the loudest active candidates.
        while (selected < maxSpeakers)
        {
            var best = LoudestCandidate(nowTicks, all);
            if (best == null) break;
            best.Selected = true;
            if (!best.WasSelected) best.SelectedAt = nowTicks;
            best.OutrankSince = long.MinValue;
            selected++;
        }
        // Over the limit (N was lowered): drop the weakest.
        while (selected > maxSpeakers)
        {
            var weakest = Weakest(nowTicks, all, ignoreHold: true);
            if (weakest == null) break;
            weakest.Selected = false;
            selected--;
        }
        if (selected == maxSpeakers && maxSpeakers > 0) Replace(nowTicks, all);

        // The host, the floor holder and pinned participants are mixed whenever they send, besides the N.
        bool changed = false;
        for (int i = 0; i < all.Count; i++)
        {
            var s = all[i];
            if (!s.Selected && s.Eligible && s.Forced && nowTicks - s.LastPacketAt <= forcedRecent)
            {
                s.Selected = true;
                s.SelectedByForce = true;
                if (!s.WasSelected) s.SelectedAt = nowTicks;
            }
            changed |= s.Selected != s.WasSelected;
        }
        return changed;
    }

    // A full selection: swap the weakest speaker for a candidate that has been clearly louder for a while.
    private void Replace(long nowTicks, IReadOnlyList<SpeakerState> all)
    {
        var weakest = Weakest(nowTicks, all, ignoreHold: false);
        float bar = weakest == null ? float.MaxValue : EffectiveLevel(weakest, nowTicks) + _options.SwitchMarginDb;
        SpeakerState? best = null;
        for (int i = 0; i < all.Count; i++)
        {
            var s = all[i];
            if (s.Selected || !IsCandidate(s, nowTicks)) { s.OutrankSince = long.MinValue; continue; }
            if (EffectiveLevel(s, nowTicks) <= bar) { s.OutrankSince = long.MinValue; continue; }
            if (s.OutrankSince == long.MinValue) s.OutrankSince = nowTicks;
            if (nowTicks - s.OutrankSince >= _options.SwitchAfterTicks
                && (best == null || EffectiveLevel(s, nowTicks) > EffectiveLevel(best, nowTicks)))
                best = s;
        }
        if (best == null || weakest == null) return;
        weakest.Selected = false;
        best.Selected = true;
        if (!best.WasSelected) best.SelectedAt = nowTicks;
        best.OutrankSince = long.MinValue;
    }

    private bool IsCandidate(SpeakerState s, long nowTicks)
        => s.Eligible && nowTicks - s.LastActiveAt <= _options.StaleAfterTicks && EffectiveLevel(s, nowTicks) > _options.ActiveAboveDbov;

    private SpeakerState? LoudestCandidate(long nowTicks, IReadOnlyList<SpeakerState> all)
    {
        SpeakerState? best = null;
        float bestLevel = float.MinValue;
        for (int i = 0; i < all.Count; i++)
        {
            var s = all[i];
            if (s.Selected || !IsCandidate(s, nowTicks)) continue;
            float level = EffectiveLevel(s, nowTicks);
            if (level > bestLevel) { best = s; bestLevel = level; }
        }
        return best;
    }

    // The selected (not forced) speaker with the lowest level; unless ignoreHold, only those past MinHold.
    private SpeakerState? Weakest(long nowTicks, IReadOnlyList<SpeakerState> all, bool ignoreHold)
    {
        SpeakerState? weakest = null;
        float lowest = float.MaxValue;
        for (int i = 0; i < all.Count; i++)
        {
            var s = all[i];
            if (!s.Selected || s.SelectedByForce) continue;
            if (!ignoreHold && nowTicks - s.SelectedAt < _options.MinHoldTicks) continue;
            float level = EffectiveLevel(s, nowTicks);
            if (level < lowest) { weakest = s; lowest = level; }
        }
        return weakest;
    }
}
