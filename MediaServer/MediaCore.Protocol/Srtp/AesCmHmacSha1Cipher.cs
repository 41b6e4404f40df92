using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MediaCore.Protocol.Srtp;

/// <summary>
/// AES_CM_128 encryption with HMAC-SHA1 authentication (RFC 3711 §4.1.1, §4.2.1), as used by the
/// SRTP_AES128_CM_HMAC_SHA1_80/_32 profiles (RFC 5764 §4.1.2).
/// </summary>
/// <remarks>
/// SRTP packet (RFC 3711 §3.1):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers ... / ext   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ &lt;+
/// |                  payload (encrypted) ...                      |  | authenticated
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ &lt;+ (+ ROC, not sent)
/// |                  authentication tag (80 or 32 bits)           |
/// </code>
/// SRTCP packet (RFC 3711 §3.4): 8-octet header in clear, the rest encrypted, then
/// E(1)|SRTCP index(31), then an 80-bit tag over everything before it.
/// </remarks>
internal sealed class AesCmHmacSha1Cipher : SrtpCipher
{
    private readonly AesCounterMode _rtpCipher;
    private readonly AesCounterMode _rtcpCipher;
    private readonly IncrementalHash _rtpMac;
    private readonly IncrementalHash _rtcpMac;
    private readonly ulong _rtpSaltHigh, _rtpSaltLow, _rtcpSaltHigh, _rtcpSaltLow;
    private readonly int _rtpTagLength;

