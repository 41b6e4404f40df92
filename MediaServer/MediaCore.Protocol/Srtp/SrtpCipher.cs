namespace MediaCore.Protocol.Srtp;

/// <summary>
/// The cryptographic transform of one direction, below the per-SSRC bookkeeping: given the packet
/// index it encrypts and tags, or verifies and decrypts, in place. One implementation per profile family.
/// </summary>
internal abstract class SrtpCipher : IDisposable
{
    public abstract int RtpTagLength { get; }
    public abstract int RtcpTagLength { get; }

    /// <summary>True when the AES-NI (and, for GCM, PCLMULQDQ) code path is in use.</summary>
    public abstract bool IsHardwareAccelerated { get; }

    /// <summary>True when a failed unprotect has written nothing, so the same input can be tried again.</summary>
    public abstract bool VerifiesBeforeDecrypting { get; }

    /// <summary>
    /// Encrypts <paramref name="buffer"/>[..<paramref name="length"/>] (an RTP packet whose header is
    /// <paramref name="headerLength"/> octets) and appends the tag; the buffer has room for it.
    /// Returns the SRTP length.
    /// </summary>
    public abstract int ProtectRtp(Span<byte> buffer, int length, int headerLength, uint ssrc, ulong index);

    /// <summary>
    /// Verifies <paramref name="packet"/> (a whole SRTP packet) and writes the RTP packet, header and
    /// decrypted payload, to <paramref name="output"/> (at least packet length minus tag; it may be the
    /// same memory as <paramref name="packet"/>, starting at the same address).
    /// </summary>
    public abstract bool UnprotectRtp(ReadOnlySpan<byte> packet, Span<byte> output, int headerLength, uint ssrc, ulong index);

    /// <summary>Encrypts an RTCP packet in place (E = 1) and appends the E|index word and the tag. Returns the SRTCP length.</summary>
    public abstract int ProtectRtcp(Span<byte> buffer, int length, uint ssrc, uint index);

    /// <summary>Offset of the E|SRTCP index word in an SRTCP packet of <paramref name="length"/> octets.</summary>
    public abstract int RtcpIndexOffset(int length);

    /// <summary>
    /// Verifies a whole SRTCP packet and writes the RTCP packet, decrypted when <paramref name="encrypted"/>
    /// (the E flag), to <paramref name="output"/> (same overlap rule as <see cref="UnprotectRtp"/>).
    /// </summary>
    public abstract bool UnprotectRtcp(ReadOnlySpan<byte> packet, Span<byte> output, uint ssrc, uint index, bool encrypted);

    public abstract void Dispose();
}
