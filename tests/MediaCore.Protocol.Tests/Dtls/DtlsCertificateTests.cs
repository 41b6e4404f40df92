using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using MediaCore.Protocol.Dtls;

namespace MediaCore.Protocol.Tests.Dtls;

public sealed class DtlsCertificateTests
{
    [Fact]
    public void Generate_Always_SelfSignedEcdsaP256Sha256()
    {
        var cert = DtlsCertificate.Generate();

        using var x509 = X509CertificateLoader.LoadCertificate(cert.Der);
        Assert.Equal(x509.Subject, x509.Issuer);
        Assert.Equal("1.2.840.10045.4.3.2", x509.SignatureAlgorithm.Value);   // ecdsa-with-SHA256
        using var key = x509.GetECDsaPublicKey();
        Assert.NotNull(key);
        Assert.Equal(256, key!.KeySize);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);
    }

    [Fact]
    public void Generate_GivenNow_ValidFromYesterdayFor30Days()
    {
        var now = new DateTime(2026, 11, 26, 6, 0, 0, DateTimeKind.Utc);

        var cert = DtlsCertificate.Generate(now);

        using var x509 = X509CertificateLoader.LoadCertificate(cert.Der);
        Assert.Equal(now.AddDays(-1), x509.NotBefore.ToUniversalTime());
        Assert.Equal(now.AddDays(29), x509.NotAfter.ToUniversalTime());
        Assert.Equal(now.AddDays(-1), cert.NotBefore);
    }

    [Fact]
    public void Fingerprint_Always_Sha256UppercaseColonHexOfDer()
    {
        // RFC 8122 §5: fingerprint = hash-func SP 2UHEX *(":" 2UHEX)
        var cert = DtlsCertificate.Generate();

        Assert.Equal("sha-256", cert.Fingerprint.Algorithm);
        Assert.Matches(new Regex("^[0-9A-F]{2}(:[0-9A-F]{2}){31}$"), cert.Fingerprint.ToHex());
        Assert.Equal(Convert.ToHexString(SHA256.HashData(cert.Der)), cert.Fingerprint.ToHex().Replace(":", ""));
        Assert.Equal("sha-256 " + cert.Fingerprint.ToHex(), cert.Fingerprint.ToString());
    }

    [Fact]
    public void Generate_Twice_DifferentKeysAndSerials()
    {
        var a = DtlsCertificate.Generate();
        var b = DtlsCertificate.Generate();

        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
        using var xa = X509CertificateLoader.LoadCertificate(a.Der);
        using var xb = X509CertificateLoader.LoadCertificate(b.Der);
        Assert.NotEqual(xa.SerialNumber, xb.SerialNumber);
    }
}