    public AesCmHmacSha1Cipher(SrtpSessionKeys keys, bool allowIntrinsics = true)
    {
        _rtpTagLength = SrtpProfileInfo.RtpAuthTagLength(keys.Profile);
        _rtpCipher = new AesCounterMode(keys.RtpKey, allowIntrinsics);
        _rtcpCipher = new AesCounterMode(keys.RtcpKey, allowIntrinsics);
        _rtpMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtpAuthKey);
        _rtcpMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtcpAuthKey);
        (_rtpSaltHigh, _rtpSaltLow) = SplitSalt(keys.RtpSalt);
        (_rtcpSaltHigh, _rtcpSaltLow) = SplitSalt(keys.RtcpSalt);
    }

    public override int RtpTagLength => _rtpTagLength;
    public override int RtcpTagLength => 10;
    public override bool IsHardwareAccelerated => _rtpCipher.UsesIntrinsics;
    public override bool VerifiesBeforeDecrypting => true;

    public override int ProtectRtp(Span<byte> buffer, int length, int headerLength, uint ssrc, ulong index)
    {
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, _rtpSaltHigh, _rtpSaltLow, ssrc, index);
        _rtpCipher.Transform(iv, buffer[headerLength..length]);
        // The ROC goes where the tag will be (every tag is at least 4 octets), so the MAC input
        // "packet || ROC" is contiguous and costs one update instead of two.
        BinaryPrimitives.WriteUInt32BigEndian(buffer.Slice(length, 4), (uint)(index >> 16));
        Span<byte> mac = stackalloc byte[20];
        _rtpMac.AppendData(buffer[..(length + 4)]);
        _rtpMac.GetHashAndReset(mac);
        mac[.._rtpTagLength].CopyTo(buffer.Slice(length, _rtpTagLength));
        return length + _rtpTagLength;
    }

    public override bool UnprotectRtp(ReadOnlySpan<byte> packet, Span<byte> output, int headerLength, uint ssrc, ulong index)
    {
        int length = packet.Length - _rtpTagLength;
        uint roc = (uint)(index >> 16);
        Span<byte> received = stackalloc byte[_rtpTagLength];
        packet.Slice(length, _rtpTagLength).CopyTo(received);
        Span<byte> tag = stackalloc byte[_rtpTagLength];
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, _rtpSaltHigh, _rtpSaltLow, ssrc, index);

        if (output.Length < length + 4)
        {
            RtpTag(packet[..length], roc, tag);
            if (!CryptographicOperations.FixedTimeEquals(tag, received)) return false;
            packet[..headerLength].CopyTo(output);
            _rtpCipher.Transform(iv, packet[headerLength..length], output[headerLength..length]);
            return true;
        }

        // As in protect: the ROC goes right after the packet (over the tag, saved above, when in place)
        // so the MAC takes one contiguous update; a failure puts the tag back, leaving the input intact.
        packet[..length].CopyTo(output);
        var rocSlot = output.Slice(length, 4);
        BinaryPrimitives.WriteUInt32BigEndian(rocSlot, roc);
        Span<byte> mac = stackalloc byte[20];
        _rtpMac.AppendData(output[..(length + 4)]);
        _rtpMac.GetHashAndReset(mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[.._rtpTagLength], received))
        {
            received[..Math.Min(4, _rtpTagLength)].CopyTo(rocSlot);
            return false;
        }
        _rtpCipher.Transform(iv, output[headerLength..length]);
        return true;
    }

    public override int ProtectRtcp(Span<byte> buffer, int length, uint ssrc, uint index)
    {
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, _rtcpSaltHigh, _rtcpSaltLow, ssrc, index);
        _rtcpCipher.Transform(iv, buffer[8..length]);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.Slice(length, 4), 0x8000_0000u | index);
        RtcpTag(buffer[..(length + 4)], buffer.Slice(length + 4, 10));
        return length + 14;
    }

    public override int RtcpIndexOffset(int length) => length - 14;

    public override bool UnprotectRtcp(ReadOnlySpan<byte> packet, Span<byte> output, uint ssrc, uint index, bool encrypted)
    {
        int authenticated = packet.Length - 10;
        int rtcpLength = authenticated - 4;
        Span<byte> tag = stackalloc byte[10];
        RtcpTag(packet[..authenticated], tag);
        if (!CryptographicOperations.FixedTimeEquals(tag, packet[authenticated..])) return false;
        if (encrypted)
        {
            Span<byte> iv = stackalloc byte[16];
            BuildIv(iv, _rtcpSaltHigh, _rtcpSaltLow, ssrc, index);
            packet[..8].CopyTo(output);
            _rtcpCipher.Transform(iv, packet[8..rtcpLength], output[8..rtcpLength]);
        }
        else
        {
            packet[..rtcpLength].CopyTo(output);
        }
        return true;
    }

    /// <summary>HMAC-SHA1 over the packet then the ROC (RFC 3711 §4.2: M = Authenticated Portion || ROC), truncated.</summary>
    private void RtpTag(ReadOnlySpan<byte> authenticated, uint roc, Span<byte> tag)
    {
        Span<byte> rocBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(rocBytes, roc);
        Span<byte> mac = stackalloc byte[20];
        _rtpMac.AppendData(authenticated);
        _rtpMac.AppendData(rocBytes);
        _rtpMac.GetHashAndReset(mac);
        mac[..tag.Length].CopyTo(tag);
    }

    private void RtcpTag(ReadOnlySpan<byte> authenticated, Span<byte> tag)
    {
        Span<byte> mac = stackalloc byte[20];
        _rtcpMac.AppendData(authenticated);
        _rtcpMac.GetHashAndReset(mac);
        mac[..tag.Length].CopyTo(tag);
    }

    /// <summary>IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16) (RFC 3711 §4.1.1).</summary>
    private static void BuildIv(Span<byte> iv, ulong saltHigh, ulong saltLow, uint ssrc, ulong index)
    {
        BinaryPrimitives.WriteUInt64BigEndian(iv, saltHigh ^ ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(iv[8..], saltLow ^ (index << 16));
    }

    private static (ulong High, ulong Low) SplitSalt(ReadOnlySpan<byte> salt)
    {
        Span<byte> padded = stackalloc byte[16];
        salt.CopyTo(padded);
        return (BinaryPrimitives.ReadUInt64BigEndian(padded), BinaryPrimitives.ReadUInt64BigEndian(padded[8..]));
    }

    public override void Dispose()
    {
        _rtpCipher.Dispose();
        _rtcpCipher.Dispose();
        _rtpMac.Dispose();
        _rtcpMac.Dispose();
    }
}
