using MediaCore.Routing.Audio;

namespace MediaCore.Routing.Tests.Audio;

/// <summary>The relay link's top-N audio gate on synthetic RFC 6464 levels, in virtual time (20 ms packets).</summary>
public sealed class SpeakerGateTests
{
    private static readonly long Ms = TimeSpan.TicksPerMillisecond;
    private readonly SpeakerGate _gate = new();
    private long _now = 1_000_000 * Ms;

    private void Run(int ms, int maxSpeakers, params (GatedStream S, int Level)[] levels)
    {
        for (int t = 0; t < ms; t += 20)
        {
            _now += 20 * Ms;
            foreach (var (s, level) in levels) SpeakerGate.OnPacket(s, _now, level);
            if (_gate.IsDue(_now)) _gate.Update(_now, maxSpeakers);
        }
    }

    [Fact]
    public void Update_SixTalkersThreePlaces_OnlyTheThreeLoudestOpen()
    {
        var s = Enumerable.Range(0, 6).Select(i => _gate.Add($"site:{i}")).ToArray();
        // RFC 6464 levels are -dBov: 10 is loud, 60 quiet.
        Run(500, 3, (s[0], 60), (s[1], 10), (s[2], 50), (s[3], 20), (s[4], 40), (s[5], 30));
        Assert.Equal(["site:1", "site:3", "site:5"], s.Where(x => x.IsOpen).Select(x => x.ParticipantId));
    }

    [Fact]
    public void Update_FewerStreamsThanPlaces_AllOpenEvenSilent()
    {
        var s = new[] { _gate.Add("a"), _gate.Add("b") };
        Run(500, 3, (s[0], 127), (s[1], 127));
        Assert.All(s, x => Assert.True(x.IsOpen));
    }

    [Fact]
    public void Update_ForcedQuietStream_OpenBesidesTheN_MutedLoudStreamClosed()
    {
        var s = Enumerable.Range(0, 4).Select(i => _gate.Add($"site:{i}")).ToArray();
        SpeakerGate.SetControls(s[0], eligible: true, forced: true);   // the host, quiet
        SpeakerGate.SetControls(s[1], eligible: false, forced: false); // muted by the host, loudest
        Run(500, 1, (s[0], 90), (s[1], 5), (s[2], 20), (s[3], 40));
        Assert.Equal([true, false, true, false], s.Select(x => x.IsOpen));
    }

    [Fact]
    public void Update_StreamWithoutLevels_AlwaysOpen()
    {
        var s = Enumerable.Range(0, 3).Select(i => _gate.Add($"site:{i}")).ToArray();
        Run(1000, 1, (s[0], 20), (s[1], 30), (s[2], -1));
        Assert.True(s[2].LacksLevels);
        Assert.Equal([true, false, true], s.Select(x => x.IsOpen));
    }

    [Fact]
    public void Update_NewLoudTalker_TakesThePlaceOfTheQuietOneAfterHysteresis()
    {
        var s = Enumerable.Range(0, 3).Select(i => _gate.Add($"site:{i}")).ToArray();
        Run(2000, 1, (s[0], 40), (s[1], 70), (s[2], 127));
        Assert.Equal([true, false, false], s.Select(x => x.IsOpen));
        Run(1000, 1, (s[0], 40), (s[1], 70), (s[2], 10));
        Assert.Equal([false, false, true], s.Select(x => x.IsOpen));
        _gate.Remove(s[2]);
        Run(1000, 1, (s[0], 40), (s[1], 70));
        Assert.Equal([true, false], s[..2].Select(x => x.IsOpen)); // the talker left: the place goes back to the louder one
    }
}
