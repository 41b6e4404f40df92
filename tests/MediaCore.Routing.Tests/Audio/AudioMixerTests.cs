using MediaCore.Protocol.Core;
using MediaCore.Routing.Audio;

namespace MediaCore.Routing.Tests.Audio;

/// <summary>The mixer in virtual time: N-1 sums (exact, with a DC test codec), ticks, events and bad input.</summary>
public sealed class AudioMixerTests
{
    private static readonly long Ms = TimeSpan.TicksPerMillisecond;
    private readonly DcCodecFactory _codecs = new();
    private readonly RecordingMixOutput _out = new();
    private long _now = 5000 * Ms;

    private AudioMixer NewMixer(int n = 3) => new(new AudioMixerOptions { MaxSpeakers = n }, _codecs);

    // One 20 ms step: each source sends one packet (value, level), then the mixer ticks if due.
    private void Step(AudioMixer mixer, params (MixParticipant P, float Value, int Level)[] sources)
    {
        _now += 20 * Ms;
        foreach (var (p, value, level) in sources)
            mixer.OnPacket(_now, p, (ushort)(_now / (20 * Ms)), level, DcCodecFactory.Packet(value));
        if (mixer.PollTimeout() <= _now) mixer.Tick(_now, _out);
    }

    [Fact]
    public void PollTimeout_NoPackets_Never()
    {
        using var mixer = NewMixer();
        mixer.AddParticipant("a");
        Assert.Equal(MediaTime.Never, mixer.PollTimeout());
        Assert.Equal(0, mixer.Tick(_now, _out));
    }

    [Fact]
    public void Tick_ThreeSpeakers_EachGetsTheOthersSumAndTheRestTheTotal()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        var b = mixer.AddParticipant("b");
        var c = mixer.AddParticipant("c");
        var listener = mixer.AddParticipant("listener");
        foreach (var p in new[] { a, b, c, listener }) mixer.SetReceiving(p, true);
        for (int i = 0; i < 20; i++) Step(mixer, (a, 0.1f, 20), (b, 0.2f, 20), (c, 0.3f, 20));

