namespace MediaCore.Protocol.Dtls;

/// <summary>
/// SRTP protection profiles negotiated through the DTLS use_srtp extension. The numeric values are the
/// two-byte SRTPProtectionProfile code points (RFC 5764 §4.1.2, RFC 7714 §14.2).
/// </summary>
public enum DtlsSrtpProfile : ushort
{
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2): 128-bit key, 112-bit salt.</summary>
    Aes128CmHmacSha1_80 = 0x0001,

    /// <summary>SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2): 128-bit key, 96-bit salt.</summary>
    AeadAes128Gcm = 0x0007,
}

/// <summary>Key and salt lengths of each <see cref="DtlsSrtpProfile"/>.</summary>
public static class DtlsSrtpProfileInfo
{
    /// <summary>SRTP master key length in bytes.</summary>
    public static int MasterKeyLength(this DtlsSrtpProfile profile) => profile switch
    {
        DtlsSrtpProfile.Aes128CmHmacSha1_80 => 16,
        DtlsSrtpProfile.AeadAes128Gcm => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unsupported SRTP profile"),
    };

    /// <summary>SRTP master salt length in bytes (RFC 3711 §8.2: 112 bits; RFC 7714 §12: 96 bits).</summary>
    public static int MasterSaltLength(this DtlsSrtpProfile profile) => profile switch
    {
        DtlsSrtpProfile.Aes128CmHmacSha1_80 => 14,
        DtlsSrtpProfile.AeadAes128Gcm => 12,
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unsupported SRTP profile"),
    };

    /// <summary>
    /// Bytes to export with the "EXTRACTOR-dtls_srtp" label: 2 * (key + salt) (RFC 5764 §4.2):
    /// 60 for AES-CM, 56 for AES-GCM.
    /// </summary>
    public static int KeyingMaterialLength(this DtlsSrtpProfile profile)
        => 2 * (profile.MasterKeyLength() + profile.MasterSaltLength());

    /// <summary>True for the profiles this implementation can negotiate.</summary>
    public static bool IsSupported(int code)
        => code == (int)DtlsSrtpProfile.Aes128CmHmacSha1_80 || code == (int)DtlsSrtpProfile.AeadAes128Gcm;
}
