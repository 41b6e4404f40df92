using System.Buffers.Binary;

namespace MediaCore.Protocol.Rtcp;

/// <summary>
/// Picture Loss Indication (RFC 4585 §6.3.1): a payload-specific feedback message with no FCI.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=1   |   PT=206      |          length=2             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Small enough to be both reader and writer.
/// </summary>
public readonly record struct PictureLossIndication(uint SenderSsrc, uint MediaSsrc)
{
    public const int Size = 12;

    public static bool TryParse(ReadOnlySpan<byte> packet, out PictureLossIndication pli)
    {
        pli = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication, 8, out var p))
            return false;
        pli = new PictureLossIndication(BinaryPrimitives.ReadUInt32BigEndian(p.Body), BinaryPrimitives.ReadUInt32BigEndian(p.Body[4..]));
        return true;
    }

    public int GetSerializedSize() => Size;

    public int WriteTo(Span<byte> destination)
    {
        var d = destination[..Size];
        RtcpHeader.Write(d, RtcpFeedbackFormat.PictureLossIndication, RtcpPacketType.PayloadFeedback, Size);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], SenderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], MediaSsrc);
        return Size;
    }
}

/// <summary>One FIR FCI entry (RFC 5104 §4.3.1.1): the encoder to refresh and a command sequence number.</summary>
public readonly record struct FirEntry(uint Ssrc, byte SequenceNumber);

/// <summary>
/// Full Intra Request (RFC 5104 §4.3.1), a view over the packet bytes.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=4   |   PT=206      |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             SSRC of media source (unused, 0)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                              SSRC                             |  FCI,
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  repeated
/// | Seq nr.       |    Reserved                                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The sender increments Seq nr for each new request (§4.3.1.1) so repeats of one request are recognised.
/// </summary>
public readonly ref struct FullIntraRequest
{
    private readonly ReadOnlySpan<byte> _fci;

    private FullIntraRequest(uint sender, uint media, ReadOnlySpan<byte> fci)
    {
        SenderSsrc = sender;
        MediaSsrc = media;
        _fci = fci;
    }

    public uint SenderSsrc { get; }
    public uint MediaSsrc { get; }
    public int EntryCount => _fci.Length / 8;

    public FirEntry GetEntry(int index)
    {
        if ((uint)index >= (uint)EntryCount) throw new ArgumentOutOfRangeException(nameof(index));
        var e = _fci[(index * 8)..];
        return new FirEntry(BinaryPrimitives.ReadUInt32BigEndian(e), e[4]);
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out FullIntraRequest fir)
    {
        fir = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.FullIntraRequest, 16, out var p))
            return false;
        var fci = p.Body[8..];
        fir = new FullIntraRequest(BinaryPrimitives.ReadUInt32BigEndian(p.Body), BinaryPrimitives.ReadUInt32BigEndian(p.Body[4..]),
            fci[..(fci.Length & ~7)]);
        return true;
    }
}

/// <summary>Writes a FIR (RFC 5104 §4.3.1); the media SSRC field is 0 as §4.3.1.2 requires.</summary>
public readonly ref struct FullIntraRequestWriter
{
    private readonly uint _sender;
    private readonly ReadOnlySpan<FirEntry> _entries;

    public FullIntraRequestWriter(uint senderSsrc, ReadOnlySpan<FirEntry> entries)
    {
        if (entries.IsEmpty) throw new ArgumentException("A FIR needs at least one FCI entry.", nameof(entries));
        _sender = senderSsrc;
        _entries = entries;
    }

    public int GetSerializedSize() => 12 + _entries.Length * 8;

    public int WriteTo(Span<byte> destination)
    {
        int size = GetSerializedSize();
        var d = destination[..size];
        RtcpHeader.Write(d, RtcpFeedbackFormat.FullIntraRequest, RtcpPacketType.PayloadFeedback, size);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], _sender);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], 0);
        int offset = 12;
        foreach (var entry in _entries)
        {
            BinaryPrimitives.WriteUInt32BigEndian(d[offset..], entry.Ssrc);
            BinaryPrimitives.WriteUInt32BigEndian(d[(offset + 4)..], (uint)entry.SequenceNumber << 24);
            offset += 8;
        }
        return size;
    }
}

