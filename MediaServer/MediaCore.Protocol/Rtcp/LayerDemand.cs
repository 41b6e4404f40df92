using System.Buffers.Binary;

namespace MediaCore.Protocol.Rtcp;

/// <summary>What a receiving node needs of one simulcast track it gets over a relay link.</summary>
/// <param name="MediaSsrc">The track's SSRC on the link.</param>
/// <param name="Bitrate">Bits per second of the best-connected receiver that follows bandwidth (0: none does).</param>
/// <param name="MinimumLayer">The highest simulcast layer a receiver pinned (0 = lowest), or null.</param>
public readonly record struct LayerDemandItem(uint MediaSsrc, uint Bitrate, int? MinimumLayer);

/// <summary>
/// MediaCore's layer demand, an RTCP APP packet (RFC 3550 §6.7, subtype 0, name "MCLD") that only our own relay links
/// carry (both ends are MediaCore nodes; REMB carries one bitrate for a list of SSRCs and no layer): per track, the bandwidth
/// and the pinned layer of the receivers behind the sending node, so the origin sends the highest layer any of them needs.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| subtype=0 |   PT=204      |             length            |
/// |                  SSRC of packet sender                        |
/// |  name 'M' 'C' 'L' 'D'                                         |
/// |  media SSRC                                                   |  \
/// |  bitrate (bits per second)                                    |   } repeated per track
/// |  min layer (255: none) |            reserved (0)              |  /
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// A view over the packet bytes; allocation-free.
/// </summary>
public readonly ref struct LayerDemandPacket
{
    /// <summary>'M' 'C' 'L' 'D' as a big-endian word.</summary>
    public const uint Name = 0x4D434C44;
    public const int ItemSize = 12;
    /// <summary>Items that fit one packet in a 1,200-byte datagram with SRTCP overhead.</summary>
    public const int MaxItems = 96;
    private readonly ReadOnlySpan<byte> _items;

    private LayerDemandPacket(uint sender, ReadOnlySpan<byte> items)
    {
        SenderSsrc = sender;
        _items = items;
    }

    public uint SenderSsrc { get; }
    public int Count => _items.Length / ItemSize;

    public LayerDemandItem GetItem(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        var b = _items.Slice(index * ItemSize, ItemSize);
        byte layer = b[8];
        return new LayerDemandItem(BinaryPrimitives.ReadUInt32BigEndian(b), BinaryPrimitives.ReadUInt32BigEndian(b[4..]), layer == 255 ? null : layer);
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out LayerDemandPacket demand)
    {
        demand = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.ApplicationDefined, 0, 8, out var p)) return false;
        var b = p.Body;
        if (BinaryPrimitives.ReadUInt32BigEndian(b[4..]) != Name || (b.Length - 8) % ItemSize != 0) return false;
        demand = new LayerDemandPacket(BinaryPrimitives.ReadUInt32BigEndian(b), b[8..]);
        return true;
    }
}

/// <summary>Writes a <see cref="LayerDemandPacket"/>.</summary>
public readonly ref struct LayerDemandWriter
{
    private readonly uint _sender;
    private readonly ReadOnlySpan<LayerDemandItem> _items;

    public LayerDemandWriter(uint senderSsrc, ReadOnlySpan<LayerDemandItem> items)
    {
        if (items.Length > LayerDemandPacket.MaxItems) throw new ArgumentException($"At most {LayerDemandPacket.MaxItems} items fit a layer demand.", nameof(items));
        _sender = senderSsrc;
        _items = items;
    }

    public int GetSerializedSize() => 12 + _items.Length * LayerDemandPacket.ItemSize;

    public int WriteTo(Span<byte> destination)
    {
        int size = GetSerializedSize();
        var d = destination[..size];
        RtcpHeader.Write(d, 0, RtcpPacketType.ApplicationDefined, size);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], _sender);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], LayerDemandPacket.Name);
        int offset = 12;
        foreach (var item in _items)
        {
            var e = d.Slice(offset, LayerDemandPacket.ItemSize);
            BinaryPrimitives.WriteUInt32BigEndian(e, item.MediaSsrc);
            BinaryPrimitives.WriteUInt32BigEndian(e[4..], item.Bitrate);
            e[8] = item.MinimumLayer is { } l ? (byte)Math.Clamp(l, 0, 254) : (byte)255;
            e[9] = e[10] = e[11] = 0;
            offset += LayerDemandPacket.ItemSize;
        }
        return size;
    }
}
