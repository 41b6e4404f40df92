using System.Security.Cryptography;

namespace MediaCore.Protocol.Ice;

/// <summary>
/// An ICE username fragment and password (RFC 8445 §5.3; SDP a=ice-ufrag / a=ice-pwd, RFC 8839 §5.4).
/// </summary>
public sealed record IceCredentials(string Ufrag, string Password)
{
    /// <summary>RFC 8445 §5.3: the ufrag carries at least 24 bits of randomness (4 ice-chars).</summary>
    public const int MinUfragLength = 4;

    /// <summary>RFC 8445 §5.3: the password carries at least 128 bits of randomness (22 ice-chars).</summary>
    public const int MinPasswordLength = 22;

    /// <summary>RFC 8839 §5.4: ufrag at most 256 characters, password at most 256.</summary>
    public const int MaxLength = 256;

    // ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4): 64 symbols, 6 bits each.
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>
    /// Random credentials from the cryptographic RNG: a 16-char ufrag (96 bits, unique enough to route
    /// by on a shared port) and a 32-char password (192 bits).
    /// </summary>
    public static IceCredentials Generate(int ufragLength = 16, int passwordLength = 32)
    {
        if (ufragLength < MinUfragLength || ufragLength > MaxLength) throw new ArgumentOutOfRangeException(nameof(ufragLength));
        if (passwordLength < MinPasswordLength || passwordLength > MaxLength) throw new ArgumentOutOfRangeException(nameof(passwordLength));
        return new IceCredentials(RandomIceString(ufragLength), RandomIceString(passwordLength));
    }

    /// <summary>True when <paramref name="value"/> is 1..256 ice-chars (RFC 8839 §5.4 grammar).</summary>
    public static bool IsValidIceString(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > MaxLength) return false;
        foreach (char c in value)
            if (c > 127 || IceChars.IndexOf(c) < 0) return false;
        return true;
    }

    private static string RandomIceString(int length)
        => RandomNumberGenerator.GetString(IceChars, length);

    // The password is a secret: keep it out of logs.
    public override string ToString() => $"IceCredentials {{ Ufrag = {Ufrag} }}";
}
