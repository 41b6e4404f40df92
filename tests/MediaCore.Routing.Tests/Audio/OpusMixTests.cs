using MediaCore.Routing.Audio;

namespace MediaCore.Routing.Tests.Audio;

/// <summary>The mixer with real Opus (native libopus when installed, else Concentus' managed codec).</summary>
public sealed class OpusMixTests
{
    private static readonly long Ms = TimeSpan.TicksPerMillisecond;
    private static readonly double[] Tones = [440, 880, 1320];

    // The test environment installs libopus-dev (scripts/install-deps.sh): the suite expects native libopus and
    // fails, rather than quietly testing the managed codec only, when it is missing.
    [Fact]
    public void Factory_Native_LoadsLibopus()
    {
        var codecs = new ConcentusOpusCodecFactory(OpusImplementation.Native);

        Assert.True(codecs.IsNative, codecs.Description);
        Assert.Contains("native", codecs.Description);
    }

    [Fact]
    public void Factory_Auto_PicksNative()
    {
        var codecs = new ConcentusOpusCodecFactory();

        Assert.True(codecs.IsNative, "libopus.so did not load (install libopus-dev): " + codecs.Description);
    }

    [Fact]
    public void Factory_Managed_IsManaged()
    {
        var codecs = new ConcentusOpusCodecFactory(OpusImplementation.Managed);

        Assert.False(codecs.IsNative);
        Assert.Contains("managed", codecs.Description);
    }

    [Theory]
    [InlineData(OpusImplementation.Native)]
    [InlineData(OpusImplementation.Managed)]
    public void Tick_ThreeTones_SharedMixHasAllAndEachSpeakerHearsOnlyTheOthers(OpusImplementation implementation)
    {
        var codecs = new ConcentusOpusCodecFactory(implementation);
        using var mixer = new AudioMixer(new AudioMixerOptions(), codecs);
        var output = new RecordingMixOutput();
        var sources = Tones.Select(f => new SineSource(codecs, f, 0.2f)).ToArray();
        var participants = Tones.Select(f => mixer.AddParticipant($"tone-{f}")).ToArray();
        foreach (var p in participants) mixer.SetReceiving(p, true);
        long now = 1000 * Ms;
        for (int t = 0; t < 100; t++)
        {
            now += 20 * Ms;
            for (int i = 0; i < sources.Length; i++)
            {
                var (seq, packet) = sources[i].Next();
                mixer.OnPacket(now, participants[i], seq, sources[i].Level, packet);
            }
            mixer.Tick(now, output);
        }

        var shared = Tone.Decode(codecs, output.Shared.TakeLast(25));
        foreach (var f in Tones) Assert.True(Tone.Amplitude(shared, f) > 0.1, $"{f} Hz missing from the shared mix");
        for (int i = 0; i < Tones.Length; i++)
        {
            var own = Tone.Decode(codecs, output.For(participants[i].Id).TakeLast(25));
            for (int j = 0; j < Tones.Length; j++)
            {
                double a = Tone.Amplitude(own, Tones[j]);
                if (i == j) Assert.True(a < 0.01, $"{Tones[i]} Hz hears itself: {a}");
                else Assert.True(a > 0.1, $"{Tones[i]} Hz misses {Tones[j]} Hz: {a}");
            }
        }
    }

    [Fact]
    public void Tick_LostPacket_ConcealedWithoutAGap()
    {
        var codecs = new ConcentusOpusCodecFactory();
        using var mixer = new AudioMixer(new AudioMixerOptions(), codecs);
        var output = new RecordingMixOutput();
        var source = new SineSource(codecs, 440, 0.3f);
        var p = mixer.AddParticipant("a");
        long now = 1000 * Ms;
        for (int t = 0; t < 60; t++)
        {
            now += 20 * Ms;
            var (seq, packet) = source.Next();
            if (t != 30 && t != 40 && t != 41) mixer.OnPacket(now, p, seq, source.Level, packet);
            mixer.Tick(now, output);
        }
        // 30: recovered from packet 31's in-band FEC; 40 and 41: 40 concealed (PLC), 41 from 42's FEC.
        Assert.Equal(2, p.FramesRecoveredByFec);
        Assert.Equal(1, p.FramesConcealed);
        // The mix never went silent across the losses.
        var mixed = output.Frames.Where(f => f.Speaker == null).SkipWhile(f => f.Silence).ToList();
        Assert.DoesNotContain(mixed, f => f.Silence);
        var pcm = Tone.Decode(codecs, mixed.Select(f => f.Payload));
        var amplitudes = Enumerable.Range(0, pcm.Length / 960).Select(k => Tone.Amplitude(pcm.AsSpan(k * 960, 960), 440)).ToList();
        string all = string.Join(" ", amplitudes.Select(a => a.ToString("F2")));
        // A single loss is repaired almost perfectly; a double loss fades (PLC decays) but never drops to a
        // gap of digital silence, which is what a mixer without concealment would output.
        Assert.All(amplitudes.Skip(5), a => Assert.True(a > 0.002, all));
        Assert.True(amplitudes.Skip(5).Count(a => a < 0.25) <= 4, all);
    }