        Assert.Equal(0.5f, DcCodecFactory.Value(_out.For("a").Last()), 5);
        Assert.Equal(0.4f, DcCodecFactory.Value(_out.For("b").Last()), 5);
        Assert.Equal(0.3f, DcCodecFactory.Value(_out.For("c").Last()), 5);
        Assert.Equal(0.6f, DcCodecFactory.Value(_out.Shared.Last()), 5);
        Assert.Empty(_out.For("listener"));
    }

    [Fact]
    public void Tick_FourthQuieterSpeaker_NotMixedUntilALouderOneStops()
    {
        using var mixer = NewMixer(3);
        var s = Enumerable.Range(0, 4).Select(i => mixer.AddParticipant($"s{i}")).ToArray();
        for (int i = 0; i < 100; i++) Step(mixer, (s[0], 0.1f, 20), (s[1], 0.1f, 22), (s[2], 0.1f, 24), (s[3], 0.01f, 45));
        Assert.Equal(0.3f, DcCodecFactory.Value(_out.Shared.Last()), 4);
        Assert.False(s[3].IsSelected);

        for (int i = 0; i < 100; i++) Step(mixer, (s[1], 0.1f, 22), (s[2], 0.1f, 24), (s[3], 0.01f, 45));
        Assert.True(s[3].IsSelected);
        Assert.False(s[0].IsSelected);
        Assert.Equal(0.21f, DcCodecFactory.Value(_out.Shared.Last()), 4);
    }

    [Fact]
    public void Tick_SpeakerNotReceiving_NoOwnEncode()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        var b = mixer.AddParticipant("b");
        mixer.SetReceiving(b, true);
        for (int i = 0; i < 10; i++) Step(mixer, (a, 0.1f, 20), (b, 0.2f, 20));
        Assert.Empty(_out.For("a"));
        Assert.Equal(0.1f, DcCodecFactory.Value(_out.For("b").Last()), 5);
        // One encoder for b's N-1 mix and one for the shared mix, whatever the number of receivers.
        Assert.Equal(2, _codecs.Encoders);
    }

    [Fact]
    public void Tick_LoudSum_LimitedNotWrapped()
    {
        using var mixer = NewMixer();
        var s = Enumerable.Range(0, 3).Select(i => mixer.AddParticipant($"s{i}")).ToArray();
        for (int i = 0; i < 20; i++) Step(mixer, (s[0], 0.9f, 1), (s[1], 0.9f, 1), (s[2], 0.9f, 1));
        float v = DcCodecFactory.Value(_out.Shared.Last());
        Assert.InRange(v, 0.5f, 0.9f);
    }

    [Fact]
    public void Tick_NobodySpeaks_SilenceFramesEvery400Ms()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        for (int i = 0; i < 50; i++) Step(mixer, (a, 0f, 127));
        var silence = _out.Frames.Where(f => f.Silence).ToList();
        Assert.InRange(silence.Count, 2, 3);
        Assert.All(silence, f => Assert.Equal(new byte[] { 0xF8, 0xFF, 0xFE }, f.Payload));
        Assert.Equal(_out.Frames.Count, silence.Count);
    }

    [Fact]
    public void Tick_TalkspurtStart_MarkerOnFirstFrameOnly()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        for (int i = 0; i < 10; i++) Step(mixer, (a, 0.2f, 20));
        var shared = _out.Frames.Where(f => f.Speaker == null && !f.Silence).ToList();
        Assert.True(shared[0].Marker);
        Assert.All(shared.Skip(1), f => Assert.False(f.Marker));
    }

    [Fact]
    public void Tick_VirtualTime_OneFramePer20MsAndConsecutiveIndices()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        mixer.OnPacket(_now, a, 1, 20, DcCodecFactory.Packet(0.1f));
        long due = mixer.PollTimeout();
        Assert.Equal(_now + 20 * Ms, due);
        Assert.Equal(0, mixer.Tick(due - 1, _out));
        // A 50 ms late tick mixes the two missed frames and the due one, each with its own index.
        ushort seq = 2;
        for (int i = 0; i < 3; i++) mixer.OnPacket(_now, a, seq++, 20, DcCodecFactory.Packet(0.1f));
        Assert.Equal(3, mixer.Tick(due + 45 * Ms, _out));
        Assert.Equal(due + 60 * Ms, mixer.PollTimeout());
        var indices = _out.Frames.Select(f => f.Index).ToList();
        Assert.Equal(indices.Count, indices.Distinct().Count());
        Assert.Equal(indices.OrderBy(x => x), indices);
    }

    [Fact]
    public void Tick_HostStalledForASecond_SkipsInsteadOfBursting()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        mixer.OnPacket(_now, a, 1, 20, DcCodecFactory.Packet(0.1f));
        long due = mixer.PollTimeout();
        int frames = mixer.Tick(due + 1000 * Ms, _out);
        Assert.True(frames <= 1);
        Assert.True(mixer.FramesSkipped >= 45);
        Assert.True(mixer.PollTimeout() > due + 1000 * Ms);
    }

    [Fact]
    public void Tick_EveryoneQuietForIdleAfter_StopsTicking()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        for (int i = 0; i < 10; i++) Step(mixer, (a, 0.1f, 20));
        for (int i = 0; i < 200 && mixer.IsActive; i++) Step(mixer);
        Assert.False(mixer.IsActive);
        Assert.Equal(MediaTime.Never, mixer.PollTimeout());
        // Next packet wakes it.
        mixer.OnPacket(_now, a, 999, 20, DcCodecFactory.Packet(0.1f));
        Assert.Equal(_now + 20 * Ms, mixer.PollTimeout());
    }

    [Fact]
    public void OnPacket_Observer_NeverMixed()
    {
        using var mixer = NewMixer();
        var observer = mixer.AddParticipant("town-observer", isObserver: true);
        var a = mixer.AddParticipant("a");
        mixer.SetReceiving(observer, true);
        for (int i = 0; i < 20; i++) Step(mixer, (a, 0.1f, 20), (observer, 0.5f, 0));
        Assert.False(observer.IsSelected);
        Assert.Equal(0.1f, DcCodecFactory.Value(_out.Shared.Last()), 5);
        Assert.Empty(_out.For("town-observer"));
    }

    [Fact]
    public void SetMuted_SelectedSpeaker_DroppedFromMix()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        var b = mixer.AddParticipant("b");
        for (int i = 0; i < 20; i++) Step(mixer, (a, 0.1f, 20), (b, 0.2f, 20));
        mixer.SetMuted(a, true);
        for (int i = 0; i < 5; i++) Step(mixer, (a, 0.1f, 20), (b, 0.2f, 20));
        Assert.False(a.IsSelected);
        Assert.Equal(0.2f, DcCodecFactory.Value(_out.Shared.Last()), 5);
        mixer.SetMuted(a, false);
        for (int i = 0; i < 5; i++) Step(mixer, (a, 0.1f, 20), (b, 0.2f, 20));
        Assert.True(a.IsSelected);
    }

    [Fact]
    public void OnPacket_NoAudioLevel_ReportedAndMixedByLevelMeasuredFromAudio()
    {
        // Regression: a sender without the RFC 6464 extension (ffmpeg, SIP/RTP terminals) was never
        // selected unless pinned.
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        for (int i = 0; i < 40; i++) Step(mixer, (a, 0.3f, -1));
        Assert.True(a.LacksAudioLevel);
        Assert.True(mixer.TryPollEvent(out var e));
        Assert.Equal(new AudioLevelMissing("a"), e);

        Assert.True(a.IsSelected);
        Assert.InRange(a.LevelDbov, -11.5f, -9.5f); // a DC of 0.3 is -10.5 dBov
        Assert.Equal(0.3f, DcCodecFactory.Value(_out.Shared.Last()), 5);
    }

    [Fact]
    public void Tick_LoudSenderWithoutLevelAndQuietWithLevel_LoudOneTakesTheOnePlace()
    {
        using var mixer = NewMixer(1);
        var quiet = mixer.AddParticipant("quiet");
        var loud = mixer.AddParticipant("loud");
        for (int i = 0; i < 100; i++) Step(mixer, (quiet, 0.01f, 40), (loud, 0.3f, -1));

        Assert.True(loud.IsSelected);
        Assert.False(quiet.IsSelected);
        Assert.Equal(0.3f, DcCodecFactory.Value(_out.Shared.Last()), 5);
    }

    [Fact]
    public void Tick_SilentSenderWithoutLevel_NotSelectedOverATalker()
    {
        using var mixer = NewMixer(1);
        var talker = mixer.AddParticipant("talker");
        var silent = mixer.AddParticipant("silent");
        for (int i = 0; i < 100; i++) Step(mixer, (silent, 0f, -1), (talker, 0.1f, 20));

        Assert.True(talker.IsSelected);
        Assert.False(silent.IsSelected);
    }

    [Fact]
    public void OnPacket_LevelReturns_EstimationDecoderReturnedToPool()
    {
        using var mixer = NewMixer(1);
        var a = mixer.AddParticipant("a");
        var b = mixer.AddParticipant("b");
        for (int i = 0; i < 40; i++) Step(mixer, (a, 0.3f, 20), (b, 0.001f, -1));
        Assert.True(b.LacksAudioLevel);
        Assert.False(b.IsSelected);
        int decoders = _codecs.Decoders;

        for (int i = 0; i < 10; i++) Step(mixer, (a, 0.3f, 20), (b, 0.001f, 60));
        Assert.False(b.LacksAudioLevel);
        var c = mixer.AddParticipant("c");
        for (int i = 0; i < 200; i++) Step(mixer, (c, 0.5f, 5));
        // c took a's place with the decoder b gave back: no new decoder was created.
        Assert.True(c.IsSelected);
        Assert.Equal(decoders, _codecs.Decoders);
    }

    [Fact]
    public void TryPollEvent_SelectionChanges_ActiveSpeakersWithLevels()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        for (int i = 0; i < 5; i++) Step(mixer, (a, 0.1f, 30));
        Assert.True(mixer.TryPollEvent(out var e));
        var changed = Assert.IsType<ActiveSpeakersChanged>(e);
        var speaker = Assert.Single(changed.Speakers);
        Assert.Equal("a", speaker.ParticipantId);
        Assert.InRange(speaker.Level, -40, -25);
        Assert.False(mixer.TryPollEvent(out _));
    }

    [Fact]
    public void OnPacket_UndecodablePackets_ReportedConcealedAndTickingContinues()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        var b = mixer.AddParticipant("b");
        for (int i = 0; i < 10; i++) Step(mixer, (a, 0.1f, 20), (b, 0.2f, 20));
        int before = _out.Shared.Count();
        for (int i = 0; i < 20; i++)
        {
            _now += 20 * Ms;
            ushort seq = (ushort)(_now / (20 * Ms));
            mixer.OnPacket(_now, a, seq, 20, [0xF8, 1, 2, 3, 4, 5, 6]); // valid framing, not our codec
            mixer.OnPacket(_now, b, seq, 20, [0xFB]); // malformed framing (RFC 6716 R6)
            mixer.Tick(_now, _out);
        }
        Assert.Equal(before + 20, _out.Shared.Count());
        Assert.True(a.DecodeFailures >= 15);
        Assert.True(b.DecodeFailures >= 15);
        var failures = new List<MixerEvent>();
        while (mixer.TryPollEvent(out var e)) failures.Add(e);
        Assert.Contains(new DecodeFailed("a", 1), failures);
        Assert.Contains(new DecodeFailed("b", 10), failures);
    }

    [Fact]
    public void OnPacket_Flood_EachTickStillOneFrameAndLatencyBounded()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        var flooder = mixer.AddParticipant("flooder");
        ushort seq = 0;
        for (int t = 0; t < 50; t++)
        {
            _now += 20 * Ms;
            mixer.OnPacket(_now, a, (ushort)t, 30, DcCodecFactory.Packet(0.1f));
            for (int i = 0; i < 500; i++) mixer.OnPacket(_now, flooder, seq++, 20, DcCodecFactory.Packet(0.2f));
            // The first packet wakes the mixer; from then on every tick mixes exactly one frame.
            Assert.Equal(t == 0 ? 0 : 1, mixer.Tick(_now, _out));
        }
        Assert.True(flooder.PacketsDropped > 20_000);
        Assert.Equal(0.3f, DcCodecFactory.Value(_out.Shared.Last()), 5);
    }

    [Fact]
    public void RemoveParticipant_Selected_ReportsAndCodecsReused()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        var b = mixer.AddParticipant("b");
        for (int i = 0; i < 5; i++) Step(mixer, (a, 0.1f, 20));
        while (mixer.TryPollEvent(out _)) { }
        mixer.RemoveParticipant(a);
        Assert.True(mixer.TryPollEvent(out var e));
        Assert.Empty(Assert.IsType<ActiveSpeakersChanged>(e).Speakers);
        for (int i = 0; i < 5; i++) Step(mixer, (b, 0.2f, 20));
        Assert.Equal(1, _codecs.Decoders);
    }

    [Fact]
    public void MaxSpeakers_SetToOne_OnlyTheLoudestMixed()
    {
        using var mixer = NewMixer();
        var a = mixer.AddParticipant("a");
        var b = mixer.AddParticipant("b");
        mixer.MaxSpeakers = 1;
        for (int i = 0; i < 20; i++) Step(mixer, (a, 0.1f, 40), (b, 0.2f, 20));
        Assert.Equal(0.2f, DcCodecFactory.Value(_out.Shared.Last()), 5);
    }
}
