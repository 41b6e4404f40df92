using System.Buffers.Binary;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Rtp;

/// <summary>Why <see cref="RtpPacket.TryParse(ReadOnlySpan{byte}, out RtpPacket, out RtpParseError)"/> refused a datagram.</summary>
public enum RtpParseError
{
    None,
    TooShort,
    BadVersion,
    CsrcOverrun,
    ExtensionOverrun,
    BadPadding,
}

/// <summary>
/// Zero-copy view of an RTP packet (RFC 3550 §5.1) with its header extension block (RFC 8285).
/// Padding (P bit) is stripped from <see cref="Payload"/>.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers (CC x 4)    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  profile (0xBEDE / 0x100X)    |     length (32-bit words)     |  only if X
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  header extension elements ...                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  payload ...  | padding ... | pad count (P)   |
/// </code>
/// </remarks>
public readonly ref struct RtpPacket
{
    /// <summary>Fixed header size (RFC 3550 §5.1).</summary>
    public const int FixedHeaderSize = 12;
    /// <summary>RFC 8285 §4.2 one-byte header profile.</summary>
    public const ushort OneByteProfile = 0xBEDE;
    /// <summary>RFC 8285 §4.3 two-byte header profile (the low 4 bits are "appbits").</summary>
    public const ushort TwoByteProfile = 0x1000;

    private readonly ReadOnlySpan<byte> _data;
    private readonly int _extOffset;     // start of the element area (after profile+length), or 0
    private readonly int _extLength;     // bytes of element area
    private readonly int _headerLength;
    private readonly int _paddingLength;

    private RtpPacket(ReadOnlySpan<byte> data, int extOffset, int extLength, int headerLength, int paddingLength)
    {
        _data = data;
        _extOffset = extOffset;
        _extLength = extLength;
        _headerLength = headerLength;
        _paddingLength = paddingLength;
    }

    /// <summary>The whole datagram, padding included.</summary>
    public ReadOnlySpan<byte> Buffer => _data;
    public int Version => _data[0] >> 6;
    public bool HasPadding => (_data[0] & 0x20) != 0;
    public bool HasExtension => (_data[0] & 0x10) != 0;
    public int CsrcCount => _data[0] & 0x0F;
    public bool Marker => (_data[1] & 0x80) != 0;
    public PayloadType PayloadType => new((byte)(_data[1] & 0x7F));
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_data[2..]);
    public RtpTimestamp Timestamp => new(BinaryPrimitives.ReadUInt32BigEndian(_data[4..]));
    public Ssrc Ssrc => new(BinaryPrimitives.ReadUInt32BigEndian(_data[8..]));

    /// <summary>CSRC i (0-based), RFC 3550 §5.1.</summary>
    public uint GetCsrc(int index) => BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(FixedHeaderSize + 4 * index, 4));

    /// <summary>Header size including CSRCs and the extension block: the payload starts here.</summary>
    public int HeaderLength => _headerLength;
    /// <summary>Bytes of padding at the end (0 when P is clear).</summary>
    public int PaddingLength => _paddingLength;
    /// <summary>Payload with the padding stripped.</summary>
    public ReadOnlySpan<byte> Payload => _data.Slice(_headerLength, _data.Length - _headerLength - _paddingLength);
    /// <summary>Packet length without padding (header + payload).</summary>
    public int LengthWithoutPadding => _data.Length - _paddingLength;

    /// <summary>The extension block's 16-bit "defined by profile" value, 0 if there is none.</summary>
    public ushort ExtensionProfile => HasExtension ? BinaryPrimitives.ReadUInt16BigEndian(_data[(_extOffset - 4)..]) : (ushort)0;
    /// <summary>The raw extension element area (after the 4-byte block header).</summary>
    public ReadOnlySpan<byte> ExtensionData => _extOffset == 0 ? default : _data.Slice(_extOffset, _extLength);
    /// <summary>Offset of the element area inside <see cref="Buffer"/> (0 when there is none).</summary>
    public int ExtensionDataOffset => _extOffset;
    public bool IsOneByteExtension => ExtensionProfile == OneByteProfile;
    public bool IsTwoByteExtension => HasExtension && (ExtensionProfile & 0xFFF0) == TwoByteProfile;

    /// <summary>
    /// RFC 5761 §4 demultiplexing of RTP and RTCP on one port: the second octet of RTCP is a packet type
    /// 192..223, which as an RTP marker+PT would be PT 64..95 (values RTP avoids). Callers first check the
    /// first octet is 128..191 (RFC 7983 §7).
    /// </summary>
    public static bool IsRtcp(ReadOnlySpan<byte> datagram)
        => datagram.Length >= 2 && (datagram[1] & 0x7F) is >= 64 and <= 95;

    public static bool TryParse(ReadOnlySpan<byte> data, out RtpPacket packet) => TryParse(data, out packet, out _);

    /// <summary>Parses without copying; never throws. False with a reason for malformed input.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out RtpPacket packet, out RtpParseError error)
    {
        packet = default;
        if (data.Length < FixedHeaderSize) { error = RtpParseError.TooShort; return false; }
        byte b0 = data[0];
        if (b0 >> 6 != 2) { error = RtpParseError.BadVersion; return false; }
        int offset = FixedHeaderSize + 4 * (b0 & 0x0F);
        if (offset > data.Length) { error = RtpParseError.CsrcOverrun; return false; }
        int extOffset = 0, extLength = 0;
        if ((b0 & 0x10) != 0)
        {
            if (offset + 4 > data.Length) { error = RtpParseError.ExtensionOverrun; return false; }
            extLength = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]) * 4;
            extOffset = offset + 4;
            offset = extOffset + extLength;
            if (offset > data.Length) { error = RtpParseError.ExtensionOverrun; return false; }
        }
        int padding = 0;
        if ((b0 & 0x20) != 0)
        {
            // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
            padding = data[^1];
            if (padding == 0 || padding > data.Length - offset) { error = RtpParseError.BadPadding; return false; }
        }
        packet = new RtpPacket(data, extOffset, extLength, offset, padding);
        error = RtpParseError.None;
        return true;
    }

    /// <summary>Finds the first element with <paramref name="id"/> (RFC 8285 one- or two-byte form).</summary>
    public bool TryGetExtension(int id, out ReadOnlySpan<byte> value)
    {
        foreach (var ext in GetExtensions())
        {
            if (ext.Id == id) { value = ext.Data; return true; }
        }
        value = default;
        return false;
    }

    /// <summary>Iterates the RFC 8285 elements; other profiles yield nothing.</summary>
    public RtpExtensionEnumerator GetExtensions()
        => new(ExtensionData, IsOneByteExtension ? 1 : IsTwoByteExtension ? 2 : 0);
}

