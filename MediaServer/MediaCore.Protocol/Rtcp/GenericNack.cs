using System.Buffers.Binary;

namespace MediaCore.Protocol.Rtcp;

/// <summary>
/// One Generic NACK FCI entry (RFC 4585 §6.2.1): packet ID plus a bitmask of the 16 following packets.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            PID                |             BLP               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Bit i of BLP (least significant = 0) set means PID + i + 1 is also lost.
/// </summary>
public readonly record struct NackItem(ushort PacketId, ushort LostBitmask)
{
    /// <summary>
    /// Packs lost sequence numbers, in ascending order by wrap-aware comparison, into as few FCI entries as
    /// possible. Returns how many entries were written to <paramref name="destination"/>.
    /// </summary>
    public static int Pack(ReadOnlySpan<ushort> lostAscending, Span<NackItem> destination)
    {
        int n = 0;
        int i = 0;
        while (i < lostAscending.Length && n < destination.Length)
        {
            ushort pid = lostAscending[i++];
            ushort blp = 0;
            while (i < lostAscending.Length)
            {
                int diff = (ushort)(lostAscending[i] - pid);
                if (diff == 0) { i++; continue; } // duplicate
                if (diff > 16) break;
                blp |= (ushort)(1 << (diff - 1));
                i++;
            }
            destination[n++] = new NackItem(pid, blp);
        }
        return n;
    }
}

/// <summary>
/// Generic NACK (RFC 4585 §6.2.1), a view over the packet bytes.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=1   |   PT=205      |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// :            FCI: one or more (PID, BLP) entries                :
/// </code>
/// </summary>
public readonly ref struct GenericNack
{
    private readonly ReadOnlySpan<byte> _fci;

    private GenericNack(uint sender, uint media, ReadOnlySpan<byte> fci)
    {
        SenderSsrc = sender;
        MediaSsrc = media;
        _fci = fci;
    }

    public uint SenderSsrc { get; }
    public uint MediaSsrc { get; }
    public int ItemCount => _fci.Length / 4;

    public NackItem GetItem(int index)
    {
        if ((uint)index >= (uint)ItemCount) throw new ArgumentOutOfRangeException(nameof(index));
        var e = _fci[(index * 4)..];
        return new NackItem(BinaryPrimitives.ReadUInt16BigEndian(e), BinaryPrimitives.ReadUInt16BigEndian(e[2..]));
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out GenericNack nack)
    {
        nack = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.GenericNack, 12, out var p))
            return false;
        var fci = p.Body[8..];
        nack = new GenericNack(BinaryPrimitives.ReadUInt32BigEndian(p.Body), BinaryPrimitives.ReadUInt32BigEndian(p.Body[4..]),
            fci[..(fci.Length & ~3)]);
        return true;
    }

    /// <summary>Every requested sequence number, in FCI order, without allocating.</summary>
    public LostEnumerator GetEnumerator() => new(_fci);

    public ref struct LostEnumerator
    {
        private readonly ReadOnlySpan<byte> _fci;
        private int _entry;
        private int _bit; // -1 = the PID itself, 0..15 = BLP bits
        private ushort _pid;
        private ushort _blp;

        internal LostEnumerator(ReadOnlySpan<byte> fci)
        {
            _fci = fci;
            _entry = -1;
            _bit = 16;
            _pid = _blp = 0;
            Current = 0;
        }

        public ushort Current { get; private set; }

        public bool MoveNext()
        {
            while (true)
            {
                if (_bit >= 16)
                {
                    _entry++;
                    if ((_entry + 1) * 4 > _fci.Length) return false;
                    _pid = BinaryPrimitives.ReadUInt16BigEndian(_fci[(_entry * 4)..]);
                    _blp = BinaryPrimitives.ReadUInt16BigEndian(_fci[(_entry * 4 + 2)..]);
                    _bit = 0;
                    Current = _pid;
                    return true;
                }
                int bit = _bit++;
                if ((_blp & (1 << bit)) != 0)
                {
                    Current = (ushort)(_pid + bit + 1);
                    return true;
                }
            }
        }
    }
}

/// <summary>Writes a Generic NACK (RFC 4585 §6.2.1); build the items with <see cref="NackItem.Pack"/>.</summary>
public readonly ref struct GenericNackWriter
{
    private readonly uint _sender;
    private readonly uint _media;
    private readonly ReadOnlySpan<NackItem> _items;

    public GenericNackWriter(uint senderSsrc, uint mediaSsrc, ReadOnlySpan<NackItem> items)
    {
        if (items.IsEmpty) throw new ArgumentException("A NACK needs at least one FCI entry.", nameof(items));
        _sender = senderSsrc;
        _media = mediaSsrc;
        _items = items;
    }

    public int GetSerializedSize() => 12 + _items.Length * 4;

    public int WriteTo(Span<byte> destination)
    {
        int size = GetSerializedSize();
        var d = destination[..size];
        RtcpHeader.Write(d, RtcpFeedbackFormat.GenericNack, RtcpPacketType.TransportFeedback, size);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], _sender);
        BinaryPrimitives.WriteUInt32BigEndian(d[8..], _media);
        int offset = 12;
        foreach (var item in _items)
        {
            BinaryPrimitives.WriteUInt16BigEndian(d[offset..], item.PacketId);
            BinaryPrimitives.WriteUInt16BigEndian(d[(offset + 2)..], item.LostBitmask);
            offset += 4;
        }
        return size;
    }
}
