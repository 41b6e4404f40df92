namespace MediaCore.Protocol.Srtp;

/// <summary>
/// SRTP protection profiles, numbered as in the IANA "DTLS-SRTP Protection Profiles" registry
/// (RFC 5764 §4.1.2, RFC 7714 §14.2), so the value read from the DTLS use_srtp extension casts directly.
/// </summary>
public enum SrtpProfile : ushort
{
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80: AES-128 counter mode, 80-bit HMAC-SHA1 tag (RFC 5764 §4.1.2).</summary>
    Aes128CmHmacSha1_80 = 0x0001,

    /// <summary>SRTP_AES128_CM_HMAC_SHA1_32: as above with a 32-bit SRTP tag; SRTCP keeps 80 bits (RFC 5764 §4.1.2).</summary>
    Aes128CmHmacSha1_32 = 0x0002,

    /// <summary>SRTP_AEAD_AES_128_GCM: AES-128 GCM with a 16-octet tag (RFC 7714 §14.2).</summary>
    AeadAes128Gcm = 0x0007,

    /// <summary>SRTP_AEAD_AES_256_GCM: AES-256 GCM with a 16-octet tag (RFC 7714 §14.2).</summary>
    AeadAes256Gcm = 0x0008,
}

/// <summary>Lengths and properties of each <see cref="SrtpProfile"/>.</summary>
public static class SrtpProfileInfo
{
    /// <summary>True for the profiles this implementation supports.</summary>
    public static bool IsSupported(SrtpProfile profile) => profile is SrtpProfile.Aes128CmHmacSha1_80
        or SrtpProfile.Aes128CmHmacSha1_32 or SrtpProfile.AeadAes128Gcm or SrtpProfile.AeadAes256Gcm;

    /// <summary>True for the AEAD (GCM) profiles of RFC 7714.</summary>
    public static bool IsAead(SrtpProfile profile) => profile is SrtpProfile.AeadAes128Gcm or SrtpProfile.AeadAes256Gcm;

    /// <summary>Master (and session) encryption key length in octets.</summary>
    public static int MasterKeyLength(SrtpProfile profile) => profile switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 or SrtpProfile.Aes128CmHmacSha1_32 or SrtpProfile.AeadAes128Gcm => 16,
        SrtpProfile.AeadAes256Gcm => 32,
        _ => throw Unsupported(profile),
    };

    /// <summary>
    /// Master (and session) salt length in octets: 112 bits for AES-CM (RFC 3711 §8.2), 96 bits for
    /// GCM (RFC 7714 §12).
    /// </summary>
    public static int MasterSaltLength(SrtpProfile profile) => IsAead(ValidProfile(profile)) ? 12 : 14;

    /// <summary>Session authentication key length in octets: 160 bits for HMAC-SHA1 (RFC 3711 §8.2), 0 for AEAD.</summary>
    public static int AuthKeyLength(SrtpProfile profile) => IsAead(ValidProfile(profile)) ? 0 : 20;

    /// <summary>Authentication tag length appended to SRTP packets.</summary>
    public static int RtpAuthTagLength(SrtpProfile profile) => ValidProfile(profile) switch
    {
        SrtpProfile.Aes128CmHmacSha1_32 => 4,
        SrtpProfile.Aes128CmHmacSha1_80 => 10,
        _ => 16,
    };

    /// <summary>Authentication tag length appended to SRTCP packets (80 bits for both CM profiles, RFC 5764 §4.1.2).</summary>
    public static int RtcpAuthTagLength(SrtpProfile profile) => IsAead(ValidProfile(profile)) ? 16 : 10;

    /// <summary>Octets that protecting adds to an RTP packet (the tag; no MKI is used).</summary>
    public static int RtpOverhead(SrtpProfile profile) => RtpAuthTagLength(profile);

    /// <summary>Octets that protecting adds to an RTCP packet: the E flag and SRTCP index word, plus the tag.</summary>
    public static int RtcpOverhead(SrtpProfile profile) => 4 + RtcpAuthTagLength(profile);

    private static SrtpProfile ValidProfile(SrtpProfile profile) =>
        IsSupported(profile) ? profile : throw Unsupported(profile);

    private static ArgumentOutOfRangeException Unsupported(SrtpProfile profile) =>
        new(nameof(profile), profile, "Unsupported SRTP protection profile.");
}
