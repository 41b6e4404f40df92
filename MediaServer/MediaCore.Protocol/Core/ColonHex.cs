using System.Text;

namespace MediaCore.Protocol.Core;

/// <summary>
/// Colon-separated uppercase hex ("AB:CD:01"), the form RFC 8122 §5 gives certificate fingerprints in SDP
/// (<c>fingerprint = 2UHEX *(":" 2UHEX)</c>). The one formatter and parser of that form.
/// </summary>
public static class ColonHex
{
    private const string Digits = "0123456789ABCDEF";

    /// <summary>"AB:CD:..." of <paramref name="bytes"/> ("" when empty).</summary>
    public static string Format(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return "";
        Span<char> chars = bytes.Length <= 128 ? stackalloc char[bytes.Length * 3 - 1] : new char[bytes.Length * 3 - 1];
        Write(bytes, chars);
        return new string(chars);
    }

    /// <summary>Appends "AB:CD:..." of <paramref name="bytes"/> to <paramref name="sb"/>.</summary>
    public static StringBuilder Append(StringBuilder sb, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (i > 0) sb.Append(':');
            sb.Append(Digits[bytes[i] >> 4]).Append(Digits[bytes[i] & 15]);
        }
        return sb;
    }

    /// <summary>
    /// Parses "AB:CD:..." (either case). Returns null and the bytes, or the reason it is malformed.
    /// </summary>
    public static string? TryParse(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.IsEmpty || (text.Length + 1) % 3 != 0) return "not colon-separated hex bytes";
        var result = new byte[(text.Length + 1) / 3];
        for (int i = 0; i < result.Length; i++)
        {
            int o = i * 3;
            if (o + 2 < text.Length && text[o + 2] != ':') return "bytes must be separated by ':'";
            int hi = Nibble(text[o]), lo = Nibble(text[o + 1]);
            if (hi < 0 || lo < 0) return "non-hex character";
            result[i] = (byte)(hi << 4 | lo);
        }
        bytes = result;
        return null;
    }

    private static void Write(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (i > 0) chars[3 * i - 1] = ':';
            chars[3 * i] = Digits[bytes[i] >> 4];
            chars[3 * i + 1] = Digits[bytes[i] & 15];
        }
    }

    private static int Nibble(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
