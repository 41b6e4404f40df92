namespace MediaCore.Protocol.Codecs;

/// <summary>Media codecs the router distinguishes.</summary>
public enum CodecKind : byte
{
    Unknown = 0,
    Opus,
    Vp8,
    Vp9,
    H264,
    Av1,
    /// <summary>Any other audio codec (G.711, G.722): forwarded as is.</summary>
    OtherAudio,
}

/// <summary>Key frame detection on the first packet of a frame, per codec.</summary>
public static class KeyFrameDetector
{
    /// <summary>Maps an SDP rtpmap encoding name (case-insensitive) to a kind.</summary>
    public static CodecKind FromEncodingName(string name)
    {
        if (name.Equals("opus", StringComparison.OrdinalIgnoreCase)) return CodecKind.Opus;
        if (name.Equals("VP8", StringComparison.OrdinalIgnoreCase)) return CodecKind.Vp8;
        if (name.Equals("VP9", StringComparison.OrdinalIgnoreCase)) return CodecKind.Vp9;
        if (name.Equals("H264", StringComparison.OrdinalIgnoreCase)) return CodecKind.H264;
        if (name.Equals("AV1", StringComparison.OrdinalIgnoreCase)) return CodecKind.Av1;
        if (name.Equals("PCMU", StringComparison.OrdinalIgnoreCase) || name.Equals("PCMA", StringComparison.OrdinalIgnoreCase)
            || name.Equals("G722", StringComparison.OrdinalIgnoreCase)) return CodecKind.OtherAudio;
        return CodecKind.Unknown;
    }

    /// <summary>True for video codecs (key frames matter when switching sources).</summary>
    public static bool IsVideo(CodecKind codec) => codec is CodecKind.Vp8 or CodecKind.Vp9 or CodecKind.H264 or CodecKind.Av1;

    /// <summary>True when this RTP payload starts a key frame; audio and unknown codecs return false.</summary>
    public static bool IsKeyFrame(CodecKind codec, ReadOnlySpan<byte> payload) => codec switch
    {
        CodecKind.Vp8 => Vp8PayloadDescriptor.IsKeyFramePayload(payload),
        CodecKind.H264 => H264Packetization.IsKeyFrame(payload),
        CodecKind.Vp9 => IsVp9KeyFrame(payload),
        CodecKind.Av1 => IsAv1KeyFrame(payload),
        _ => false,
    };

    /// <summary>
    /// VP9 (RFC 9628 §4.2): first octet |I|P|L|F|B|E|V|Z|. A key frame's first packet has P=0 (not
    /// inter-predicted) and B=1 (start of frame), on spatial layer 0 when layer indices are present.
    /// </summary>
    public static bool IsVp9KeyFrame(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 1) return false;
        byte b0 = payload[0];
        bool p = (b0 & 0x40) != 0, l = (b0 & 0x20) != 0, b = (b0 & 0x08) != 0;
        if (p || !b) return false;
        if (!l) return true;
        int pos = 1;
        if ((b0 & 0x80) != 0)
        {
            if (pos >= payload.Length) return false;
            pos += (payload[pos] & 0x80) != 0 ? 2 : 1;
        }
        if (pos >= payload.Length) return false;
        int sid = (payload[pos] >> 1) & 0x07;
        return sid == 0;
    }

    /// <summary>
    /// AV1 (AV1 RTP specification §4.4): aggregation header |Z|Y|W W|N|-|-|-|; N=1 marks the first packet
    /// of a coded video sequence, i.e. a key frame with its sequence header.
    /// </summary>
    public static bool IsAv1KeyFrame(ReadOnlySpan<byte> payload)
        => payload.Length >= 1 && (payload[0] & 0x08) != 0 && (payload[0] & 0x80) == 0;
}
