using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MediaCore.Protocol.Srtp;

/// <summary>
/// AEAD_AES_128_GCM / AEAD_AES_256_GCM for SRTP and SRTCP (RFC 7714), one reused
/// <see cref="GaloisCounterMode"/> per session key (own AES-NI/PCLMULQDQ code, else
/// <see cref="AesGcm"/>).
/// </summary>
/// <remarks>
/// SRTP (RFC 7714 §8): the whole RTP header (with CSRCs and extension) is associated data, the payload
/// is encrypted, and a 16-octet tag follows. SRTCP (§9): the first 8 octets plus the E|SRTCP index word
/// are associated data, the rest is encrypted; the tag comes before the trailing index word:
/// <code>
/// +----------------+---------------------------+------------------+---------------+
/// | header (8, AAD)| encrypted RTCP remainder  | tag (16)         | E|index (4)   |
/// +----------------+---------------------------+------------------+---------------+
/// </code>
/// </remarks>
internal sealed class AesGcmCipher : SrtpCipher
{
    private const int TagLength = 16;
    private readonly GaloisCounterMode _rtp;
    private readonly GaloisCounterMode _rtcp;
    private readonly uint _rtpSaltHigh, _rtcpSaltHigh;
    private readonly ulong _rtpSaltLow, _rtcpSaltLow;

    public AesGcmCipher(SrtpSessionKeys keys, bool allowIntrinsics = true)
    {
        _rtp = GaloisCounterMode.Create(keys.RtpKey, allowIntrinsics);
        _rtcp = GaloisCounterMode.Create(keys.RtcpKey, allowIntrinsics);
        (_rtpSaltHigh, _rtpSaltLow) = SplitSalt(keys.RtpSalt);
        (_rtcpSaltHigh, _rtcpSaltLow) = SplitSalt(keys.RtcpSalt);
    }

    public override int RtpTagLength => TagLength;
    public override int RtcpTagLength => TagLength;
    public override bool IsHardwareAccelerated => _rtp is IntrinsicGcm;

    // The platform AesGcm clears its output when the tag fails, which in place destroys the input.
    public override bool VerifiesBeforeDecrypting => _rtp is IntrinsicGcm;

    public override int ProtectRtp(Span<byte> buffer, int length, int headerLength, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[12];
        BuildNonce(nonce, _rtpSaltHigh, _rtpSaltLow, ssrc, index);
        var payload = buffer[headerLength..length];
        _rtp.Encrypt(nonce, payload, payload, buffer.Slice(length, TagLength), buffer[..headerLength]);
        return length + TagLength;
    }

    public override bool UnprotectRtp(ReadOnlySpan<byte> packet, Span<byte> output, int headerLength, uint ssrc, ulong index)
    {
        int length = packet.Length - TagLength;
        Span<byte> nonce = stackalloc byte[12];
        BuildNonce(nonce, _rtpSaltHigh, _rtpSaltLow, ssrc, index);
        if (!_rtp.Decrypt(nonce, packet[headerLength..length], packet.Slice(length, TagLength),
                output[headerLength..length], packet[..headerLength]))
            return false;
        packet[..headerLength].CopyTo(output);
        return true;
    }

    public override int ProtectRtcp(Span<byte> buffer, int length, uint ssrc, uint index)
    {
        Span<byte> nonce = stackalloc byte[12];
        BuildNonce(nonce, _rtcpSaltHigh, _rtcpSaltLow, ssrc, index);
        uint word = 0x8000_0000u | index;
        Span<byte> aad = stackalloc byte[12];
        buffer[..8].CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad[8..], word);
        var body = buffer[8..length];
        _rtcp.Encrypt(nonce, body, body, buffer.Slice(length, TagLength), aad);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.Slice(length + TagLength, 4), word);
        return length + TagLength + 4;
    }

    public override int RtcpIndexOffset(int length) => length - 4;

    public override bool UnprotectRtcp(ReadOnlySpan<byte> packet, Span<byte> output, uint ssrc, uint index, bool encrypted)
    {
        int rtcpLength = packet.Length - TagLength - 4;
        Span<byte> nonce = stackalloc byte[12];
        BuildNonce(nonce, _rtcpSaltHigh, _rtcpSaltLow, ssrc, index);
        if (!encrypted) return VerifyUnencryptedRtcp(packet, output, nonce, rtcpLength);
        Span<byte> aad = stackalloc byte[12];
        packet[..8].CopyTo(aad);
        packet.Slice(packet.Length - 4, 4).CopyTo(aad[8..]);
        if (!_rtcp.Decrypt(nonce, packet[8..rtcpLength], packet.Slice(rtcpLength, TagLength), output[8..rtcpLength], aad))
            return false;
        aad[..8].CopyTo(output);
        return true;
    }

    /// <summary>
    /// E = 0 (RFC 7714 §9.2): nothing is encrypted; the RTCP packet followed by the E|index word is the
    /// associated data. They are not contiguous on the wire (the tag sits between), so the data is
    /// assembled in a pooled buffer; senders rarely choose this, so it is off the hot path.
    /// </summary>
    private bool VerifyUnencryptedRtcp(ReadOnlySpan<byte> packet, Span<byte> output, ReadOnlySpan<byte> nonce, int rtcpLength)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(rtcpLength + 4 + TagLength);
        try
        {
            var aad = rented.AsSpan(0, rtcpLength + 4);
            var tag = rented.AsSpan(rtcpLength + 4, TagLength);
            packet[..rtcpLength].CopyTo(aad);
            packet.Slice(packet.Length - 4, 4).CopyTo(aad[rtcpLength..]);
            packet.Slice(rtcpLength, TagLength).CopyTo(tag);
            if (!_rtcp.Decrypt(nonce, ReadOnlySpan<byte>.Empty, tag, Span<byte>.Empty, aad)) return false;
            aad[..rtcpLength].CopyTo(output);
            return true;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>IV = (0x0000 || SSRC || ROC || SEQ) XOR salt, or (0x0000 || SSRC || 0x0000 || 0|index) for SRTCP (RFC 7714 §8.1, §9.1).</summary>
    private static void BuildNonce(Span<byte> nonce, uint saltHigh, ulong saltLow, uint ssrc, ulong index)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, saltHigh ^ (ssrc >> 16));
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], saltLow ^ ((ulong)(ssrc & 0xFFFF) << 48) ^ index);
    }

    private static (uint High, ulong Low) SplitSalt(ReadOnlySpan<byte> salt) =>
        (BinaryPrimitives.ReadUInt32BigEndian(salt), BinaryPrimitives.ReadUInt64BigEndian(salt[4..]));

    public override void Dispose()
    {
        _rtp.Dispose();
        _rtcp.Dispose();
    }
}
