using System.Buffers.Binary;

namespace MediaCore.Protocol.Rtcp;

/// <summary>
/// A reception report block (RFC 3550 §6.4.1), carried by SR and RR.
/// <code>
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 SSRC_1 (SSRC of first source)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | fraction lost |       cumulative number of packets lost       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           extended highest sequence number received           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      interarrival jitter                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         last SR (LSR)                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   delay since last SR (DLSR)                  |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// </code>
/// </summary>
/// <param name="Ssrc">The source this block reports on.</param>
/// <param name="FractionLost">Fraction lost since the previous report, in 1/256 (App. A.3).</param>
/// <param name="CumulativeLost">Packets lost since the start, a 24-bit signed value (duplicates may make it negative).</param>
/// <param name="ExtendedHighestSeq">Cycles in the high 16 bits, highest sequence number in the low 16.</param>
/// <param name="Jitter">Interarrival jitter in RTP timestamp units (App. A.8).</param>
/// <param name="LastSr">Middle 32 bits of the NTP timestamp of the last SR received from this source, or 0.</param>
/// <param name="DelaySinceLastSr">Delay since that SR, in 1/65536 s, or 0.</param>
public readonly record struct ReportBlock(
    uint Ssrc, byte FractionLost, int CumulativeLost, uint ExtendedHighestSeq, uint Jitter, uint LastSr,
    uint DelaySinceLastSr)
{
    public const int Size = 24;

    /// <summary>Largest and smallest values the 24-bit signed cumulative-lost field carries.</summary>
    public const int MaxCumulativeLost = 0x7FFFFF, MinCumulativeLost = -0x800000;

    public static ReportBlock Read(ReadOnlySpan<byte> data)
    {
        int lost = (data[5] << 16) | (data[6] << 8) | data[7];
        if ((lost & 0x800000) != 0) lost |= unchecked((int)0xFF000000); // sign-extend 24 bits
        return new ReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(data),
            data[4],
            lost,
            BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[20..]));
    }

    public int WriteTo(Span<byte> destination)
    {
        int lost = Math.Clamp(CumulativeLost, MinCumulativeLost, MaxCumulativeLost);
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        destination[4] = FractionLost;
        destination[5] = (byte)(lost >> 16);
        destination[6] = (byte)(lost >> 8);
        destination[7] = (byte)lost;
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ExtendedHighestSeq);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], LastSr);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], DelaySinceLastSr);
        return Size;
    }
}

/// <summary>The report blocks of an SR or RR, read lazily from the packet bytes.</summary>
public readonly ref struct ReportBlockList
{
    private readonly ReadOnlySpan<byte> _data;

    internal ReportBlockList(ReadOnlySpan<byte> data, int count)
    {
        _data = data;
        Count = count;
    }

    public int Count { get; }

    public ReportBlock this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            return ReportBlock.Read(_data.Slice(index * ReportBlock.Size, ReportBlock.Size));
        }
    }

    public Enumerator GetEnumerator() => new(this);

    public ref struct Enumerator
    {
        private readonly ReportBlockList _list;
        private int _index;

        internal Enumerator(ReportBlockList list) { _list = list; _index = -1; }
        public bool MoveNext() => ++_index < _list.Count;
        public readonly ReportBlock Current => _list[_index];
    }
}
