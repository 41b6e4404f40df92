using System.Buffers.Binary;
using System.Text;

namespace MediaCore.Protocol.Rtp;

/// <summary>Header extensions MediaCore understands, independent of the id each peer negotiated.</summary>
public enum RtpExtensionKind : byte
{
    Unknown = 0,
    /// <summary>RFC 6464 client-to-mixer audio level.</summary>
    AudioLevel,
    /// <summary>abs-send-time (webrtc.org), 24-bit 6.18 fixed point seconds.</summary>
    AbsSendTime,
    /// <summary>transport-wide-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01), 16-bit sequence.</summary>
    TransportWideCc,
    /// <summary>RFC 8843 §15 / RFC 9143 BUNDLE mid.</summary>
    Mid,
    /// <summary>RFC 8852 §3.1 rtp-stream-id (rid).</summary>
    RtpStreamId,
    /// <summary>RFC 8852 §3.2 repaired-rtp-stream-id.</summary>
    RepairedRtpStreamId,
    /// <summary>3GPP TS 26.114 coordination of video orientation (CVO).</summary>
    VideoOrientation,
    /// <summary>RFC 6051 / webrtc.org playout-delay and other pass-through kinds.</summary>
    PlayoutDelay,
}

/// <summary>Extension URIs as they appear in SDP <c>a=extmap</c> (RFC 8285 §5).</summary>
public static class RtpExtensionUris
{
    public const string AudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    public const string AbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    public const string TransportWideCc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    public const string Mid = "urn:ietf:params:rtp-hdrext:sdes:mid";
    public const string RtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    public const string RepairedRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    public const string VideoOrientation = "urn:3gpp:video-orientation";
    public const string PlayoutDelay = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";

    /// <summary>Maps a URI to a kind (Unknown when MediaCore does not interpret it).</summary>
    public static RtpExtensionKind ToKind(string uri) => uri switch
    {
        AudioLevel => RtpExtensionKind.AudioLevel,
        AbsSendTime => RtpExtensionKind.AbsSendTime,
        TransportWideCc => RtpExtensionKind.TransportWideCc,
        Mid => RtpExtensionKind.Mid,
        RtpStreamId => RtpExtensionKind.RtpStreamId,
        RepairedRtpStreamId => RtpExtensionKind.RepairedRtpStreamId,
        VideoOrientation => RtpExtensionKind.VideoOrientation,
        PlayoutDelay => RtpExtensionKind.PlayoutDelay,
        _ => RtpExtensionKind.Unknown,
    };

    public static string? FromKind(RtpExtensionKind kind) => kind switch
    {
        RtpExtensionKind.AudioLevel => AudioLevel,
        RtpExtensionKind.AbsSendTime => AbsSendTime,
        RtpExtensionKind.TransportWideCc => TransportWideCc,
        RtpExtensionKind.Mid => Mid,
        RtpExtensionKind.RtpStreamId => RtpStreamId,
        RtpExtensionKind.RepairedRtpStreamId => RepairedRtpStreamId,
        RtpExtensionKind.VideoOrientation => VideoOrientation,
        RtpExtensionKind.PlayoutDelay => PlayoutDelay,
        _ => null,
    };
}

/// <summary>Decoders and encoders for the values of well-known header extensions.</summary>
public static class RtpExtensionValues
{
    /// <summary>
    /// RFC 6464 §3: <c>|V| level |</c>, V = voice activity flag, level = -dBov 0..127 (0 loudest, 127 silence).
    /// </summary>
    public static bool TryReadAudioLevel(ReadOnlySpan<byte> value, out bool voice, out byte level)
    {
        if (value.Length < 1) { voice = false; level = 127; return false; }
        voice = (value[0] & 0x80) != 0;
        level = (byte)(value[0] & 0x7F);
        return true;
    }

    public static byte EncodeAudioLevel(bool voice, int level)
        => (byte)((voice ? 0x80 : 0) | Math.Clamp(level, 0, 127));

    /// <summary>Transport-wide sequence number: 16 bits, network order.</summary>
    public static bool TryReadTransportWideSeq(ReadOnlySpan<byte> value, out ushort seq)
    {
        if (value.Length < 2) { seq = 0; return false; }
        seq = BinaryPrimitives.ReadUInt16BigEndian(value);
        return true;
    }

    public static void WriteTransportWideSeq(Span<byte> value, ushort seq) => BinaryPrimitives.WriteUInt16BigEndian(value, seq);

    /// <summary>abs-send-time: 24 bits, 6.18 fixed point seconds (wraps every 64 s).</summary>
    public static bool TryReadAbsSendTime(ReadOnlySpan<byte> value, out uint sendTime24)
    {
        if (value.Length < 3) { sendTime24 = 0; return false; }
        sendTime24 = (uint)(value[0] << 16 | value[1] << 8 | value[2]);
        return true;
    }

    public static void WriteAbsSendTime(Span<byte> value, uint sendTime24)
    {
        value[0] = (byte)(sendTime24 >> 16);
        value[1] = (byte)(sendTime24 >> 8);
        value[2] = (byte)sendTime24;
    }

    /// <summary>Converts 100 ns ticks to abs-send-time 6.18 (the epoch does not matter: receivers use deltas).</summary>
    public static uint AbsSendTimeFromTicks(long ticks)
        => (uint)(((ulong)ticks << 18) / TimeSpan.TicksPerSecond) & 0xFFFFFF;

    /// <summary>6.18 abs-send-time to 100 ns ticks within its 64 s window.</summary>
    public static long AbsSendTimeToTicks(uint sendTime24) => ((long)(sendTime24 & 0xFFFFFF) * TimeSpan.TicksPerSecond) >> 18;

    /// <summary>
    /// RFC 8852 §3 / RFC 7941: mid and rid are SDES items carried as raw US-ASCII without padding; a
    /// trailing NUL some senders add is ignored.
    /// </summary>
    public static ReadOnlySpan<byte> TrimSdesValue(ReadOnlySpan<byte> value)
    {
        int end = value.IndexOf((byte)0);
        return end < 0 ? value : value[..end];
    }

    /// <summary>Decodes a mid/rid value (allocates a string: use off the hot path or compare bytes instead).</summary>
    public static string ReadSdesString(ReadOnlySpan<byte> value) => Encoding.ASCII.GetString(TrimSdesValue(value));

    /// <summary>Compares a mid/rid value with an ASCII string without allocating.</summary>
    public static bool SdesEquals(ReadOnlySpan<byte> value, string expected)
    {
        var v = TrimSdesValue(value);
        if (v.Length != expected.Length) return false;
        for (int i = 0; i < v.Length; i++)
            if (v[i] != expected[i]) return false;
        return true;
    }
}
