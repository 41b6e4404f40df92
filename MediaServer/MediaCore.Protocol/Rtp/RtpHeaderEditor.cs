using System.Buffers.Binary;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Rtp;

/// <summary>
/// In-place header rewriting for forwarding (RFC 3550 §5.1 field positions). Callers pass a buffer that
/// <see cref="RtpPacket.TryParse(ReadOnlySpan{byte}, out RtpPacket)"/> accepted; nothing here allocates.
/// </summary>
public static class RtpHeaderEditor
{
    public static void SetMarker(Span<byte> packet, bool marker)
        => packet[1] = (byte)(marker ? packet[1] | 0x80 : packet[1] & 0x7F);

    public static void SetPayloadType(Span<byte> packet, PayloadType pt)
        => packet[1] = (byte)((packet[1] & 0x80) | (pt.Value & 0x7F));

    public static void SetSequenceNumber(Span<byte> packet, ushort seq)
        => BinaryPrimitives.WriteUInt16BigEndian(packet[2..], seq);

    public static void SetTimestamp(Span<byte> packet, RtpTimestamp ts)
        => BinaryPrimitives.WriteUInt32BigEndian(packet[4..], ts.Value);

    public static void SetSsrc(Span<byte> packet, Ssrc ssrc)
        => BinaryPrimitives.WriteUInt32BigEndian(packet[8..], ssrc.Value);

    /// <summary>
    /// Overwrites the value of element <paramref name="id"/> when it exists with the same length (e.g. a
    /// transport's own transport-wide seq or abs-send-time). False when absent or of another length.
    /// </summary>
    public static bool TryOverwriteExtension(Span<byte> packet, int id, ReadOnlySpan<byte> value)
    {
        if (!TryFind(packet, id, out int offset, out int length) || length != value.Length) return false;
        value.CopyTo(packet.Slice(offset, length));
        return true;
    }

    /// <summary>Finds element <paramref name="id"/>: offset of its value inside <paramref name="packet"/>.</summary>
    public static bool TryFind(ReadOnlySpan<byte> packet, int id, out int valueOffset, out int valueLength)
    {
        valueOffset = valueLength = 0;
        if (!RtpPacket.TryParse(packet, out var p)) return false;
        int area = p.ExtensionDataOffset;
        int headerSize = p.IsTwoByteExtension ? 2 : 1;
        foreach (var e in p.GetExtensions())
        {
            if (e.Id != id) continue;
            valueOffset = area + e.Offset + headerSize;
            valueLength = e.Data.Length;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Removes element <paramref name="id"/> without moving bytes: RFC 8285 §4.2/§4.3 treat 0 bytes as
    /// padding in both forms, so zeroing the element header and value leaves a valid block.
    /// </summary>
    public static bool RemoveExtension(Span<byte> packet, int id)
    {
        if (!RtpPacket.TryParse(packet, out var p)) return false;
        int area = p.ExtensionDataOffset;
        int headerSize = p.IsTwoByteExtension ? 2 : 1;
        bool removed = false;
        foreach (var e in p.GetExtensions())
        {
            if (e.Id != id) continue;
            packet.Slice(area + e.Offset, headerSize + e.Data.Length).Clear();
            removed = true;
        }
        return removed;
    }

    /// <summary>
    /// Re-maps element ids in place with <paramref name="translation"/> ([oldId] = newId, 0 = drop, see
    /// <see cref="RtpExtensionMap.BuildTranslation"/>). In the one-byte form a new id above 14 cannot be
    /// represented, so that element is dropped. Returns how many elements were dropped.
    /// </summary>
    public static int RemapExtensionIds(Span<byte> packet, ReadOnlySpan<byte> translation)
    {
        if (!RtpPacket.TryParse(packet, out var p) || translation.Length < 256) return 0;
        int area = p.ExtensionDataOffset;
        bool oneByte = p.IsOneByteExtension;
        int headerSize = oneByte ? 1 : 2;
        int dropped = 0;
        foreach (var e in p.GetExtensions())
        {
            int at = area + e.Offset;
            int newId = translation[e.Id];
            if (newId == 0 || (oneByte && newId > 14))
            {
                packet.Slice(at, headerSize + e.Data.Length).Clear();
                dropped++;
            }
            else if (oneByte)
            {
                packet[at] = (byte)((newId << 4) | (packet[at] & 0x0F));
            }
            else
            {
                packet[at] = (byte)newId;
            }
        }
        return dropped;
    }
}
