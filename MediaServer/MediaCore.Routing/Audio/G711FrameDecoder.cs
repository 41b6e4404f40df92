using MediaCore.Protocol.Codecs;

namespace MediaCore.Routing.Audio;

/// <summary>What a mixer participant sends: Opus (WebRTC sites, ingests) or G.711 (SIP terminals).</summary>
public enum MixSourceCodec
{
    Opus,
    /// <summary>G.711 μ-law at 8 kHz (PCMU).</summary>
    Pcmu,
    /// <summary>G.711 A-law at 8 kHz (PCMA).</summary>
    Pcma,
}

/// <summary>
/// A G.711 stream decoded to the mixer's 48 kHz mono float PCM (8 kHz codes, expanded, upsampled x6). Plugs into
/// the mixer where an Opus decoder would. Concealment (an empty packet) fades the last frame out; G.711 has no FEC.
/// </summary>
public sealed class G711FrameDecoder(G711Law law) : IOpusFrameDecoder
{
    private readonly NarrowbandResampler _up = new();
    private readonly short[] _linear = new short[OpusPacketInfo.MaxSamples / NarrowbandResampler.Ratio];
    private readonly float[] _narrow = new float[OpusPacketInfo.MaxSamples / NarrowbandResampler.Ratio];

    /// <summary>Samples at 48 kHz that <paramref name="packet"/> decodes to.</summary>
    public static int SamplesOf(ReadOnlySpan<byte> packet) => packet.Length * NarrowbandResampler.Ratio;

    public int Decode(ReadOnlySpan<byte> packet, Span<float> pcm, bool fec)
    {
        if (fec) return -1;
        if (packet.IsEmpty)
        {
            // Loss: feed silence through the filter (a short fade of the last samples), as simple PLC.
            int n = pcm.Length / NarrowbandResampler.Ratio;
            _narrow.AsSpan(0, n).Clear();
            _up.Upsample(_narrow.AsSpan(0, n), pcm);
            return n * NarrowbandResampler.Ratio;
        }
        if (packet.Length > _linear.Length || pcm.Length < SamplesOf(packet)) return -1;
        var linear = _linear.AsSpan(0, packet.Length);
        G711.Decode(law, packet, linear);
        var narrow = _narrow.AsSpan(0, packet.Length);
        for (int i = 0; i < linear.Length; i++) narrow[i] = linear[i] / 32768f;
        _up.Upsample(narrow, pcm);
        return SamplesOf(packet);
    }

    public void Reset() => _up.Reset();

    public void Dispose()
    {
    }
}

/// <summary>
/// Encodes the 48 kHz mix for a G.711 listener: low-pass and decimate to 8 kHz, compand. One per listener stream
/// (the filter keeps history across frames).
/// </summary>
public sealed class G711FrameEncoder(G711Law law)
{
    private readonly NarrowbandResampler _down = new();
    private readonly float[] _narrow = new float[AudioMixerOptions.FrameSamples / NarrowbandResampler.Ratio];

    public G711Law Law => law;

    /// <summary>Encodes 20 ms (960 samples at 48 kHz) into 160 G.711 codes; returns 160.</summary>
    public int Encode(ReadOnlySpan<float> pcm48k, Span<byte> codes)
    {
        int n = pcm48k.Length / NarrowbandResampler.Ratio;
        var narrow = _narrow.AsSpan(0, n);
        _down.Downsample(pcm48k, narrow);
        for (int i = 0; i < n; i++)
        {
            int s = (int)MathF.Round(Math.Clamp(narrow[i], -1f, 1f) * 32767f);
            codes[i] = law == G711Law.MuLaw ? G711.LinearToMuLaw((short)s) : G711.LinearToALaw((short)s);
        }
        return n;
    }

    public void Reset() => _down.Reset();
}
