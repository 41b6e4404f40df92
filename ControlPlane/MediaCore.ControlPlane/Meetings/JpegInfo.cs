using System.Buffers.Binary;

namespace MediaCore.ControlPlane.Meetings;

/// <summary>
/// Reads a JPEG's frame size without decoding it (ITU-T T.81 Annex B). Markers are walked from SOI to the
/// first start-of-frame segment:
/// <code>
///  FF D8                      SOI
///  FF xx  Lh Ll  ...          marker segment, length includes the 2 length bytes (B.1.1.4)
///  FF C0..CF (not C4,C8,CC)   SOFn: Lh Ll | P (8) | Y height (16) | X width (16) | Nf ...   (B.2.2)
///  FF D0..D7, FF 01           stand-alone markers without a length
///  FF DA                      SOS: entropy-coded data follows; no SOF seen means no size
/// </code>
/// Never throws; any truncation or inconsistency returns false.
/// </summary>
public static class JpegInfo
{
    /// <summary>Reads width and height of a baseline/progressive JPEG.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out int width, out int height)
    {
        width = height = 0;
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) return false;
        var i = 2;
        while (i + 1 < data.Length)
        {
            if (data[i] != 0xFF) return false;
            var marker = data[i + 1];
            if (marker == 0xFF) { i++; continue; } // fill byte (B.1.1.2)
            i += 2;
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue;
            if (marker is 0xD9 or 0xDA) return false;
            if (i + 2 > data.Length) return false;
            int length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i, 2));
            if (length < 2 || i + length > data.Length) return false;
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (length < 7) return false;
                height = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i + 3, 2));
                width = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i + 5, 2));
                return width > 0 && height > 0;
            }
            i += length;
        }
        return false;
    }
}
