using System.Buffers.Binary;

namespace MediaCore.Protocol.Stun;

/// <summary>
/// FINGERPRINT value (RFC 8489 §14.7): CRC-32 (ISO 3309 / ITU-T V.42, the one in zlib and Ethernet)
/// of the message up to the attribute, XOR-ed with 0x5354554e so that an application packet carrying
/// a CRC-32 of its own cannot be mistaken for STUN.
/// </summary>
internal static class StunFingerprint
{
    public const uint XorValue = 0x5354554E;

    // Slicing-by-4 tables: STUN messages are 60-200 bytes, so this is ~100 ns and needs no package.
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[4 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        for (int i = 0; i < 256; i++)
        {
            t[256 + i] = (t[i] >> 8) ^ t[t[i] & 0xFF];
            t[512 + i] = (t[256 + i] >> 8) ^ t[t[256 + i] & 0xFF];
            t[768 + i] = (t[512 + i] >> 8) ^ t[t[512 + i] & 0xFF];
        }
        return t;
    }

    /// <summary>Plain CRC-32 of <paramref name="data"/>.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var t = Table;
        uint crc = 0xFFFFFFFFu;
        int i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            crc ^= BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            crc = t[768 + (crc & 0xFF)] ^ t[512 + ((crc >> 8) & 0xFF)] ^ t[256 + ((crc >> 16) & 0xFF)] ^ t[crc >> 24];
        }
        for (; i < data.Length; i++)
            crc = t[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>The FINGERPRINT value for a message whose bytes before the attribute are <paramref name="prefix"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> prefix) => Crc32(prefix) ^ XorValue;
}
