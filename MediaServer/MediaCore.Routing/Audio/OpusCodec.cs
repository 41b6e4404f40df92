using Concentus;
using Concentus.Enums;

namespace MediaCore.Routing.Audio;

/// <summary>Which Opus implementation a <see cref="IOpusCodecFactory"/> hands out.</summary>
public enum OpusImplementation
{
    /// <summary>Native libopus when <c>libopus.so</c> loads (Debian <c>libopus-dev</c>), else managed.</summary>
    Auto,
    /// <summary>Native libopus through Concentus' P/Invoke wrapper (0 B allocated per frame).</summary>
    Native,
    /// <summary>Concentus' managed C# port (allocates per frame; always available).</summary>
    Managed,
}

/// <summary>Decodes one Opus stream (RFC 6716) to 48 kHz mono float PCM.</summary>
public interface IOpusFrameDecoder : IDisposable
{
    /// <summary>
    /// Decodes <paramref name="packet"/> into <paramref name="pcm"/>; an empty packet asks for packet loss
    /// concealment (RFC 6716 §4.4) of <paramref name="pcm"/>.Length samples. With <paramref name="fec"/> the
    /// in-band FEC (LBRR, RFC 6716 §2.1.7) of <paramref name="packet"/> is decoded: the frame before it.
    /// Returns samples written, or a negative value when the packet is invalid (never throws for bad input).
    /// </summary>
    int Decode(ReadOnlySpan<byte> packet, Span<float> pcm, bool fec);

    /// <summary>Forgets the previous stream (before the decoder serves another speaker).</summary>
    void Reset();
}

/// <summary>Encodes 48 kHz mono float PCM frames to Opus.</summary>
public interface IOpusFrameEncoder : IDisposable
{
    /// <summary>Encodes one frame (960 samples for 20 ms); returns the packet length, or negative on error.</summary>
    int Encode(ReadOnlySpan<float> pcm, Span<byte> packet);

    /// <summary>Forgets the previous frames (before the encoder serves another speaker).</summary>
    void Reset();
}

/// <summary>Creates Opus codecs: the seam between the mixer and Concentus (native or managed).</summary>
public interface IOpusCodecFactory
{
    /// <summary>True when the codecs are native libopus.</summary>
    bool IsNative { get; }

    /// <summary>Human-readable implementation, for the log (e.g. "libopus 1.3.1 (native)").</summary>
    string Description { get; }

    IOpusFrameDecoder CreateDecoder();

    IOpusFrameEncoder CreateEncoder(OpusEncoderSettings settings);
}

/// <summary>Encoder settings for a mix stream.</summary>
/// <param name="Bitrate">Target bits per second (voice mixes: 24-40 kb/s).</param>
/// <param name="Complexity">0-10; lower is cheaper.</param>
/// <param name="InbandFec">RFC 6716 §2.1.7 LBRR so receivers can recover single losses (SILK/hybrid modes only).</param>
/// <param name="LowDelay">
/// CELT only (OPUS_APPLICATION_RESTRICTED_LOWDELAY, RFC 6716 §2.3): fullband, about a third of the encode CPU of
/// the SILK/hybrid voice modes measured here (about 100 us against 260 us per 20 ms frame), which is what keeps
/// a mix tick of 4 encodes under a millisecond; the price is no in-band FEC (receivers conceal or NACK).
/// </param>
public sealed record OpusEncoderSettings(int Bitrate = 32_000, int Complexity = 5, bool InbandFec = false, bool LowDelay = true);

/// <summary>
/// <see cref="IOpusCodecFactory"/> over Concentus 2.2: <c>OpusCodecFactory</c> loads native libopus when it
/// can; the managed codec is the fallback (or forced, for comparison benchmarks).
/// </summary>
public sealed class ConcentusOpusCodecFactory : IOpusCodecFactory
{
    /// <summary>Opus at 48 kHz, mono: the mixer's only format.</summary>
    public const int SampleRate = 48_000;

    private readonly bool _native;

    public ConcentusOpusCodecFactory(OpusImplementation implementation = OpusImplementation.Auto)
    {
        _native = implementation switch
        {
            OpusImplementation.Managed => false,
            _ => ProbeNative(),
        };
        if (implementation == OpusImplementation.Native && !_native)
            throw new InvalidOperationException("native libopus was requested but libopus.so could not be loaded (install libopus-dev)");
        using var probe = new ProbeHolder(CreateRawDecoder());
        Description = $"{probe.Decoder.GetVersionString()} ({(_native ? "native" : "managed")})";
    }

    public bool IsNative => _native;
    public string Description { get; }

    public IOpusFrameDecoder CreateDecoder() => new Decoder(CreateRawDecoder());

    // The managed types are constructed directly on purpose: the factory would hand out native ones.
#pragma warning disable CS0618
    public IOpusFrameEncoder CreateEncoder(OpusEncoderSettings settings)
    {
        var application = settings.LowDelay ? OpusApplication.OPUS_APPLICATION_RESTRICTED_LOWDELAY : OpusApplication.OPUS_APPLICATION_VOIP;
        var encoder = _native
            ? OpusCodecFactory.CreateEncoder(SampleRate, 1, application, TextWriter.Null)
            : new Concentus.Structs.OpusEncoder(SampleRate, 1, application);
        encoder.Bitrate = settings.Bitrate;
        encoder.Complexity = settings.Complexity;
        if (!settings.LowDelay)
        {
            encoder.UseInbandFEC = settings.InbandFec;
            encoder.PacketLossPercent = settings.InbandFec ? 5 : 0;
            encoder.SignalType = OpusSignal.OPUS_SIGNAL_VOICE;
        }
        return new Encoder(encoder);
    }

    private IOpusDecoder CreateRawDecoder() => _native
        ? OpusCodecFactory.CreateDecoder(SampleRate, 1, TextWriter.Null)
        : new Concentus.Structs.OpusDecoder(SampleRate, 1);
#pragma warning restore CS0618

    // The factory decides per call; a decoder of the native type proves the library loaded.
    private static bool ProbeNative()
    {
        var d = OpusCodecFactory.CreateDecoder(SampleRate, 1, TextWriter.Null);
        bool native = d.GetType().Namespace == "Concentus.Native";
        (d as IDisposable)?.Dispose();
        return native;
    }

    private readonly struct ProbeHolder(IOpusDecoder decoder) : IDisposable
    {
        public IOpusDecoder Decoder { get; } = decoder;
        public void Dispose() => (Decoder as IDisposable)?.Dispose();
    }

    private sealed class Decoder(IOpusDecoder inner) : IOpusFrameDecoder
    {
        public int Decode(ReadOnlySpan<byte> packet, Span<float> pcm, bool fec)
        {
            try
            {
                return inner.Decode(packet, pcm, pcm.Length, fec);
            }
            catch (OpusException)
            {
                // The managed codec throws on corrupt packets where libopus returns OPUS_INVALID_PACKET.
                return -4;
            }
            catch (IndexOutOfRangeException)
            {
                // The managed port trusts some length fields of the packet; treat as invalid.
                return -4;
            }
        }

        public void Reset() => inner.ResetState();

        public void Dispose() => (inner as IDisposable)?.Dispose();
    }

    private sealed class Encoder(IOpusEncoder inner) : IOpusFrameEncoder
    {
        public int Encode(ReadOnlySpan<float> pcm, Span<byte> packet)
        {
            try
            {
                return inner.Encode(pcm, pcm.Length, packet, packet.Length);
            }
            catch (OpusException)
            {
                return -1;
            }
        }

        public void Reset() => inner.ResetState();

        public void Dispose() => (inner as IDisposable)?.Dispose();
    }
}
