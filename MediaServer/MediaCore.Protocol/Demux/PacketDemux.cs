using System.Buffers.Binary;

namespace MediaCore.Protocol.Demux;

/// <summary>What a datagram arriving on the shared WebRTC port is.</summary>
public enum PacketKind : byte
{
    Unknown = 0,
    Stun,
    Dtls,
    Rtp,
    Rtcp,
}

/// <summary>
/// Splits STUN, DTLS, RTP and RTCP sharing one UDP port, by first byte (RFC 7983 §7) and, inside the
/// RTP range, by packet type (RFC 5761 §4).
/// <code>
///                  +----------------+
///                  |        [0..3] -+--> STUN   (also needs the magic cookie, RFC 8489 §5)
///                  |      [16..19] -+--> ZRTP   (Unknown here)
///  packet -->      |      [20..63] -+--> DTLS
///                  |      [64..79] -+--> TURN channel (Unknown here)
///                  |    [128..191] -+--> RTP/RTCP
///                  +----------------+
/// </code>
/// </summary>
public static class PacketDemux
{
    private const int StunHeaderLength = 20;
    private const uint StunMagicCookie = 0x2112A442;
    private const int DtlsRecordHeaderLength = 13;
    private const int RtpMinLength = 12;
    private const int RtcpMinLength = 8;

    /// <summary>Classifies a datagram without reading past its header. Never throws.</summary>
    public static PacketKind Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty) return PacketKind.Unknown;
        byte b0 = datagram[0];
        if (b0 <= 3)
        {
            // The cookie check keeps a stray ZRTP/garbage datagram starting 0..3 away from the STUN parser.
            return datagram.Length >= StunHeaderLength && BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) == StunMagicCookie
                ? PacketKind.Stun
                : PacketKind.Unknown;
        }
        if (b0 >= 20 && b0 <= 63)
            return datagram.Length >= DtlsRecordHeaderLength ? PacketKind.Dtls : PacketKind.Unknown;
        if (b0 >= 128 && b0 <= 191)
        {
            if (datagram.Length < RtcpMinLength) return PacketKind.Unknown;
            // RFC 5761 §4: RTCP packet types 192..223 appear as marker bit + payload type 64..95 when read as RTP.
            int pt = datagram[1] & 0x7F;
            if (pt >= 64 && pt <= 95) return PacketKind.Rtcp;
            return datagram.Length >= RtpMinLength ? PacketKind.Rtp : PacketKind.Unknown;
        }
        return PacketKind.Unknown;
    }
}
