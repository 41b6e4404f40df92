using System.Buffers.Binary;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Srtp;

/// <summary>
/// SRTP/SRTCP cryptographic context for one direction (RFC 3711 §3.2): session keys derived once,
/// plus per-SSRC state (rollover counter, highest index, replay lists, SRTCP index) created on first
/// sight of an SSRC. Protect and unprotect write into caller buffers and allocate nothing per packet.
/// </summary>
/// <remarks>
/// Use one context to protect what you send and another to unprotect what you receive
/// (<see cref="SrtpSession"/> builds both from DTLS-SRTP keying material). Not thread-safe: drive
/// each context from one thread at a time. No MKI is used (DTLS-SRTP does not need one).
/// </remarks>
public sealed class SrtpContext : IDisposable, IPacketProtector
{
    private readonly SrtpCipher _cipher;
    private readonly Dictionary<uint, RtpStreamState> _rtpStreams = new();
    private readonly Dictionary<uint, RtcpStreamState> _rtcpStreams = new();
    private uint _lastRtpSsrc;
    private RtpStreamState? _lastRtpStream;

    /// <summary>Creates a context from a master key and master salt (RFC 3711 §4.3, kdr = 0).</summary>
    public SrtpContext(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
        : this(SrtpKeyDerivation.DeriveSessionKeys(profile, masterKey, masterSalt))
    {
    }

    internal SrtpContext(SrtpSessionKeys keys, bool allowIntrinsics = true)
    {
        Profile = keys.Profile;
        _cipher = SrtpProfileInfo.IsAead(keys.Profile)
            ? new AesGcmCipher(keys, allowIntrinsics)
            : new AesCmHmacSha1Cipher(keys, allowIntrinsics);
        RtpOverhead = _cipher.RtpTagLength;
        RtcpOverhead = 4 + _cipher.RtcpTagLength;
    }

    /// <summary>The protection profile.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Octets protecting adds to an RTP packet; the destination needs this much room beyond the packet.</summary>
    public int RtpOverhead { get; }

    /// <summary>Octets protecting adds to an RTCP packet (E|index word plus tag).</summary>
    public int RtcpOverhead { get; }

    /// <summary>True when this context's cipher runs on AES-NI (and PCLMULQDQ for GCM) rather than the portable fallback.</summary>
    public bool IsHardwareAccelerated => _cipher.IsHardwareAccelerated;

    /// <summary>
    /// When false, unprotect skips the replay check (RFC 3711 §3.3.2 makes it a receiver's choice), e.g.
    /// for re-reading captured traffic. Authentication still applies. Default true.
    /// </summary>
    public bool ReplayProtection { get; set; } = true;

    // ---- SRTP ----------------------------------------------------------------------------------

    /// <summary>
    /// Protects <paramref name="rtp"/> into <paramref name="destination"/> (which may be the same memory)
    /// and returns the SRTP length. Throws <see cref="ArgumentException"/> when the input is not an RTP
    /// packet or the destination is shorter than the packet plus <see cref="RtpOverhead"/>.
    /// </summary>
    /// <remarks>
    /// The ROC is estimated from the SSRC's highest sequence number like a receiver would (RFC 3711 §3.3.1),
    /// starting at 0 with the first packet this context protects for the SSRC. Protecting the same SSRC and
    /// sequence number twice reuses the index, which is safe only for an identical packet (a verbatim
    /// retransmission); send altered repeats over RTX (RFC 4588) instead, above all with GCM.
    /// </remarks>
    public int ProtectRtp(ReadOnlySpan<byte> rtp, Span<byte> destination) =>
        TryProtectRtp(rtp, destination, null, out int written) ? written : throw InvalidRtp();

    /// <summary>
    /// As <see cref="ProtectRtp(ReadOnlySpan{byte}, Span{byte})"/> with the rollover counter given by the
    /// caller, e.g. a forwarder that tracks extended sequence numbers itself (ROC = extended SEQ &gt;&gt; 16).
    /// </summary>
    public int ProtectRtp(ReadOnlySpan<byte> rtp, Span<byte> destination, uint rolloverCounter) =>
        TryProtectRtp(rtp, destination, rolloverCounter, out int written) ? written : throw InvalidRtp();

    /// <summary>As <see cref="ProtectRtp(ReadOnlySpan{byte}, Span{byte})"/>, returning false instead of throwing.</summary>
    public bool TryProtectRtp(ReadOnlySpan<byte> rtp, Span<byte> destination, out int written) =>
        TryProtectRtp(rtp, destination, null, out written);

    /// <summary>
    /// Protects the RTP packet in <paramref name="buffer"/>[..<paramref name="length"/>] in place; the buffer
    /// must have <see cref="RtpOverhead"/> spare octets after it for the tag.
    /// </summary>
    public bool TryProtectRtpInPlace(Span<byte> buffer, int length, out int protectedLength) =>
        TryProtectRtpInPlace(buffer, length, null, out protectedLength);

    /// <summary>As <see cref="TryProtectRtpInPlace(Span{byte}, int, out int)"/> with a caller-given rollover counter.</summary>
    public bool TryProtectRtpInPlace(Span<byte> buffer, int length, uint rolloverCounter, out int protectedLength) =>
        TryProtectRtpInPlace(buffer, length, (uint?)rolloverCounter, out protectedLength);

    private bool TryProtectRtp(ReadOnlySpan<byte> rtp, Span<byte> destination, uint? rolloverCounter, out int written)
    {
        written = 0;
        if (destination.Length < rtp.Length + RtpOverhead) return false;
        if (ParseRtpHeader(rtp, rtp.Length, out int headerLength, out uint ssrc, out ushort seq) != SrtpResult.Ok) return false;
        rtp.CopyTo(destination);
        written = ProtectRtpCore(destination, rtp.Length, headerLength, ssrc, seq, rolloverCounter);
        return true;
    }

    private bool TryProtectRtpInPlace(Span<byte> buffer, int length, uint? rolloverCounter, out int protectedLength)
    {
        protectedLength = 0;
        if ((uint)length > (uint)buffer.Length || buffer.Length - length < RtpOverhead) return false;
        if (ParseRtpHeader(buffer, length, out int headerLength, out uint ssrc, out ushort seq) != SrtpResult.Ok) return false;
        protectedLength = ProtectRtpCore(buffer, length, headerLength, ssrc, seq, rolloverCounter);
        return true;
    }

    private static ArgumentException InvalidRtp() =>
        new("Not a valid RTP packet, or the destination is too small for it plus the SRTP tag.");

    /// <summary>
    /// Verifies, replay-checks and decrypts an SRTP packet into <paramref name="destination"/> (at least the
    /// packet length minus <see cref="RtpOverhead"/>; it may be the same memory as <paramref name="srtp"/>).
    /// <paramref name="length"/> is the RTP length on <see cref="SrtpResult.Ok"/>, else 0. Never throws on bad input.
    /// </summary>
    public SrtpResult UnprotectRtp(ReadOnlySpan<byte> srtp, Span<byte> destination, out int length)
    {
        length = 0;
        int tag = _cipher.RtpTagLength;
        if (srtp.Length < 12 + tag) return SrtpResult.TooShort;
        int rtpLength = srtp.Length - tag;
        var parsed = ParseRtpHeader(srtp, rtpLength, out int headerLength, out uint ssrc, out ushort seq);
        if (parsed != SrtpResult.Ok) return parsed;
        if (destination.Length < rtpLength) return SrtpResult.DestinationTooSmall;

        var stream = FindRtpStream(ssrc);
        ulong index = stream?.EstimateIndex(seq) ?? seq;
        if (stream is not null && ReplayProtection)
        {
            var replay = stream.Replay.Check(index);
            if (replay != SrtpResult.Ok) return replay;
        }
        if (!_cipher.UnprotectRtp(srtp, destination, headerLength, ssrc, index))
        {
            // The first packet we see of a stream is taken to have ROC 0, but if the sender wrapped just
            // before it (its first packets lost or reordered behind it) the true ROC is 1 and every later
            // packet would fail too (libsrtp issue 729). So a new stream's low sequence number gets one
            // retry with ROC 1, when a failed attempt leaves the input intact.
            bool inputIntact = _cipher.VerifiesBeforeDecrypting || !srtp.Overlaps(destination);
            if (stream is not null || seq >= 32768 || !inputIntact) return SrtpResult.AuthenticationFailed;
            index = (1UL << 16) | seq;
            if (!_cipher.UnprotectRtp(srtp, destination, headerLength, ssrc, index)) return SrtpResult.AuthenticationFailed;
        }

        // State for a new SSRC is created only once a packet authenticated, so forged packets with
        // random SSRCs cannot make the context allocate.
        stream ??= AddRtpStream(ssrc);
        stream.Update(index);
        stream.Replay.Accept(index);
        length = rtpLength;
        return SrtpResult.Ok;
    }

    /// <summary>Unprotects the SRTP packet in <paramref name="packet"/> in place (see <see cref="UnprotectRtp"/>).
    /// On failure the packet is left as it was, except on CPUs without AES-NI where the platform GCM clears the payload.</summary>
    public SrtpResult UnprotectRtpInPlace(Span<byte> packet, out int length) => UnprotectRtp(packet, packet, out length);

    // ---- SRTCP ---------------------------------------------------------------------------------

    /// <summary>
    /// Protects an RTCP (compound) packet into <paramref name="destination"/> (which may be the same memory),
    /// always encrypting (E = 1), and returns the SRTCP length. Throws <see cref="ArgumentException"/> when the
    /// input is not RTCP or the destination is shorter than the packet plus <see cref="RtcpOverhead"/>.
    /// </summary>
    public int ProtectRtcp(ReadOnlySpan<byte> rtcp, Span<byte> destination) =>
        TryProtectRtcp(rtcp, destination, out int written)
            ? written
            : throw new ArgumentException("Not a valid RTCP packet, or the destination is too small for it plus the SRTCP trailer.");

    /// <summary>As <see cref="ProtectRtcp"/>, returning false instead of throwing.</summary>
    public bool TryProtectRtcp(ReadOnlySpan<byte> rtcp, Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < rtcp.Length + RtcpOverhead || !IsRtcpHeader(rtcp)) return false;
        rtcp.CopyTo(destination);
        written = ProtectRtcpCore(destination, rtcp.Length);
        return true;
    }