/// <summary>
/// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2), an application-layer
/// feedback message (RFC 4585 §6.4), a view over the packet bytes.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=15  |   PT=206      |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source (0)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Num SSRC     | BR Exp    |  BR Mantissa                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   SSRC feedback (repeated Num SSRC times)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Bitrate in bits per second = mantissa (18 bits) * 2^exp (6 bits).
/// </summary>
public readonly ref struct Remb
{
    /// <summary>'R' 'E' 'M' 'B' as a big-endian word.</summary>
    public const uint Identifier = 0x52454D42;
    private readonly ReadOnlySpan<byte> _ssrcs;

    private Remb(uint sender, ulong bitrate, ReadOnlySpan<byte> ssrcs)
    {
        SenderSsrc = sender;
        Bitrate = bitrate;
        _ssrcs = ssrcs;
    }

    public uint SenderSsrc { get; }
    /// <summary>Estimated maximum bitrate in bits per second.</summary>
    public ulong Bitrate { get; }
    public int SsrcCount => _ssrcs.Length / 4;

    public uint GetSsrc(int index)
    {
        if ((uint)index >= (uint)SsrcCount) throw new ArgumentOutOfRangeException(nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(_ssrcs[(index * 4)..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out Remb remb)
    {
        remb = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.ApplicationLayer, 16, out var p))
            return false;
        var b = p.Body;
        if (BinaryPrimitives.ReadUInt32BigEndian(b[8..]) != Identifier) return false;
        int count = b[12];
        int exp = b[13] >> 2;
        ulong mantissa = ((ulong)(b[13] & 0x03) << 16) | ((ulong)b[14] << 8) | b[15];
        ulong bitrate = mantissa << exp;
        if (exp >= 64 || (bitrate >> exp) != mantissa) return false; // would overflow 64 bits
        if (b.Length < 16 + count * 4) return false;
        remb = new Remb(BinaryPrimitives.ReadUInt32BigEndian(b), bitrate, b.Slice(16, count * 4));
        return true;
    }
}

/// <summary>Writes a REMB (draft-alvestrand-rmcat-remb-03 §2.2); bitrates below 2^18 are exact, larger ones round down.</summary>
public readonly ref struct RembWriter
{
    private readonly uint _sender;
    private readonly ulong _bitrate;
    private readonly ReadOnlySpan<uint> _ssrcs;

    public RembWriter(uint senderSsrc, ulong bitrateBps, ReadOnlySpan<uint> ssrcs)
    {
        if (ssrcs.Length > 255) throw new ArgumentException("At most 255 SSRCs fit a REMB.", nameof(ssrcs));
        _sender = senderSsrc;
        _bitrate = bitrateBps;
        _ssrcs = ssrcs;
    }

    public int GetSerializedSize() => 20 + _ssrcs.Length * 4;

    public int WriteTo(Span<byte> destination)
    {
        int size = GetSerializedSize();
        var d = destination[..size];
        RtcpHeader.Write(d, RtcpFeedbackFormat.ApplicationLayer, RtcpPacketType.PayloadFeedback, size);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], _sender);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(d[12..], Remb.Identifier);
        int exp = 0;
        ulong mantissa = _bitrate;
        while (mantissa >= (1UL << 18)) { mantissa >>= 1; exp++; }
        d[16] = (byte)_ssrcs.Length;
        d[17] = (byte)((exp << 2) | (int)(mantissa >> 16));
        d[18] = (byte)(mantissa >> 8);
        d[19] = (byte)mantissa;
        int offset = 20;
        foreach (uint ssrc in _ssrcs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(d[offset..], ssrc);
            offset += 4;
        }
        return size;
    }
}