    [Fact]
    public void Tick_SteadyStateWithNativeOpus_AllocatesNothing()
    {
        // Only native libopus is allocation-free (docs/decisions.md); Native throws when libopus is missing.
        var codecs = new ConcentusOpusCodecFactory(OpusImplementation.Native);
        using var mixer = new AudioMixer(new AudioMixerOptions(), codecs);
        var output = new NullOutput();
        var sources = Tones.Select(f => new SineSource(codecs, f, 0.2f)).ToArray();
        var packets = sources.Select(s => Enumerable.Range(0, 400).Select(_ => s.Next()).ToArray()).ToArray();
        var participants = Enumerable.Range(0, 50).Select(i => mixer.AddParticipant($"p{i}")).ToArray();
        foreach (var p in participants) mixer.SetReceiving(p, true);
        long now = 1000 * Ms;
        void Run(int from, int to)
        {
            for (int t = from; t < to; t++)
            {
                now += 20 * Ms;
                for (int i = 0; i < 3; i++) mixer.OnPacket(now, participants[i], packets[i][t].Seq, sources[i].Level, packets[i][t].Packet);
                mixer.Tick(now, output);
            }
        }
        Run(0, 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(100, 400);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3, mixer.Selected.Count);
    }

    [Theory]
    [InlineData(OpusImplementation.Native)]
    [InlineData(OpusImplementation.Managed)]
    public void OnPacket_8kRandomAndMutatedPackets_NeverThrowsAndKeepsMixing(OpusImplementation implementation)
    {
        // Bad input from the network: random bytes, mutated real packets, random sequence numbers and levels.
        var codecs = new ConcentusOpusCodecFactory(implementation);
        using var mixer = new AudioMixer(new AudioMixerOptions(), codecs);
        var output = new NullOutput();
        var rng = new Random(3550);
        var good = new SineSource(codecs, 440, 0.3f);
        var p = Enumerable.Range(0, 4).Select(i => mixer.AddParticipant($"p{i}")).ToArray();
        long now = 1000 * Ms;
        int frames = 0;
        for (int t = 0; t < 2000; t++)
        {
            now += 20 * Ms;
            for (int k = 0; k < 4; k++)
            {
                var (seq, packet) = good.Next();
                if (rng.Next(2) == 0)
                {
                    packet = new byte[rng.Next(1, 200)];
                    rng.NextBytes(packet);
                }
                else
                {
                    for (int m = rng.Next(0, 4); m > 0; m--) packet[rng.Next(packet.Length)] = (byte)rng.Next(256);
                }
                ushort s = rng.Next(10) == 0 ? (ushort)rng.Next(65536) : seq;
                mixer.OnPacket(now, p[k], s, rng.Next(-1, 128), packet);
            }
            frames += mixer.Tick(now, output);
        }
        // Nothing threw, and the tick kept producing a frame every 20 ms (but where nobody was audible: DTX).
        Assert.InRange(frames, 1900, 1999);
        Assert.True(mixer.FramesMixed > 1600, $"mixed {mixer.FramesMixed}");
        Assert.True(p.Sum(x => x.DecodeFailures) > 0);
    }

    private sealed class NullOutput : IMixOutput
    {
        public void OnSpeakerFrame(MixParticipant speaker, in MixFrame frame) { }
        public void OnSharedFrame(in MixFrame frame) { }
    }
}
