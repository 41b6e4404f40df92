namespace MediaCore.Routing.Audio;

/// <summary>
/// The table-of-contents view of an Opus packet (RFC 6716 §3.1, §3.2): how many 48 kHz samples it
/// decodes to, checked without decoding, so the mixer can refuse malformed packets cheaply and size its
/// buffers. Validates the framing rules of §3.4 (R1-R7) that do not need the range decoder.
/// </summary>
/// <remarks>
/// <code>
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// | config  |s| c |   config: mode, bandwidth, frame size (Table 2); s: stereo; c: frame count code
/// +-+-+-+-+-+-+-+-+
/// code 3 adds:  |v|p|     M     |   v: VBR, p: padding, M: frame count (1..48)
/// </code>
/// </remarks>
public readonly struct OpusPacketInfo
{
    /// <summary>RFC 6716 §3.4 R2: no frame is longer than 1275 bytes.</summary>
    public const int MaxFrameBytes = 1275;

    /// <summary>RFC 6716 §3.4 R5: at most 120 ms of audio, i.e. 5760 samples at 48 kHz.</summary>
    public const int MaxSamples = 5760;

    private OpusPacketInfo(int config, bool stereo, int frameCount)
    {
        Config = config;
        Stereo = stereo;
        FrameCount = frameCount;
    }

    /// <summary>TOC config 0..31 (RFC 6716 Table 2).</summary>
    public int Config { get; }
    public bool Stereo { get; }
    public int FrameCount { get; }

    /// <summary>Samples per frame at 48 kHz.</summary>
    public int SamplesPerFrame => SamplesPerFrameOf(Config);

    /// <summary>Total samples at 48 kHz.</summary>
    public int Samples => SamplesPerFrame * FrameCount;

    /// <summary>Parses and validates the packet framing; false for an empty or malformed packet.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out OpusPacketInfo info)
    {
        info = default;
        if (packet.IsEmpty) return false; // R1
        int toc = packet[0];
        int config = toc >> 3;
        bool stereo = (toc & 0x04) != 0;
        int code = toc & 0x03;
        int spf = SamplesPerFrameOf(config);
        var rest = packet[1..];
        int frames;
        switch (code)
        {
            case 0: // §3.2.2: one frame
                if (rest.Length > MaxFrameBytes) return false;
                frames = 1;
                break;
            case 1: // §3.2.3: two frames of equal size
                if ((rest.Length & 1) != 0 || rest.Length / 2 > MaxFrameBytes) return false; // R3
                frames = 2;
                break;
            case 2: // §3.2.4: two frames, the first one's length coded
            {
                if (!TryReadFrameLength(rest, out int n1, out int used)) return false;
                int n2 = rest.Length - used - n1;
                if (n2 < 0 || n2 > MaxFrameBytes) return false; // R4
                frames = 2;
                break;
            }
            default: // §3.2.5: M frames
            {
                if (rest.IsEmpty) return false; // R6
                int flags = rest[0];
                bool vbr = (flags & 0x80) != 0, padded = (flags & 0x40) != 0;
                frames = flags & 0x3F;
                if (frames == 0 || frames * spf > MaxSamples) return false; // R5
                int pos = 1, padding = 0;
                if (padded)
                {
                    while (true)
                    {
                        if (pos >= rest.Length) return false;
                        int p = rest[pos++];
                        padding += p == 255 ? 254 : p;
                        if (p != 255) break;
                    }
                }
                int available = rest.Length - pos - padding;
                if (available < 0) return false; // R7
                if (vbr)
                {
                    int total = 0;
                    for (int i = 0; i < frames - 1; i++)
                    {
                        if (!TryReadFrameLength(rest[pos..], out int n, out int used)) return false;
                        pos += used;
                        total += n;
                    }
                    int last = rest.Length - padding - pos - total;
                    if (last < 0 || last > MaxFrameBytes) return false;
                }
                else if (available % frames != 0 || available / frames > MaxFrameBytes)
                {
                    return false;
                }
                break;
            }
        }
        if (frames * spf > MaxSamples) return false;
        info = new OpusPacketInfo(config, stereo, frames);
        return true;
    }

    // §3.2.1: one byte 0..251, or two bytes 252..255 then x: 4*x + first.
    private static bool TryReadFrameLength(ReadOnlySpan<byte> data, out int length, out int used)
    {
        length = used = 0;
        if (data.IsEmpty) return false;
        int b0 = data[0];
        if (b0 < 252)
        {
            length = b0;
            used = 1;
        }
        else
        {
            if (data.Length < 2) return false;
            length = data[1] * 4 + b0;
            used = 2;
        }
        return length <= MaxFrameBytes && length <= data.Length - used;
    }

    // RFC 6716 Table 2: SILK 10/20/40/60 ms, Hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
    private static int SamplesPerFrameOf(int config)
    {
        if (config < 12) return (config & 3) switch { 0 => 480, 1 => 960, 2 => 1920, _ => 2880 };
        if (config < 16) return (config & 1) == 0 ? 480 : 960;
        return 120 << (config & 3);
    }
}
