using System.Buffers.Binary;

namespace MediaCore.Protocol.Rtp;

/// <summary>
/// Writes an RFC 8285 extension block (4-byte block header + elements + zero padding to a 32-bit boundary)
/// into a caller's span. Pick the form up front: one-byte (§4.2) when every id is 1..14 and every value
/// 1..16 bytes, else two-byte (§4.3).
/// </summary>
public ref struct RtpExtensionWriter
{
    private readonly Span<byte> _block;
    private readonly bool _twoByte;
    private int _pos;

    /// <param name="block">Where the block starts (the "defined by profile" field).</param>
    /// <param name="twoByte">Use the two-byte form.</param>
    public RtpExtensionWriter(Span<byte> block, bool twoByte)
    {
        _block = block;
        _twoByte = twoByte;
        _pos = 4;
    }

    public readonly bool IsTwoByte => _twoByte;
    /// <summary>True until an element has been added.</summary>
    public readonly bool IsEmpty => _pos == 4;

    /// <summary>Appends one element; false (nothing written) when it does not fit the form or the span.</summary>
    public bool TryAdd(int id, scoped ReadOnlySpan<byte> value)
    {
        if (_twoByte)
        {
            if (id is < 1 or > 255 || value.Length > 255 || _pos + 2 + value.Length > _block.Length) return false;
            _block[_pos] = (byte)id;
            _block[_pos + 1] = (byte)value.Length;
            value.CopyTo(_block[(_pos + 2)..]);
            _pos += 2 + value.Length;
            return true;
        }
        if (id is < 1 or > 14 || value.Length is < 1 or > 16 || _pos + 1 + value.Length > _block.Length) return false;
        _block[_pos] = (byte)((id << 4) | (value.Length - 1));
        value.CopyTo(_block[(_pos + 1)..]);
        _pos += 1 + value.Length;
        return true;
    }

    /// <summary>Reserves an element and returns its value span for the caller to fill (empty if it failed).</summary>
    public Span<byte> Reserve(int id, int length)
    {
        int header = _twoByte ? 2 : 1;
        int start = _pos + header;
        if (length > 255) return default;
        if (_twoByte)
        {
            if (id is < 1 or > 255 || start + length > _block.Length) return default;
            _block[_pos] = (byte)id;
            _block[_pos + 1] = (byte)length;
        }
        else
        {
            if (id is < 1 or > 14 || length is < 1 or > 16 || start + length > _block.Length) return default;
            _block[_pos] = (byte)((id << 4) | (length - 1));
        }
        _pos = start + length;
        var value = _block.Slice(start, length);
        value.Clear();
        return value;
    }

    /// <summary>
    /// Pads to 32 bits, writes the block header and returns the block's total size, or 0 when no element
    /// was added (then the caller must leave the X bit clear and write no block), or -1 when the padding
    /// does not fit the span.
    /// </summary>
    public int Finish()
    {
        if (_pos == 4) return 0;
        int padded = (_pos + 3) & ~3;
        if (padded > _block.Length) return -1;
        _block[_pos..padded].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(_block, _twoByte ? RtpPacket.TwoByteProfile : RtpPacket.OneByteProfile);
        BinaryPrimitives.WriteUInt16BigEndian(_block[2..], (ushort)((padded - 4) / 4));
        return padded;
    }
}