    /// <summary>Protects the RTCP packet in <paramref name="buffer"/>[..<paramref name="length"/>] in place; the
    /// buffer must have <see cref="RtcpOverhead"/> spare octets after it.</summary>
    public bool TryProtectRtcpInPlace(Span<byte> buffer, int length, out int protectedLength)
    {
        protectedLength = 0;
        if ((uint)length > (uint)buffer.Length || buffer.Length - length < RtcpOverhead) return false;
        if (!IsRtcpHeader(buffer[..length])) return false;
        protectedLength = ProtectRtcpCore(buffer, length);
        return true;
    }

    /// <summary>
    /// Verifies, replay-checks (per sender SSRC, on the SRTCP index of RFC 3711 §3.4) and decrypts an SRTCP
    /// packet into <paramref name="destination"/>. Packets sent with E = 0 are accepted unencrypted.
    /// Never throws on bad input.
    /// </summary>
    public SrtpResult UnprotectRtcp(ReadOnlySpan<byte> srtcp, Span<byte> destination, out int length)
    {
        length = 0;
        int overhead = RtcpOverhead;
        if (srtcp.Length < 8 + overhead) return SrtpResult.TooShort;
        if (!IsRtcpHeader(srtcp)) return SrtpResult.InvalidHeader;
        int rtcpLength = srtcp.Length - overhead;
        if (destination.Length < rtcpLength) return SrtpResult.DestinationTooSmall;

        uint word = BinaryPrimitives.ReadUInt32BigEndian(srtcp.Slice(_cipher.RtcpIndexOffset(srtcp.Length), 4));
        bool encrypted = (word & 0x8000_0000u) != 0;
        uint index = word & RtcpStreamState.MaxIndex;
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(srtcp[4..]);

        _rtcpStreams.TryGetValue(ssrc, out var stream);
        if (stream is not null && ReplayProtection)
        {
            var replay = stream.Replay.Check(index);
            if (replay != SrtpResult.Ok) return replay;
        }
        if (!_cipher.UnprotectRtcp(srtcp, destination, ssrc, index, encrypted)) return SrtpResult.AuthenticationFailed;

        if (stream is null)
        {
            stream = new RtcpStreamState();
            _rtcpStreams.Add(ssrc, stream);
        }
        stream.Replay.Accept(index);
        length = rtcpLength;
        return SrtpResult.Ok;
    }

