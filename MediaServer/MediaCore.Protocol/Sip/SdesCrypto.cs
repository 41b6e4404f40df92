using System.Security.Cryptography;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Sip;

/// <summary>
/// An SDP Security Descriptions attribute (RFC 4568 §9.1): <c>a=crypto:tag suite inline:key||salt[|lifetime][|MKI:length]
/// [session-params]</c>. We take AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 (RFC 4568 §6.2) with one key and no
/// MKI and no session parameters (what SIP terminals send), and write our answer in the same form.
/// </summary>
/// <param name="MasterKeyAndSalt">The 16-byte master key followed by the 14-byte master salt (RFC 4568 §6.1).</param>
public sealed record SdesCrypto(int Tag, SrtpProfile Profile, byte[] MasterKeyAndSalt)
{
    public const int KeyAndSaltLength = 30;

    public ReadOnlySpan<byte> MasterKey => MasterKeyAndSalt.AsSpan(0, 16);
    public ReadOnlySpan<byte> MasterSalt => MasterKeyAndSalt.AsSpan(16, 14);

    /// <summary>The suite name for <paramref name="profile"/>, or null when SDES does not carry it here.</summary>
    public static string? SuiteName(SrtpProfile profile) => profile switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
        SrtpProfile.Aes128CmHmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        _ => null,
    };

    /// <summary>A fresh random key and salt for our side of <paramref name="offered"/> (same tag and suite, RFC 4568 §7.1.2).</summary>
    public static SdesCrypto Answer(SdesCrypto offered) => new(offered.Tag, offered.Profile, RandomNumberGenerator.GetBytes(KeyAndSaltLength));

    /// <summary>The attribute value (after <c>a=crypto:</c>).</summary>
    public override string ToString() => $"{Tag} {SuiteName(Profile)} inline:{Convert.ToBase64String(MasterKeyAndSalt)}";

    /// <summary>Parses an <c>a=crypto</c> value; false (with the reason) for anything we cannot use. Never throws.</summary>
    public static bool TryParse(string? value, out SdesCrypto crypto, out string error)
    {
        crypto = null!;
        var parts = (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3) { error = "crypto needs tag, suite and key parameters"; return false; }
        // §9.1: tag is 1*9DIGIT.
        if (parts[0].Length is < 1 or > 9 || !parts[0].All(char.IsAsciiDigit)) { error = "bad crypto tag"; return false; }
        int tag = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        SrtpProfile? profile = parts[1] switch
        {
            "AES_CM_128_HMAC_SHA1_80" => SrtpProfile.Aes128CmHmacSha1_80,
            "AES_CM_128_HMAC_SHA1_32" => SrtpProfile.Aes128CmHmacSha1_32,
            _ => null,
        };
        if (profile == null) { error = "unsupported crypto suite " + parts[1]; return false; }
        if (parts.Length > 3) { error = "session parameters are not supported"; return false; }
        // §6.1: several keys are separated by ';' (we take exactly one); each is inline:key||salt[|lifetime][|MKI:length].
        var key = parts[2];
        if (!key.StartsWith("inline:", StringComparison.Ordinal) || key.Contains(';', StringComparison.Ordinal)) { error = "one inline key required"; return false; }
        var fields = key["inline:".Length..].Split('|');
        if (fields.Length > 2 || (fields.Length == 2 && fields[1].Contains(':', StringComparison.Ordinal))) { error = "MKI is not supported"; return false; }
        var bytes = new byte[KeyAndSaltLength + 3];
        if (!Convert.TryFromBase64String(fields[0], bytes, out int written) || written != KeyAndSaltLength)
        {
            error = "the inline key is not 30 bytes of base64";
            return false;
        }
        crypto = new SdesCrypto(tag, profile.Value, bytes[..KeyAndSaltLength]);
        error = "";
        return true;
    }
}
