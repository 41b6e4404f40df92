using MediaCore.Routing.Audio;

namespace MediaCore.Routing.Tests.Audio;

/// <summary>Selection with hysteresis on synthetic RFC 6464 level sequences, in virtual time (20 ms packets).</summary>
public sealed class SpeakerSelectorTests
{
    private static readonly long Ms = TimeSpan.TicksPerMillisecond;

    private readonly SpeakerSelector _selector = new();
    private readonly List<SpeakerState> _all = [];
    private long _now = 1_000_000 * Ms;

    private SpeakerState[] Add(int count)
    {
        var added = new SpeakerState[count];
        for (int i = 0; i < count; i++) _all.Add(added[i] = new SpeakerState());
        return added;
    }

    // Advances 20 ms at a time for `ms`: every state with a level in `levels` gets one packet per step.
    private bool Run(int ms, int maxSpeakers, params (SpeakerState S, int Level)[] levels)
    {
        bool changed = false;
        for (int t = 0; t < ms; t += 20)
        {
            _now += 20 * Ms;
            foreach (var (s, level) in levels)
            {
                s.LastPacketAt = _now;
                SpeakerSelector.OnLevel(s, _now, level);
            }
            changed |= _selector.Update(_now, _all, maxSpeakers);
        }
        return changed;
    }

    [Fact]
    public void Update_FiveTalkers_SelectsTheThreeLoudest()
    {
        var s = Add(5);
        Run(200, 3, (s[0], 40), (s[1], 20), (s[2], 30), (s[3], 25), (s[4], 50));
        Assert.True(s[1].Selected && s[2].Selected && s[3].Selected);
        Assert.False(s[0].Selected || s[4].Selected);
    }

    [Fact]
    public void Update_SilenceOnly_SelectsNobody()
    {
        var s = Add(3);
        Run(500, 3, (s[0], 127), (s[1], 127), (s[2], 100));
        Assert.DoesNotContain(s, x => x.Selected);
    }

    [Fact]
    public void Update_CandidateSlightlyLouder_DoesNotReplace()
    {
        var s = Add(2);
        Run(2000, 1, (s[0], 30), (s[1], 60));
        Assert.True(s[0].Selected);
        // s[1] now 3 dB louder than s[0]: inside the 6 dB margin, so no flapping.
        Run(3000, 1, (s[0], 30), (s[1], 27));
        Assert.True(s[0].Selected);
        Assert.False(s[1].Selected);
    }

    [Fact]
    public void Update_CandidateClearlyLouderForLong_Replaces()
    {
        var s = Add(2);
        Run(2000, 1, (s[0], 40));
        Assert.True(s[0].Selected);
        Run(1000, 1, (s[0], 40), (s[1], 20));
        Assert.False(s[0].Selected);
        Assert.True(s[1].Selected);
    }

    [Fact]
    public void Update_ShortLoudBurst_DoesNotReplace()
    {
        var s = Add(2);
        Run(2000, 1, (s[0], 40));
        // 100 ms of a much louder candidate (a cough) is shorter than SwitchAfter.
        Run(100, 1, (s[0], 40), (s[1], 10));
        Run(1000, 1, (s[0], 40), (s[1], 127));
        Assert.True(s[0].Selected);
        Assert.False(s[1].Selected);
    }

    [Fact]
    public void Update_SpeakerStops_QuieterCandidateTakesThePlaceAfterSilenceHold()
    {
        var s = Add(4);
        Run(2000, 3, (s[0], 20), (s[1], 22), (s[2], 24), (s[3], 45));
        Assert.False(s[3].Selected);
        // s[0] stops sending: after the silence hold s[3] is selected.
        Run(200, 3, (s[1], 22), (s[2], 24), (s[3], 45));
        Assert.True(s[0].Selected);
        Run(1000, 3, (s[1], 22), (s[2], 24), (s[3], 45));
        Assert.False(s[0].Selected);
        Assert.True(s[3].Selected);
    }

    [Fact]
    public void Update_PauseBetweenWords_KeepsSpeaker()
    {
        var s = Add(2);
        Run(2000, 1, (s[0], 30), (s[1], 50));
        Run(300, 1, (s[0], 127), (s[1], 50));
        Assert.True(s[0].Selected);
    }

    [Fact]
    public void Update_ForcedParticipant_SelectedBesidesTheN()
    {
        var s = Add(3);
        s[2].Forced = true;
        Run(200, 2, (s[0], 20), (s[1], 20), (s[2], 127));
        Assert.All(s, x => Assert.True(x.Selected));
        Assert.True(s[2].SelectedByForce);
    }

    [Fact]
    public void Update_ForcedAndLoud_TakesOneOfTheNPlaces()
    {
        // The floor holder is among the loudest anyway: no extra place, the quietest stays out.
        var s = Add(4);
        s[2].Forced = true;
        Run(2000, 3, (s[0], 20), (s[1], 22), (s[2], 24), (s[3], 45));
        Assert.True(s[0].Selected && s[1].Selected && s[2].Selected);
        Assert.False(s[2].SelectedByForce);
        Assert.False(s[3].Selected);
    }

    [Fact]
    public void Update_ForcedWithoutLevels_SelectedWhileSending()
    {
        var s = Add(1);
        s[0].Forced = true;
        _now += 20 * Ms;
        s[0].LastPacketAt = _now;
        Assert.True(_selector.Update(_now, _all, 3));
        Assert.True(s[0].Selected);
        // Stops sending: forced only while packets flow.
        _now += 2000 * Ms;
        _selector.Update(_now, _all, 3);
        Assert.False(s[0].Selected);
    }

    [Fact]
    public void Update_Muted_DroppedAtOnce()
    {
        var s = Add(2);
        Run(2000, 3, (s[0], 20), (s[1], 30));
        s[0].Eligible = false;
        Assert.True(Run(20, 3, (s[0], 20), (s[1], 30)));
        Assert.False(s[0].Selected);
        Assert.True(s[1].Selected);
    }

    [Fact]
    public void Update_MaxLowered_DropsTheWeakest()
    {
        var s = Add(3);
        Run(2000, 3, (s[0], 20), (s[1], 30), (s[2], 40));
        Run(20, 1, (s[0], 20), (s[1], 30), (s[2], 40));
        Assert.True(s[0].Selected);
        Assert.False(s[1].Selected || s[2].Selected);
    }

    [Fact]
    public void Update_SteadyState_ReportsNoChange()
    {
        var s = Add(4);
        Run(2000, 3, (s[0], 20), (s[1], 25), (s[2], 30), (s[3], 50));
        Assert.False(Run(2000, 3, (s[0], 20), (s[1], 25), (s[2], 30), (s[3], 50)));
    }
}
