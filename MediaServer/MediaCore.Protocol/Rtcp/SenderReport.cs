using System.Buffers.Binary;

namespace MediaCore.Protocol.Rtcp;

/// <summary>
/// Sender report (RFC 3550 §6.4.1), a view over the packet bytes.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    RC   |   PT=SR=200   |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         SSRC of sender                        |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |              NTP timestamp, most significant word             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             NTP timestamp, least significant word             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP timestamp                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     sender's packet count                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      sender's octet count                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 report blocks (24 bytes each)                 |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                  profile-specific extensions                  |
/// </code>
/// </summary>
public readonly ref struct SenderReport
{
    private const int FixedBody = 24;
    private readonly ReadOnlySpan<byte> _body;

    private SenderReport(ReadOnlySpan<byte> body, int count)
    {
        _body = body;
        ReportBlocks = new ReportBlockList(body[FixedBody..], count);
    }

    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    /// <summary>64-bit NTP timestamp (seconds since 1900 in the high word, fraction in the low word).</summary>
    public ulong NtpTimestamp => BinaryPrimitives.ReadUInt64BigEndian(_body[4..]);
    public uint RtpTimestamp => BinaryPrimitives.ReadUInt32BigEndian(_body[12..]);
    public uint PacketCount => BinaryPrimitives.ReadUInt32BigEndian(_body[16..]);
    public uint OctetCount => BinaryPrimitives.ReadUInt32BigEndian(_body[20..]);
    public ReportBlockList ReportBlocks { get; }

    /// <summary>Parses one SR packet (header included, e.g. <see cref="RtcpPacket.Raw"/>).</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out SenderReport report)
    {
        report = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.SenderReport, -1, FixedBody, out var p)) return false;
        int count = p.Format;
        if (p.Body.Length < FixedBody + count * ReportBlock.Size) return false;
        report = new SenderReport(p.Body, count);
        return true;
    }
}

/// <summary>Sender-info fields of an SR (RFC 3550 §6.4.1).</summary>
public readonly record struct SenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount);

/// <summary>Writes a sender report with up to 31 report blocks (RFC 3550 §6.4.1).</summary>
public readonly ref struct SenderReportWriter
{
    private readonly uint _ssrc;
    private readonly SenderInfo _info;
    private readonly ReadOnlySpan<ReportBlock> _blocks;

    public SenderReportWriter(uint ssrc, SenderInfo info, ReadOnlySpan<ReportBlock> blocks = default)
    {
        if (blocks.Length > 31) throw new ArgumentException("At most 31 report blocks fit an SR.", nameof(blocks));
        _ssrc = ssrc;
        _info = info;
        _blocks = blocks;
    }

    public int GetSerializedSize() => RtcpHeader.Size + 24 + _blocks.Length * ReportBlock.Size;

    public int WriteTo(Span<byte> destination)
    {
        int size = GetSerializedSize();
        var d = destination[..size];
        RtcpHeader.Write(d, (byte)_blocks.Length, RtcpPacketType.SenderReport, size);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], _ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(d[8..], _info.NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(d[16..], _info.RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(d[20..], _info.PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(d[24..], _info.OctetCount);
        int offset = 28;
        foreach (var block in _blocks) offset += block.WriteTo(d[offset..]);
        return size;
    }
}

/// <summary>
/// Receiver report (RFC 3550 §6.4.2): like an SR without the sender info.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    RC   |   PT=RR=201   |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     SSRC of packet sender                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 report blocks (24 bytes each)                 |
/// </code>
/// </summary>
public readonly ref struct ReceiverReport
{
    private readonly ReadOnlySpan<byte> _body;

    private ReceiverReport(ReadOnlySpan<byte> body, int count)
    {
        _body = body;
        ReportBlocks = new ReportBlockList(body[4..], count);
    }

    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    public ReportBlockList ReportBlocks { get; }

    public static bool TryParse(ReadOnlySpan<byte> packet, out ReceiverReport report)
    {
        report = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.ReceiverReport, -1, 4, out var p)) return false;
        int count = p.Format;
        if (p.Body.Length < 4 + count * ReportBlock.Size) return false;
        report = new ReceiverReport(p.Body, count);
        return true;
    }
}

/// <summary>Writes a receiver report with up to 31 report blocks (RFC 3550 §6.4.2).</summary>
public readonly ref struct ReceiverReportWriter
{
    private readonly uint _ssrc;
    private readonly ReadOnlySpan<ReportBlock> _blocks;

    public ReceiverReportWriter(uint ssrc, ReadOnlySpan<ReportBlock> blocks = default)
    {
        if (blocks.Length > 31) throw new ArgumentException("At most 31 report blocks fit an RR.", nameof(blocks));
        _ssrc = ssrc;
        _blocks = blocks;
    }

    public int GetSerializedSize() => RtcpHeader.Size + 4 + _blocks.Length * ReportBlock.Size;

    public int WriteTo(Span<byte> destination)
    {
        int size = GetSerializedSize();
        var d = destination[..size];
        RtcpHeader.Write(d, (byte)_blocks.Length, RtcpPacketType.ReceiverReport, size);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], _ssrc);
        int offset = 8;
        foreach (var block in _blocks) offset += block.WriteTo(d[offset..]);
        return size;
    }
}
