using System.Security.Cryptography;

namespace MediaCore.Protocol.Srtp;

/// <summary>Session keys for one direction: RTP and RTCP encryption key, salt and (CM only) auth key.</summary>
internal sealed class SrtpSessionKeys
{
    public required SrtpProfile Profile { get; init; }
    public required byte[] RtpKey { get; init; }
    public required byte[] RtpSalt { get; init; }
    public required byte[] RtpAuthKey { get; init; }
    public required byte[] RtcpKey { get; init; }
    public required byte[] RtcpSalt { get; init; }
    public required byte[] RtcpAuthKey { get; init; }
}

/// <summary>
/// The SRTP key derivation function of RFC 3711 §4.3 with the AES-CM PRF (§4.3.3) and a key
/// derivation rate of 0, which is what DTLS-SRTP uses (RFC 5764 §4.1.2). RFC 7714 §11 reuses it
/// unchanged for the GCM profiles, with a 96-bit master salt.
/// </summary>
internal static class SrtpKeyDerivation
{
    /// <summary>Key derivation labels (RFC 3711 §4.3.1, §4.3.2).</summary>
    public const byte LabelRtpEncryption = 0x00;
    public const byte LabelRtpAuthentication = 0x01;
    public const byte LabelRtpSalt = 0x02;
    public const byte LabelRtcpEncryption = 0x03;
    public const byte LabelRtcpAuthentication = 0x04;
    public const byte LabelRtcpSalt = 0x05;

    /// <summary>Derives all six session keys for <paramref name="profile"/> from one master key and salt.</summary>
    public static SrtpSessionKeys DeriveSessionKeys(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        int keyLength = SrtpProfileInfo.MasterKeyLength(profile);
        int saltLength = SrtpProfileInfo.MasterSaltLength(profile);
        int authLength = SrtpProfileInfo.AuthKeyLength(profile);
        if (masterKey.Length != keyLength)
            throw new ArgumentException($"Master key must be {keyLength} octets for {profile}.", nameof(masterKey));
        if (masterSalt.Length != saltLength)
            throw new ArgumentException($"Master salt must be {saltLength} octets for {profile}.", nameof(masterSalt));

        using var aes = Aes.Create();
        aes.Key = masterKey.ToArray();
        return new SrtpSessionKeys
        {
            Profile = profile,
            RtpKey = Derive(aes, masterSalt, LabelRtpEncryption, keyLength),
            RtpAuthKey = Derive(aes, masterSalt, LabelRtpAuthentication, authLength),
            RtpSalt = Derive(aes, masterSalt, LabelRtpSalt, saltLength),
            RtcpKey = Derive(aes, masterSalt, LabelRtcpEncryption, keyLength),
            RtcpAuthKey = Derive(aes, masterSalt, LabelRtcpAuthentication, authLength),
            RtcpSalt = Derive(aes, masterSalt, LabelRtcpSalt, saltLength),
        };
    }

    /// <summary>Derives <paramref name="length"/> octets for <paramref name="label"/> (RFC 3711 §4.3.1).</summary>
    public static byte[] Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, int length)
    {
        using var aes = Aes.Create();
        aes.Key = masterKey.ToArray();
        return Derive(aes, masterSalt, label, length);
    }

    private static byte[] Derive(Aes aes, ReadOnlySpan<byte> masterSalt, byte label, int length)
    {
        // key_id = label || r with r = index DIV kdr = 0 (kdr 0), x = key_id XOR master_salt, and the
        // PRF output is the AES-CM keystream for IV = x * 2^16 (§4.3.1, §4.3.3). The salt is left-aligned
        // in the 112 bits, so a 96-bit GCM salt is implicitly padded with zero octets (RFC 7714 §11).
        // The label sits 7 octets from the right of the 112-bit value, i.e. at octet 7.
        int blocks = (length + 15) / 16;
        var counters = new byte[Math.Max(blocks, 1) * 16];
        for (int b = 0; b < blocks; b++)
        {
            var block = counters.AsSpan(b * 16, 16);
            masterSalt.CopyTo(block);
            block[7] ^= label;
            block[14] = (byte)(b >> 8);
            block[15] = (byte)b;
        }
        var keystream = aes.EncryptEcb(counters, PaddingMode.None);
        return keystream.AsSpan(0, length).ToArray();
    }
}
