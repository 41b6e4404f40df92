using System.Buffers.Binary;

namespace MediaCore.Protocol.Matroska;

/// <summary>
/// EBML primitives (RFC 8794): element IDs keep their length-marker bits; sizes are variable-length integers
/// (VINT, §4) whose first byte's leading zeros give the length. All writers here write into a caller's span.
/// </summary>
public static class Ebml
{
    /// <summary>The reserved "unknown size" VINT in 8 bytes (RFC 8794 §6.2): all value bits set.</summary>
    public const ulong UnknownSize8 = 0x01FF_FFFF_FFFF_FFFF;
    /// <summary>Largest size an 8-byte VINT can carry as a known size.</summary>
    public const ulong MaxSize8 = 0x00FF_FFFF_FFFF_FFFE;

    /// <summary>Bytes the ID takes (IDs are written as they are defined, marker included).</summary>
    public static int IdLength(uint id) => id > 0xFF_FFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;

    public static int WriteId(Span<byte> dst, uint id)
    {
        int n = IdLength(id);
        for (int i = 0; i < n; i++) dst[i] = (byte)(id >> (8 * (n - 1 - i)));
        return n;
    }

    /// <summary>Smallest VINT length for a known size (the all-ones value of each length is reserved).</summary>
    public static int SizeLength(ulong size)
    {
        int n = 1;
        while (n < 8 && size >= (1UL << (7 * n)) - 1) n++;
        return n;
    }

    /// <summary>Writes <paramref name="size"/> as a VINT of exactly <paramref name="length"/> bytes.</summary>
    public static int WriteSize(Span<byte> dst, ulong size, int length)
    {
        ulong v = size | (1UL << (7 * length));
        for (int i = 0; i < length; i++) dst[i] = (byte)(v >> (8 * (length - 1 - i)));
        return length;
    }

    public static int WriteSize(Span<byte> dst, ulong size) => WriteSize(dst, size, SizeLength(size));

    public static int UIntLength(ulong value)
    {
        int n = 1;
        while (n < 8 && value >> (8 * n) != 0) n++;
        return n;
    }

    public static int WriteUInt(Span<byte> dst, uint id, ulong value)
    {
        int n = WriteId(dst, id);
        int len = UIntLength(value);
        n += WriteSize(dst[n..], (ulong)len);
        for (int i = 0; i < len; i++) dst[n + i] = (byte)(value >> (8 * (len - 1 - i)));
        return n + len;
    }

    /// <summary>An unsigned integer element with a fixed 8-byte value, so it can be patched in place later.</summary>
    public static int WriteUInt8Bytes(Span<byte> dst, uint id, ulong value)
    {
        int n = WriteId(dst, id);
        n += WriteSize(dst[n..], 8, 1);
        BinaryPrimitives.WriteUInt64BigEndian(dst[n..], value);
        return n + 8;
    }

    public static int WriteInt(Span<byte> dst, uint id, long value)
    {
        int n = WriteId(dst, id);
        n += WriteSize(dst[n..], 8, 1);
        BinaryPrimitives.WriteInt64BigEndian(dst[n..], value);
        return n + 8;
    }

    public static int WriteFloat(Span<byte> dst, uint id, double value)
    {
        int n = WriteId(dst, id);
        n += WriteSize(dst[n..], 8, 1);
        BinaryPrimitives.WriteDoubleBigEndian(dst[n..], value);
        return n + 8;
    }

    public static int WriteBytes(Span<byte> dst, uint id, ReadOnlySpan<byte> value)
    {
        int n = WriteId(dst, id);
        n += WriteSize(dst[n..], (ulong)value.Length);
        value.CopyTo(dst[n..]);
        return n + value.Length;
    }

    public static int WriteString(Span<byte> dst, uint id, string value)
    {
        int n = WriteId(dst, id);
        int len = System.Text.Encoding.ASCII.GetByteCount(value);
        n += WriteSize(dst[n..], (ulong)len);
        System.Text.Encoding.ASCII.GetBytes(value, dst[n..]);
        return n + len;
    }

    /// <summary>Writes a master element's ID and size (children follow).</summary>
    public static int WriteMasterHeader(Span<byte> dst, uint id, ulong size)
    {
        int n = WriteId(dst, id);
        return n + WriteSize(dst[n..], size);
    }

    /// <summary>A Void element (§11.3.1) filling exactly <paramref name="total"/> bytes (at least 2, at most 2^56).</summary>
    public static int WriteVoid(Span<byte> dst, int total)
    {
        if (total < 2) throw new ArgumentOutOfRangeException(nameof(total), "a Void element takes at least 2 bytes");
        int sizeLen = total - 1 <= 127 ? 1 : total - 2 <= 0x3FFE ? 2 : 8;
        dst[0] = MatroskaIds.Void;
        WriteSize(dst[1..], (ulong)(total - 1 - sizeLen), sizeLen);
        dst.Slice(1 + sizeLen, total - 1 - sizeLen).Clear();
        return total;
    }

    /// <summary>Reads an element ID (1-4 bytes, marker kept). False when truncated or invalid.</summary>
    public static bool TryReadId(ReadOnlySpan<byte> src, out uint id, out int length)
    {
        id = 0;
        length = 0;
        if (src.IsEmpty || src[0] == 0) return false;
        int n = System.Numerics.BitOperations.LeadingZeroCount((uint)src[0]) - 24 + 1;
        if (n > 4 || src.Length < n) return false;
        for (int i = 0; i < n; i++) id = (id << 8) | src[i];
        length = n;
        return true;
    }

    /// <summary>Reads a VINT size. <paramref name="unknown"/> is true for the reserved all-ones value.</summary>
    public static bool TryReadSize(ReadOnlySpan<byte> src, out ulong size, out int length, out bool unknown)
    {
        size = 0;
        length = 0;
        unknown = false;
        if (src.IsEmpty || src[0] == 0) return false;
        int n = System.Numerics.BitOperations.LeadingZeroCount((uint)src[0]) - 24 + 1;
        if (src.Length < n) return false;
        ulong v = src[0] & (ulong)((1 << (8 - n)) - 1);
        for (int i = 1; i < n; i++) v = (v << 8) | src[i];
        length = n;
        unknown = v == (1UL << (7 * n)) - 1;
        size = v;
        return true;
    }

    public static ulong ReadUInt(ReadOnlySpan<byte> value)
    {
        ulong v = 0;
        foreach (byte b in value) v = (v << 8) | b;
        return v;
    }
}
