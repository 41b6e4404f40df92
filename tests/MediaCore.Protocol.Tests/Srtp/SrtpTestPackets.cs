using System.Buffers.Binary;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Tests.Srtp;

/// <summary>Builders shared by the SRTP tests.</summary>
internal static class SrtpTestPackets
{
    public static readonly SrtpProfile[] Profiles =
        [SrtpProfile.Aes128CmHmacSha1_80, SrtpProfile.Aes128CmHmacSha1_32, SrtpProfile.AeadAes128Gcm, SrtpProfile.AeadAes256Gcm];

    public static IEnumerable<object[]> AllProfiles() => Profiles.Select(p => new object[] { p });

    /// <summary>An RTP packet: V=2, PT 96, optional CSRCs and a one-byte-header extension, payload of a seeded pattern.</summary>
    public static byte[] MakeRtp(ushort seq, uint ssrc, int payloadLength, int csrcCount = 0, int extensionWords = 0, uint timestamp = 0)
    {
        int header = 12 + 4 * csrcCount + (extensionWords > 0 ? 4 + 4 * extensionWords : 0);
        var packet = new byte[header + payloadLength];
        packet[0] = (byte)(0x80 | (extensionWords > 0 ? 0x10 : 0) | csrcCount);
        packet[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), seq);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        for (int i = 0; i < csrcCount; i++) BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12 + 4 * i), 0x1000u + (uint)i);
        if (extensionWords > 0)
        {
            int at = 12 + 4 * csrcCount;
            packet[at] = 0xBE;
            packet[at + 1] = 0xDE;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at + 2), (ushort)extensionWords);
            for (int i = 0; i < 4 * extensionWords; i++) packet[at + 4 + i] = (byte)(0x10 + i);
        }
        for (int i = 0; i < payloadLength; i++) packet[header + i] = (byte)(seq * 7 + i);
        return packet;
    }

    /// <summary>An RTCP receiver report from <paramref name="ssrc"/> with one report block (32 octets).</summary>
    public static byte[] MakeRtcp(uint ssrc, byte fill = 0x5A)
    {
        var packet = new byte[32];
        packet[0] = 0x81;
        packet[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 7);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ssrc);
        packet.AsSpan(8).Fill(fill);
        return packet;
    }

    public static (SrtpContext Sender, SrtpContext Receiver) Pair(SrtpProfile profile, int seed = 1)
    {
        var rng = new Random(seed);
        var key = new byte[SrtpProfileInfo.MasterKeyLength(profile)];
        var salt = new byte[SrtpProfileInfo.MasterSaltLength(profile)];
        rng.NextBytes(key);
        rng.NextBytes(salt);
        return (new SrtpContext(profile, key, salt), new SrtpContext(profile, key, salt));
    }

    public static byte[] Protect(SrtpContext ctx, byte[] rtp)
    {
        var output = new byte[rtp.Length + ctx.RtpOverhead];
        int n = ctx.ProtectRtp(rtp, output);
        return output[..n];
    }

    public static byte[] ProtectRtcp(SrtpContext ctx, byte[] rtcp)
    {
        var output = new byte[rtcp.Length + ctx.RtcpOverhead];
        int n = ctx.ProtectRtcp(rtcp, output);
        return output[..n];
    }
}
