using System.Buffers.Binary;
using MediaCore.Routing.Audio;

namespace MediaCore.Routing.Tests.Audio;

/// <summary>
/// A transparent stand-in for Opus: a "packet" is a valid Opus TOC byte (config 31: CELT fullband 20 ms,
/// mono, one frame) followed by one float, the DC value of the whole frame. Decoding yields that constant,
/// encoding stores the frame's mean, so mix arithmetic can be checked exactly.
/// </summary>
internal sealed class DcCodecFactory : IOpusCodecFactory
{
    public const byte Toc = 0xF8;
    public int Decoders, Encoders;
    public bool IsNative => false;
    public string Description => "dc test codec";
    public IOpusFrameDecoder CreateDecoder() { Decoders++; return new Decoder(); }
    public IOpusFrameEncoder CreateEncoder(OpusEncoderSettings settings) { Encoders++; return new Encoder(); }

    public static byte[] Packet(float value)
    {
        var p = new byte[5];
        p[0] = Toc;
        BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(1), value);
        return p;
    }

    public static float Value(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadSingleLittleEndian(packet[1..]);

    private sealed class Decoder : IOpusFrameDecoder
    {
        private float _last;
        public int Decode(ReadOnlySpan<byte> packet, Span<float> pcm, bool fec)
        {
            if (packet.IsEmpty) { pcm.Fill(_last); return pcm.Length; } // "PLC" repeats the last value
            if (packet.Length != 5 || packet[0] != Toc) return -4;
            _last = Value(packet);
            pcm.Fill(_last);
            return pcm.Length;
        }
        public void Reset() => _last = 0;
        public void Dispose() { }
    }

    private sealed class Encoder : IOpusFrameEncoder
    {
        public int Encode(ReadOnlySpan<float> pcm, Span<byte> packet)
        {
            float sum = 0;
            foreach (var s in pcm) sum += s;
            packet[0] = Toc;
            BinaryPrimitives.WriteSingleLittleEndian(packet[1..], sum / pcm.Length);
            return 5;
        }
        public void Reset() { }
        public void Dispose() { }
    }
}

/// <summary>Records what a mixer tick delivered.</summary>
internal sealed class RecordingMixOutput : IMixOutput
{
    public List<(string? Speaker, long Index, bool Marker, bool Silence, byte Level, byte[] Payload)> Frames { get; } = [];

    public void OnSpeakerFrame(MixParticipant speaker, in MixFrame frame)
        => Frames.Add((speaker.Id, frame.Index, frame.Marker, frame.IsSilence, frame.AudioLevel, frame.Payload.ToArray()));

    public void OnSharedFrame(in MixFrame frame)
        => Frames.Add((null, frame.Index, frame.Marker, frame.IsSilence, frame.AudioLevel, frame.Payload.ToArray()));

    public IEnumerable<byte[]> Shared => Frames.Where(f => f.Speaker == null && !f.Silence).Select(f => f.Payload);
    public IEnumerable<byte[]> For(string speaker) => Frames.Where(f => f.Speaker == speaker).Select(f => f.Payload);
    public void Clear() => Frames.Clear();
}

/// <summary>Sine sources encoded with real Opus as a browser would (SILK/hybrid with in-band FEC).</summary>
internal sealed class SineSource
{
    private readonly IOpusFrameEncoder _encoder;
    private readonly double _frequency;
    private readonly float _amplitude;
    private long _sample;
    private ushort _seq;

    public SineSource(IOpusCodecFactory codecs, double frequency, float amplitude, ushort firstSeq = 1000)
    {
        _encoder = codecs.CreateEncoder(new OpusEncoderSettings(Bitrate: 48_000, Complexity: 5, InbandFec: true, LowDelay: false));
        _frequency = frequency;
        _amplitude = amplitude;
        _seq = firstSeq;
    }

    /// <summary>RFC 6464 level of this tone (-dBov of its RMS).</summary>
    public int Level => (int)Math.Round(-20 * Math.Log10(_amplitude / Math.Sqrt(2)));

    public (ushort Seq, byte[] Packet) Next()
    {
        var pcm = new float[AudioMixerOptions.FrameSamples];
        for (int i = 0; i < pcm.Length; i++, _sample++)
            pcm[i] = _amplitude * (float)Math.Sin(2 * Math.PI * _frequency * _sample / 48_000);
        var packet = new byte[1500];
        int n = _encoder.Encode(pcm, packet);
        return (_seq++, packet[..n]);
    }
}

internal static class Tone
{
    /// <summary>Goertzel power of <paramref name="frequency"/> in <paramref name="pcm"/>, normalised to amplitude.</summary>
    public static double Amplitude(ReadOnlySpan<float> pcm, double frequency)
    {
        double w = 2 * Math.PI * frequency / 48_000, c = 2 * Math.Cos(w), s1 = 0, s2 = 0;
        foreach (float x in pcm)
        {
            double s0 = x + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        double power = s1 * s1 + s2 * s2 - c * s1 * s2;
        return 2 * Math.Sqrt(power) / pcm.Length;
    }

    public static float[] Decode(IOpusCodecFactory codecs, IEnumerable<byte[]> packets)
    {
        using var decoder = codecs.CreateDecoder();
        var all = new List<float>();
        var pcm = new float[5760];
        foreach (var p in packets)
        {
            int n = decoder.Decode(p, pcm.AsSpan(0, 960), fec: false);
            Assert.True(n > 0, "the mix must decode");
            all.AddRange(pcm.AsSpan(0, n).ToArray());
        }
        return [.. all];
    }
}