    /// <summary>Unprotects the SRTCP packet in <paramref name="packet"/> in place (see <see cref="UnprotectRtcp"/>).</summary>
    public SrtpResult UnprotectRtcpInPlace(Span<byte> packet, out int length) => UnprotectRtcp(packet, packet, out length);

    // ---- per-SSRC state ------------------------------------------------------------------------

    /// <summary>The rollover counter of an SSRC's SRTP stream, if the context has seen it (RFC 3711 §3.3.1).</summary>
    public bool TryGetRolloverCounter(Ssrc ssrc, out uint rolloverCounter)
    {
        var stream = FindRtpStream(ssrc.Value);
        rolloverCounter = stream?.RolloverCounter ?? 0;
        return stream is not null;
    }

    /// <summary>
    /// Sets an SSRC's rollover counter and highest sequence number, for a stream joined mid-way whose ROC is
    /// known out of band (RFC 3711 §3.3.1). Creates the state if needed.
    /// </summary>
    public void SetRolloverCounter(Ssrc ssrc, uint rolloverCounter, ushort highestSequenceNumber)
    {
        var stream = FindRtpStream(ssrc.Value) ?? AddRtpStream(ssrc.Value);
        stream.SetRolloverCounter(rolloverCounter, highestSequenceNumber);
    }

