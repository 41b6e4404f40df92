using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace MediaCore.Protocol.Dtls;

/// <summary>
/// A self-signed ECDSA P-256 certificate and its key, used as the DTLS identity of this process.
/// WebRTC authenticates it by the fingerprint in SDP, not by a CA (RFC 5763 §5), so one certificate
/// generated at start-up serves every session; the type is immutable and safe to share across threads.
/// </summary>
public sealed class DtlsCertificate
{
    private readonly byte[] _der;

    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey, DateTime notBefore, DateTime notAfter)
    {
        _der = der;
        PrivateKey = privateKey;
        NotBefore = notBefore;
        NotAfter = notAfter;
        Fingerprint = DtlsFingerprint.Compute(der);
    }

    /// <summary>SHA-256 fingerprint for the local SDP <c>a=fingerprint</c> line (RFC 8122 §5).</summary>
    public DtlsFingerprint Fingerprint { get; }

    /// <summary>Start of the validity period (UTC).</summary>
    public DateTime NotBefore { get; }

    /// <summary>End of the validity period (UTC).</summary>
    public DateTime NotAfter { get; }

    /// <summary>The DER encoding of the X.509 certificate.</summary>
    public ReadOnlySpan<byte> Der => _der;

    internal byte[] DerBytes => _der;

    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>
    /// Generates a key pair on secp256r1 and a self-signed certificate valid from one day before
    /// <paramref name="nowUtc"/> (tolerates peers whose clock runs behind) for 30 days.
    /// Costs a few milliseconds: call once per process.
    /// </summary>
    /// <param name="nowUtc">Wall-clock time for the validity period; defaults to <see cref="TimeProvider.System"/>.
    /// This is certificate metadata, not protocol time.</param>
    /// <param name="commonName">Subject and issuer CN; WebRTC peers ignore it.</param>
    public static DtlsCertificate Generate(DateTime? nowUtc = null, string commonName = "MediaCore")
    {
        var random = new SecureRandom();
        var keyGen = new ECKeyPairGenerator("EC");
        keyGen.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        AsymmetricCipherKeyPair keyPair = keyGen.GenerateKeyPair();

        DateTime now = nowUtc ?? TimeProvider.System.GetUtcNow().UtcDateTime;
        DateTime notBefore = now.AddDays(-1);
        DateTime notAfter = notBefore.AddDays(30);

        var name = new X509Name("CN=" + commonName);
        var certGen = new X509V3CertificateGenerator();
        // RFC 5280 §4.1.2.2: positive serial of at most 20 octets.
        certGen.SetSerialNumber(new BigInteger(63, random).Add(BigInteger.One));
        certGen.SetIssuerDN(name);
        certGen.SetSubjectDN(name);
        certGen.SetNotBefore(notBefore);
        certGen.SetNotAfter(notAfter);
        certGen.SetPublicKey(keyPair.Public);
        X509Certificate cert = certGen.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", keyPair.Private, random));

        return new DtlsCertificate(cert.GetEncoded(), keyPair.Private, notBefore, notAfter);
    }
}
