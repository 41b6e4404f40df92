namespace MediaCore.Protocol.Matroska;

/// <summary>Codecs the recorder stores as they arrive (no transcoding).</summary>
public enum MatroskaCodec : byte
{
    /// <summary><c>A_OPUS</c>, in WebM.</summary>
    Opus,
    /// <summary><c>V_VP8</c>, in WebM.</summary>
    Vp8,
    /// <summary><c>V_MPEG4/ISO/AVC</c> (length-prefixed NAL units, avcC private data), in Matroska.</summary>
    H264,
}

/// <summary>The one track of a recorder file and what its header says about it.</summary>
public sealed record MatroskaTrack
{
    public required MatroskaCodec Codec { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }
    public int Channels { get; init; } = 2;
    public double SamplingFrequency { get; init; } = 48000;
    /// <summary>CodecPrivate: avcC for H264; OpusHead is built when null.</summary>
    public byte[]? CodecPrivate { get; init; }
    public ulong Uid { get; init; } = 1;
    /// <summary>Wall-clock time of timestamp 0 (the recording's start), written as DateUTC.</summary>
    public DateTimeOffset? Origin { get; init; }

    public bool IsVideo => Codec != MatroskaCodec.Opus;
    /// <summary>"webm" for VP8/Opus, "matroska" for H264 (WebM allows only VP8/VP9/AV1 and Vorbis/Opus).</summary>
    public string DocType => Codec == MatroskaCodec.H264 ? "matroska" : "webm";
    public string FileExtension => Codec == MatroskaCodec.H264 ? ".mkv" : ".webm";

    public string CodecId => Codec switch
    {
        MatroskaCodec.Opus => "A_OPUS",
        MatroskaCodec.Vp8 => "V_VP8",
        _ => "V_MPEG4/ISO/AVC",
    };

    /// <summary>
    /// OpusHead (RFC 7845 §5.1) for a WebRTC stream: version 1, the channel count, no pre-skip (the RTP stream
    /// starts mid-stream), 48 kHz, gain 0, mapping family 0.
    /// </summary>
    public static byte[] OpusHead(int channels)
    {
        var head = new byte[19];
        "OpusHead"u8.CopyTo(head);
        head[8] = 1;
        head[9] = (byte)channels;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), 48000);
        return head;
    }
}
