using System.Security.Cryptography;
using MediaCore.Protocol.Dtls;

namespace MediaCore.Protocol.Tests.Dtls;

public sealed class DtlsFingerprintTests
{
    private static readonly byte[] Der = "not really a certificate, any bytes hash"u8.ToArray();

    [Theory]
    [InlineData("sha-1", 20)]
    [InlineData("sha-256", 32)]
    [InlineData("SHA-384", 48)]
    [InlineData("sha-512", 64)]
    public void Compute_KnownHash_ColonHexOfDigest(string algorithm, int digestLength)
    {
        var fp = DtlsFingerprint.Compute(Der, algorithm);

        Assert.Equal(algorithm.ToLowerInvariant(), fp.Algorithm);
        Assert.Equal(digestLength, fp.Value.Length);
        Assert.Equal(digestLength * 3 - 1, fp.ToHex().Length);
        Assert.True(fp.Matches(Der));
    }

    [Fact]
    public void TryParse_SdpAttributeValue_RoundTrips()
    {
        var fp = DtlsFingerprint.Compute(Der);

        Assert.True(DtlsFingerprint.TryParse(fp.ToString(), out var parsed));

        Assert.Equal(fp, parsed);
    }

    [Fact]
    public void TryParse_LowercaseHexAndUppercaseName_NormalisedAndMatches()
    {
        string hex = string.Join(':', SHA256.HashData(Der).Select(b => b.ToString("x2")));

        Assert.True(DtlsFingerprint.TryParse("SHA-256 " + hex, out var parsed));

        Assert.Equal("sha-256", parsed.Algorithm);
        Assert.Equal(hex.ToUpperInvariant(), parsed.ToHex());
        Assert.True(parsed.Matches(Der));
    }

    [Fact]
    public void TryParse_BareHex_TakenAsSha256()
    {
        var fp = DtlsFingerprint.Compute(Der);

        Assert.True(DtlsFingerprint.TryParse(fp.ToHex(), out var parsed));

        Assert.Equal("sha-256", parsed.Algorithm);
        Assert.True(parsed.Matches(Der));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("md5 AB:CD")]
    [InlineData("sha-256 AB:CD")]
    [InlineData("sha-256 ZZ:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00")]
    [InlineData("sha-256 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00")]
    public void TryParse_Malformed_ReturnsFalse(string? text)
    {
        Assert.False(DtlsFingerprint.TryParse(text, out _));
    }

    [Fact]
    public void Matches_OtherCertificate_False()
    {
        var fp = DtlsFingerprint.Compute(Der);

        Assert.False(fp.Matches("another certificate"u8));
    }

    [Fact]
    public void TryParse_Fuzz100kMutatedInputs_NeverThrows()
    {
        var rng = new Random(8122);
        string valid = DtlsFingerprint.Compute(Der).ToString();
        const string alphabet = "0123456789abcdefABCDEF:- \tsha\0\u00e9";
        for (int i = 0; i < 100_000; i++)
        {
            char[] chars = valid.ToCharArray();
            int edits = rng.Next(1, 4);
            for (int e = 0; e < edits; e++)
                chars[rng.Next(chars.Length)] = alphabet[rng.Next(alphabet.Length)];
            string text = i % 10 == 0 ? new string(chars, 0, rng.Next(chars.Length)) : new string(chars);
            if (DtlsFingerprint.TryParse(text, out var fp))
                _ = fp.Matches(Der);
        }
    }
}
