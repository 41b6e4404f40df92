using System.Buffers.Binary;
using System.Text;

namespace MediaCore.Protocol.Rtcp;

/// <summary>
/// Goodbye (RFC 3550 §6.6), a view over the packet bytes.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           SSRC/CSRC                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// :                              ...                              :
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |     length    |               reason for leaving            ... (opt)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly ref struct ByePacket
{
    private readonly ReadOnlySpan<byte> _body;

    private ByePacket(ReadOnlySpan<byte> body, int count, ReadOnlySpan<byte> reason)
    {
        _body = body;
        SsrcCount = count;
        Reason = reason;
    }

    public int SsrcCount { get; }
    /// <summary>UTF-8 reason text, empty when absent.</summary>
    public ReadOnlySpan<byte> Reason { get; }

    public uint GetSsrc(int index)
    {
        if ((uint)index >= (uint)SsrcCount) throw new ArgumentOutOfRangeException(nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(_body[(index * 4)..]);
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out ByePacket bye)
    {
        bye = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.Goodbye, -1, 0, out var p)) return false;
        int count = p.Format;
        int fixedLen = count * 4;
        if (p.Body.Length < fixedLen) return false;
        ReadOnlySpan<byte> reason = default;
        if (p.Body.Length > fixedLen)
        {
            int len = p.Body[fixedLen];
            if (fixedLen + 1 + len > p.Body.Length) return false;
            reason = p.Body.Slice(fixedLen + 1, len);
        }
        bye = new ByePacket(p.Body, count, reason);
        return true;
    }
}

/// <summary>Writes a BYE for up to 31 sources with an optional reason (RFC 3550 §6.6).</summary>
public readonly ref struct ByeWriter
{
    private readonly ReadOnlySpan<uint> _ssrcs;
    private readonly ReadOnlySpan<char> _reason;

    public ByeWriter(ReadOnlySpan<uint> ssrcs, ReadOnlySpan<char> reason = default)
    {
        if (ssrcs.Length > 31) throw new ArgumentException("At most 31 sources fit a BYE.", nameof(ssrcs));
        if (Encoding.UTF8.GetByteCount(reason) > 255) throw new ArgumentException("Reason exceeds 255 bytes.", nameof(reason));
        _ssrcs = ssrcs;
        _reason = reason;
    }

    public int GetSerializedSize()
    {
        int size = RtcpHeader.Size + _ssrcs.Length * 4;
        if (!_reason.IsEmpty) size += (1 + Encoding.UTF8.GetByteCount(_reason) + 3) & ~3;
        return size;
    }

    public int WriteTo(Span<byte> destination)
    {
        int size = GetSerializedSize();
        var d = destination[..size];
        RtcpHeader.Write(d, (byte)_ssrcs.Length, RtcpPacketType.Goodbye, size);
        int offset = 4;
        foreach (uint ssrc in _ssrcs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(d[offset..], ssrc);
            offset += 4;
        }
        if (!_reason.IsEmpty)
        {
            int len = Encoding.UTF8.GetBytes(_reason, d[(offset + 1)..]);
            d[offset] = (byte)len;
            d[(offset + 1 + len)..].Clear();
        }
        return size;
    }
}
