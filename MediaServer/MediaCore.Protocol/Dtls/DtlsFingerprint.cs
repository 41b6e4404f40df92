using System.Security.Cryptography;

namespace MediaCore.Protocol.Dtls;

/// <summary>
/// A certificate fingerprint as carried by SDP <c>a=fingerprint</c> (RFC 8122 §5): a hash function name
/// from the IANA "Hash Function Textual Names" registry and the digest as colon-separated uppercase hex.
/// </summary>
public readonly record struct DtlsFingerprint(string Algorithm, string Value)
{
    /// <summary>The hash WebRTC endpoints use (RFC 8122 §5 names it; every WebRTC browser uses it).</summary>
    public const string Sha256 = "sha-256";

    /// <summary>"sha-256 AB:CD:..." as written after <c>a=fingerprint:</c>.</summary>
    public override string ToString() => $"{Algorithm} {Value}";

    /// <summary>Fingerprint of a DER certificate with <paramref name="algorithm"/>.</summary>
    /// <exception cref="NotSupportedException">The hash name is not one of sha-1/sha-256/sha-384/sha-512.</exception>
    public static DtlsFingerprint Compute(ReadOnlySpan<byte> certificateDer, string algorithm = Sha256)
    {
        Span<byte> digest = stackalloc byte[64];
        int n = Hash(algorithm, certificateDer, digest);
        if (n < 0)
            throw new NotSupportedException($"fingerprint hash '{algorithm}' is not supported");
        return new DtlsFingerprint(algorithm.ToLowerInvariant(), FormatHex(digest[..n]));
    }

    /// <summary>
    /// Parses "sha-256 AB:CD:..." (the attribute value), or a bare "AB:CD:..." which is taken as SHA-256.
    /// Never throws; returns false for an unknown hash or malformed hex.
    /// </summary>
    public static bool TryParse(string? text, out DtlsFingerprint fingerprint)
    {
        fingerprint = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        string s = text.Trim();
        int space = s.IndexOfAny([' ', '\t']);
        string algorithm = space < 0 ? Sha256 : s[..space].ToLowerInvariant();
        string value = space < 0 ? s : s[(space + 1)..].Trim();
        int expected = DigestLength(algorithm);
        if (expected < 0 || value.Length != expected * 3 - 1)
            return false;
        for (int i = 0; i < value.Length; i++)
        {
            bool colonSlot = i % 3 == 2;
            char c = value[i];
            if (colonSlot ? c != ':' : !char.IsAsciiHexDigit(c))
                return false;
        }
        fingerprint = new DtlsFingerprint(algorithm, value.ToUpperInvariant());
        return true;
    }

    /// <summary>
    /// True when <paramref name="certificateDer"/> hashes to this fingerprint. Hex comparison is
    /// case-insensitive (RFC 8122 §5 says the hex is uppercase, but lowercase is seen in the wild).
    /// </summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer)
    {
        if (Value is null)
            return false;
        Span<byte> digest = stackalloc byte[64];
        int n = Hash(Algorithm, certificateDer, digest);
        if (n < 0 || Value.Length != n * 3 - 1)
            return false;
        Span<byte> expected = stackalloc byte[64];
        for (int i = 0; i < n; i++)
            expected[i] = (byte)((HexNibble(Value[3 * i]) << 4) | HexNibble(Value[3 * i + 1]));
        return CryptographicOperations.FixedTimeEquals(digest[..n], expected[..n]);
    }

    private static int DigestLength(string algorithm) => algorithm switch
    {
        "sha-1" => 20,
        "sha-256" => 32,
        "sha-384" => 48,
        "sha-512" => 64,
        _ => -1,
    };

    private static int Hash(string algorithm, ReadOnlySpan<byte> data, Span<byte> digest) => algorithm.ToLowerInvariant() switch
    {
        "sha-1" => SHA1.HashData(data, digest),
        "sha-256" => SHA256.HashData(data, digest),
        "sha-384" => SHA384.HashData(data, digest),
        "sha-512" => SHA512.HashData(data, digest),
        _ => -1,
    };

    private static int HexNibble(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static string FormatHex(ReadOnlySpan<byte> digest)
    {
        const string hex = "0123456789ABCDEF";
        return string.Create(digest.Length * 3 - 1, digest.ToArray(), static (chars, bytes) =>
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                if (i > 0) chars[3 * i - 1] = ':';
                chars[3 * i] = hex[bytes[i] >> 4];
                chars[3 * i + 1] = hex[bytes[i] & 0xF];
            }
        });
    }
}