    /// <summary>Forgets an SSRC's SRTP and SRTCP state (e.g. after RTCP BYE), so long sessions do not accumulate it.</summary>
    public void RemoveStream(Ssrc ssrc)
    {
        _rtpStreams.Remove(ssrc.Value);
        _rtcpStreams.Remove(ssrc.Value);
        if (_lastRtpSsrc == ssrc.Value) _lastRtpStream = null;
    }

    /// <summary>Sets the next SRTCP index an SSRC will send (tests reproduce published vectors with it).</summary>
    internal void SetNextSrtcpIndex(uint ssrc, uint index) => GetOrAddRtcpStream(ssrc).NextIndex = index & RtcpStreamState.MaxIndex;

    public void Dispose() => _cipher.Dispose();

    int IPacketProtector.MaxOverhead => Math.Max(RtpOverhead, RtcpOverhead);

    int IPacketProtector.Protect(Span<byte> buffer, int length, bool rtcp)
    {
        int protectedLength;
        bool ok = rtcp ? TryProtectRtcpInPlace(buffer, length, out protectedLength) : TryProtectRtpInPlace(buffer, length, out protectedLength);
        return ok ? protectedLength : -1;
    }

    void IPacketProtector.Release() => Dispose();

    // ---- internals -----------------------------------------------------------------------------

    private int ProtectRtpCore(Span<byte> buffer, int length, int headerLength, uint ssrc, ushort seq, uint? rolloverCounter)
    {
        // Without a caller-given ROC the sender estimates the index like a receiver (RFC 3711 §3.3.1), so
        // reordered or repeated sequence numbers from a forwarding path keep the ROC they were sent with.
        var stream = FindRtpStream(ssrc) ?? AddRtpStream(ssrc);
        ulong index = rolloverCounter is uint roc ? ((ulong)roc << 16) | seq : stream.EstimateIndex(seq);
        stream.Update(index);
        return _cipher.ProtectRtp(buffer, length, headerLength, ssrc, index);
    }

    private int ProtectRtcpCore(Span<byte> buffer, int length)
    {
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        uint index = GetOrAddRtcpStream(ssrc).TakeIndex();
        return _cipher.ProtectRtcp(buffer, length, ssrc, index);
    }

    private RtpStreamState? FindRtpStream(uint ssrc)
    {
        if (_lastRtpStream is not null && _lastRtpSsrc == ssrc) return _lastRtpStream;
        if (!_rtpStreams.TryGetValue(ssrc, out var stream)) return null;
        _lastRtpSsrc = ssrc;
        _lastRtpStream = stream;
        return stream;
    }

    private RtpStreamState AddRtpStream(uint ssrc)
    {
        var stream = new RtpStreamState();
        _rtpStreams.Add(ssrc, stream);
        _lastRtpSsrc = ssrc;
        _lastRtpStream = stream;
        return stream;
    }

    private RtcpStreamState GetOrAddRtcpStream(uint ssrc)
    {
        if (!_rtcpStreams.TryGetValue(ssrc, out var stream))
        {
            stream = new RtcpStreamState();
            _rtcpStreams.Add(ssrc, stream);
        }
        return stream;
    }

    // RTP header (RFC 3550 §5.1, §5.3.1); everything up to the payload is SRTP's clear, authenticated header.
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |V=2|P|X|  CC   |M|     PT      |       sequence number         |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                           timestamp                           |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                             SSRC                              |
    // +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
    // |                  CSRC list (CC x 32 bits)                     |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |  profile-defined (if X)       |   length in 32-bit words      |
    // |                  extension (length x 32 bits)                 |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

    /// <summary>
    /// Reads what SRTP needs from an RTP header within the first <paramref name="length"/> octets: the
    /// header length (fixed part, CSRCs, extension), SSRC and SEQ. Never throws.
    /// </summary>
    internal static SrtpResult ParseRtpHeader(ReadOnlySpan<byte> packet, int length, out int headerLength, out uint ssrc, out ushort seq)
    {
        headerLength = 0;
        ssrc = 0;
        seq = 0;
        if (length < 12 || packet.Length < length) return SrtpResult.TooShort;
        byte first = packet[0];
        if (first >> 6 != 2) return SrtpResult.InvalidHeader;
        int header = 12 + 4 * (first & 0x0F);
        if ((first & 0x10) != 0)
        {
            if (header + 4 > length) return SrtpResult.InvalidHeader;
            header += 4 + 4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(header + 2)..]);
        }
        if (header > length) return SrtpResult.InvalidHeader;
        headerLength = header;
        seq = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        return SrtpResult.Ok;
    }

    private static bool IsRtcpHeader(ReadOnlySpan<byte> packet) => packet.Length >= 8 && packet[0] >> 6 == 2;
}
