using System.Buffers.Binary;
using System.Text;

namespace MediaCore.Protocol.Rtcp;

/// <summary>SDES item types (RFC 3550 §6.5).</summary>
public static class SdesItemType
{
    public const byte End = 0;
    public const byte Cname = 1;
    public const byte Name = 2;
    public const byte Email = 3;
    public const byte Phone = 4;
    public const byte Location = 5;
    public const byte Tool = 6;
    public const byte Note = 7;
    public const byte Private = 8;
}

/// <summary>
/// Source description (RFC 3550 §6.5), a view over the packet bytes.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    SC   |  PT=SDES=202  |             length            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                          SSRC/CSRC_1                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    CNAME=1    |     length    | user and domain name        ...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | ... more items, then one or more null octets to a 32-bit boundary
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                          SSRC/CSRC_2 ...                      |
/// </code>
/// </summary>
public readonly ref struct SdesPacket
{
    private readonly ReadOnlySpan<byte> _body;

    private SdesPacket(ReadOnlySpan<byte> body, int count)
    {
        _body = body;
        ChunkCount = count;
    }

    public int ChunkCount { get; }

    public static bool TryParse(ReadOnlySpan<byte> packet, out SdesPacket sdes)
    {
        sdes = default;
        if (!RtcpPacket.TryParseTyped(packet, RtcpPacketType.SourceDescription, -1, 0, out var p)) return false;
        // Walk every chunk once so the enumerator below can trust the structure.
        var rest = p.Body;
        for (int i = 0; i < p.Format; i++)
        {
            if (!TrySplitChunk(rest, out _, out _, out int consumed)) return false;
            rest = rest[consumed..];
        }
        sdes = new SdesPacket(p.Body, p.Format);
        return true;
    }

    /// <summary>Finds the CNAME item of the first chunk that has one.</summary>
    public bool TryGetCname(out uint ssrc, out ReadOnlySpan<byte> cname)
    {
        foreach (var chunk in this)
        {
            if (chunk.TryGetItem(SdesItemType.Cname, out cname))
            {
                ssrc = chunk.Ssrc;
                return true;
            }
        }
        ssrc = 0;
        cname = default;
        return false;
    }

    public ChunkEnumerator GetEnumerator() => new(_body, ChunkCount);

    private static bool TrySplitChunk(ReadOnlySpan<byte> data, out uint ssrc, out ReadOnlySpan<byte> items, out int consumed)
    {
        ssrc = 0; items = default; consumed = 0;
        if (data.Length < 8) return false; // SSRC plus at least one null octet, padded to 4
        ssrc = BinaryPrimitives.ReadUInt32BigEndian(data);
        int i = 4;
        while (true)
        {
            if (i >= data.Length) return false;
            if (data[i] == SdesItemType.End) break;
            if (i + 2 > data.Length) return false;
            int len = data[i + 1];
            if (i + 2 + len > data.Length) return false;
            i += 2 + len;
        }
        items = data[4..i];
        consumed = (i + 4) & ~3; // the null octet(s) pad the chunk to the next 32-bit boundary
        return consumed <= data.Length;
    }

    /// <summary>One SDES chunk: an SSRC/CSRC and its items.</summary>
    public readonly ref struct Chunk
    {
        internal Chunk(uint ssrc, ReadOnlySpan<byte> items) { Ssrc = ssrc; Items = items; }

        public uint Ssrc { get; }
        /// <summary>Raw items (type, length, value)* without the terminating null octet.</summary>
        public ReadOnlySpan<byte> Items { get; }

        public bool TryGetItem(byte type, out ReadOnlySpan<byte> value)
        {
            var rest = Items;
            while (rest.Length >= 2)
            {
                int len = rest[1];
                if (rest[0] == type) { value = rest.Slice(2, len); return true; }
                rest = rest[(2 + len)..];
            }
            value = default;
            return false;
        }
    }

    public ref struct ChunkEnumerator
    {
        private ReadOnlySpan<byte> _rest;
        private int _left;

        internal ChunkEnumerator(ReadOnlySpan<byte> body, int count) { _rest = body; _left = count; Current = default; }

        public Chunk Current { get; private set; }

        public bool MoveNext()
        {
            if (_left <= 0 || !TrySplitChunk(_rest, out uint ssrc, out var items, out int consumed)) return false;
            _left--;
            _rest = _rest[consumed..];
            Current = new Chunk(ssrc, items);
            return true;
        }
    }
}

/// <summary>Writes an SDES packet with one chunk carrying a CNAME (RFC 3550 §6.5.1), as every compound RTCP needs.</summary>
public readonly ref struct SdesWriter
{
    private readonly uint _ssrc;
    private readonly ReadOnlySpan<char> _cname;

    /// <param name="ssrc">The source the CNAME belongs to.</param>
    /// <param name="cname">Canonical name, at most 255 UTF-8 bytes.</param>
    public SdesWriter(uint ssrc, ReadOnlySpan<char> cname)
    {
        if (Encoding.UTF8.GetByteCount(cname) > 255) throw new ArgumentException("CNAME exceeds 255 bytes.", nameof(cname));
        _ssrc = ssrc;
        _cname = cname;
    }

    public int GetSerializedSize()
    {
        int chunk = 4 + 2 + Encoding.UTF8.GetByteCount(_cname) + 1; // SSRC, item header, text, null octet
        return RtcpHeader.Size + ((chunk + 3) & ~3);
    }

    public int WriteTo(Span<byte> destination)
    {
        int size = GetSerializedSize();
        var d = destination[..size];
        RtcpHeader.Write(d, 1, RtcpPacketType.SourceDescription, size);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], _ssrc);
        d[8] = SdesItemType.Cname;
        int len = Encoding.UTF8.GetBytes(_cname, d[10..]);
        d[9] = (byte)len;
        d[(10 + len)..].Clear(); // end-of-list null octet and padding
        return size;
    }
}
