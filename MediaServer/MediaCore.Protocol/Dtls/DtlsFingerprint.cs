using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Dtls;

/// <summary>
/// A certificate fingerprint (RFC 8122 §5), as SDP's <c>a=fingerprint</c> carries it and DTLS checks it: a hash
/// function name from the IANA "Hash Function Textual Names" registry (lower case) and the digest bytes,
/// written as colon-separated uppercase hex (<see cref="ColonHex"/>). The one fingerprint type of the project.
/// </summary>
public sealed record DtlsFingerprint(string Algorithm, byte[] Value)
{
    /// <summary>The hash WebRTC endpoints use (every WebRTC browser uses it).</summary>
    public const string Sha256Name = "sha-256";

    public bool Equals(DtlsFingerprint? other)
        => other is not null
           && string.Equals(Algorithm, other.Algorithm, StringComparison.OrdinalIgnoreCase)
           && Value.AsSpan().SequenceEqual(other.Value);

    public override int GetHashCode() => HashCode.Combine(Algorithm.ToLowerInvariant(), Value.Length);

    /// <summary>Upper-case, colon-separated hex as SDP writes it.</summary>
    public string ToHex() => ColonHex.Format(Value);

    /// <summary>"sha-256 AB:CD:..." as written after <c>a=fingerprint:</c>.</summary>
    public override string ToString() => Algorithm + " " + ToHex();

    /// <summary>A SHA-256 fingerprint of a DER certificate.</summary>
    public static DtlsFingerprint Sha256(ReadOnlySpan<byte> derCertificate) => Compute(derCertificate);

    /// <summary>Fingerprint of a DER certificate with <paramref name="algorithm"/>.</summary>
    /// <exception cref="NotSupportedException">The hash name is not one of sha-1/sha-256/sha-384/sha-512.</exception>
    public static DtlsFingerprint Compute(ReadOnlySpan<byte> certificateDer, string algorithm = Sha256Name)
    {
        Span<byte> digest = stackalloc byte[64];
        int n = Hash(algorithm, certificateDer, digest);
        if (n < 0)
            throw new NotSupportedException($"fingerprint hash '{algorithm}' is not supported");
        return new DtlsFingerprint(algorithm.ToLowerInvariant(), digest[..n].ToArray());
    }

    /// <summary>
    /// Parses "sha-256 AB:CD:..." (the attribute value), or a bare "AB:CD:..." which is taken as SHA-256. The
    /// hash must be one this endpoint can compute and the digest its length. Never throws.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out DtlsFingerprint? fingerprint)
    {
        fingerprint = null;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        string s = text.Trim();
        int space = s.IndexOfAny([' ', '\t']);
        string algorithm = space < 0 ? Sha256Name : s[..space].ToLowerInvariant();
        string value = space < 0 ? s : s[(space + 1)..].Trim();
        if (DigestLength(algorithm) is var expected && expected < 0 || value.Length != expected * 3 - 1)
            return false;
        if (ColonHex.TryParse(value, out var bytes) is not null)
            return false;
        fingerprint = new DtlsFingerprint(algorithm, bytes);
        return true;
    }

    /// <summary>True when <paramref name="certificateDer"/> hashes to this fingerprint (constant-time compare).</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer)
    {
        Span<byte> digest = stackalloc byte[64];
        int n = Hash(Algorithm, certificateDer, digest);
        return n >= 0 && n == Value.Length && CryptographicOperations.FixedTimeEquals(digest[..n], Value);
    }

    private static int DigestLength(string algorithm) => algorithm switch
    {
        "sha-1" => 20,
        "sha-256" => 32,
        "sha-384" => 48,
        "sha-512" => 64,
        _ => -1,
    };

    // SHA-1 stays accepted for peers that announce it (RFC 8122 §5); ours is SHA-256.
    private static int Hash(string algorithm, ReadOnlySpan<byte> data, Span<byte> digest) => algorithm.ToLowerInvariant() switch
    {
        "sha-1" => SHA1.HashData(data, digest),
        "sha-256" => SHA256.HashData(data, digest),
        "sha-384" => SHA384.HashData(data, digest),
        "sha-512" => SHA512.HashData(data, digest),
        _ => -1,
    };
}