/// <summary>One RFC 8285 header extension element.</summary>
public readonly ref struct RtpExtension
{
    public RtpExtension(int id, ReadOnlySpan<byte> data, int offset)
    {
        Id = id;
        Data = data;
        Offset = offset;
    }

    public int Id { get; }
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>Offset of the element's first header byte inside the element area.</summary>
    public int Offset { get; }
}

/// <summary>
/// Walks RFC 8285 elements. One-byte form (§4.2): ID 0 is a padding byte, ID 15 stops processing.
/// Two-byte form (§4.3): ID 0 is a padding byte, length may be 0. An element that overruns the block ends
/// the walk silently (malformed input is ignored, never thrown on).
/// </summary>
public ref struct RtpExtensionEnumerator
{
    private readonly ReadOnlySpan<byte> _area;
    private readonly int _form;
    private int _pos;
    private RtpExtension _current;

    internal RtpExtensionEnumerator(ReadOnlySpan<byte> area, int form)
    {
        _area = area;
        _form = form;
        _pos = 0;
        _current = default;
    }

    public readonly RtpExtension Current => _current;
    public readonly RtpExtensionEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_form == 1)
        {
            while (_pos < _area.Length)
            {
                byte h = _area[_pos];
                if (h == 0) { _pos++; continue; }
                int id = h >> 4;
                if (id == 15) break;
                int len = (h & 0x0F) + 1;
                int start = _pos;
                if (_pos + 1 + len > _area.Length) break;
                _current = new RtpExtension(id, _area.Slice(_pos + 1, len), start);
                _pos += 1 + len;
                return true;
            }
        }
        else if (_form == 2)
        {
            while (_pos < _area.Length)
            {
                byte id = _area[_pos];
                if (id == 0) { _pos++; continue; }
                if (_pos + 2 > _area.Length) break;
                int len = _area[_pos + 1];
                int start = _pos;
                if (_pos + 2 + len > _area.Length) break;
                _current = new RtpExtension(id, _area.Slice(_pos + 2, len), start);
                _pos += 2 + len;
                return true;
            }
        }
        _pos = _area.Length;
        return false;
    }
}
