using BenchmarkDotNet.Attributes;
using MediaCore.Routing.Audio;

namespace MediaCore.Benchmarks;

/// <summary>
/// One 20 ms tick of a room's audio mixer: 3 active speakers (their packets of this frame arrive, are
/// decoded, mixed N-1 for each of them and once shared, limited, encoded: 3 decodes + 4 encodes) among 50 or
/// 500 participants that all receive the mix and have sent silent levels (the selector scans them all).
/// Goal with native libopus: a 500-participant tick under 1 ms, within 20% of the 50-participant tick, 0 B.
/// Run: dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- --filter '*MixerBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class MixerBenchmarks
{
    private const int Speakers = 3;
    private const int Frames = 250;
    private static readonly long FrameTicks = AudioMixerOptions.FrameTicks;

    [Params(50, 500)]
    public int Participants { get; set; }

    [Params(OpusImplementation.Native, OpusImplementation.Managed)]
    public OpusImplementation Opus { get; set; }

    private AudioMixer _mixer = null!;
    private MixParticipant[] _speakers = [];
    private MixParticipant _silentSite = null!;
    private ushort _silentSeq;
    private static readonly byte[] Silence = [0xF8, 0xFF, 0xFE];
    private byte[][][] _packets = [];
    private readonly NullOutput _output = new();
    private long _now;
    private int _frame;

    [GlobalSetup]
    public void Setup()
    {
        var codecs = new ConcentusOpusCodecFactory(Opus);
        _mixer = new AudioMixer(new AudioMixerOptions { MaxSpeakers = 3 }, codecs);
        var all = new MixParticipant[Participants];
        for (int i = 0; i < Participants; i++)
        {
            all[i] = _mixer.AddParticipant($"site-{i}");
            _mixer.SetReceiving(all[i], true);
        }
        _speakers = all[..Speakers];
        _silentSite = all[^1];
        // Voices: three tones pre-encoded by the same Opus (as the browsers' encoders would send them).
        _packets = new byte[Speakers][][];
        for (int s = 0; s < Speakers; s++)
        {
            using var encoder = codecs.CreateEncoder(new OpusEncoderSettings());
            var pcm = new float[AudioMixerOptions.FrameSamples];
            var buffer = new byte[1500];
            _packets[s] = new byte[Frames][];
            for (int f = 0; f < Frames; f++)
            {
                for (int i = 0; i < pcm.Length; i++)
                    pcm[i] = 0.2f * MathF.Sin(2 * MathF.PI * (300 + 200 * s) * (f * pcm.Length + i) / 48_000f);
                int n = encoder.Encode(pcm, buffer);
                _packets[s][f] = buffer[..n];
            }
        }
        _now = 1_000 * TimeSpan.TicksPerMillisecond;
        // Everyone else has spoken silence once; then warm up until the three speakers are selected and playing.
        for (int i = Speakers; i < Participants; i++) _mixer.OnPacket(_now, all[i], 1, 127, [0xF8, 0xFF, 0xFE]);
        for (int i = 0; i < 100; i++) Tick();
        if (_mixer.Selected.Count != Speakers) throw new InvalidOperationException("warm-up did not select the three speakers");
    }

    [GlobalCleanup]
    public void Cleanup() => _mixer.Dispose();

    [Benchmark]
    public int Tick()
    {
        _now += FrameTicks;
        int f = _frame++ % Frames;
        for (int s = 0; s < Speakers; s++) _mixer.OnPacket(_now, _speakers[s], (ushort)_frame, 20, _packets[s][f]);
        return _mixer.Tick(_now, _output);
    }

    /// <summary>The receive-path cost of one packet from a site that is not speaking (level read, buffered, not decoded).</summary>
    [Benchmark]
    public void OnPacketSilentSite() => _mixer.OnPacket(_now, _silentSite, _silentSeq++, 127, Silence);

    private sealed class NullOutput : IMixOutput
    {
        public void OnSpeakerFrame(MixParticipant speaker, in MixFrame frame) { }
        public void OnSharedFrame(in MixFrame frame) { }
    }
}
