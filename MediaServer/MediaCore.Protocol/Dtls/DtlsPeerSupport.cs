using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace MediaCore.Protocol.Dtls;

/// <summary>What the BouncyCastle peer classes report back to <see cref="DtlsEndpoint"/>.</summary>
internal interface IDtlsPeerObserver
{
    /// <summary>Called on the handshake thread once both Finished messages verified.</summary>
    void OnHandshakeComplete(DtlsSrtpProfile profile, byte[] keyingMaterial);

    /// <summary>Called for every alert the peer sends, during or after the handshake.</summary>
    void OnAlertReceived(short level, short description);
}

/// <summary>Settings and helpers shared by <see cref="DtlsSrtpServer"/> and <see cref="DtlsSrtpClient"/>.</summary>
internal sealed class DtlsPeerSettings
{
    public required DtlsCertificate Certificate { get; init; }
    public required DtlsFingerprint? ExpectedRemoteFingerprint { get; init; }
    public required int[] SrtpProfiles { get; init; }
    public required bool PreferLocalSrtpProfileOrder { get; init; }
    public required int HandshakeTimeoutMillis { get; init; }
    public required int InitialRetransmitMillis { get; init; }
    public required IDtlsPeerObserver Observer { get; init; }

    /// <summary>Why the handshake was aborted locally, when we know better than the alert code.</summary>
    public string? FailureDetail { get; set; }

    /// <summary>
    /// Checks the end-entity certificate against the fingerprint from the remote SDP (RFC 8122 §5,
    /// RFC 5763 §5). There is no chain to validate: the certificate is self-signed and the signaling
    /// channel vouches for its hash.
    /// </summary>
    public void VerifyRemoteCertificate(Certificate? certificate)
    {
        if (ExpectedRemoteFingerprint is not { } expected)
            return;
        if (certificate is null || certificate.IsEmpty)
            throw Abort(AlertDescription.bad_certificate, "remote sent no certificate");
        byte[] der = certificate.GetCertificateAt(0).GetEncoded();
        if (!expected.Matches(der))
        {
            var actual = DtlsFingerprint.Compute(der, expected.Algorithm);
            throw Abort(AlertDescription.bad_certificate,
                $"remote certificate fingerprint mismatch: expected {expected}, got {actual}");
        }
    }

    public TlsFatalAlert Abort(short alert, string detail)
    {
        FailureDetail ??= detail;
        return new TlsFatalAlert(alert, detail);
    }

    public Certificate CreateLocalCertificate(TlsCrypto crypto)
        => new([crypto.CreateCertificate(Certificate.DerBytes)]);

    public TlsCredentialedSigner CreateSigner(TlsContext context, BcTlsCrypto crypto,
        IList<SignatureAndHashAlgorithm>? peerSigAlgs)
        => new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, Certificate.PrivateKey,
            CreateLocalCertificate(crypto), PickEcdsaSignatureAlgorithm(peerSigAlgs));

    /// <summary>
    /// Our key is P-256, so ecdsa_secp256r1_sha256 is the natural choice (RFC 8422 §5.1.1); fall back to
    /// another ECDSA hash only if the peer does not list SHA-256.
    /// </summary>
    private static SignatureAndHashAlgorithm PickEcdsaSignatureAlgorithm(IList<SignatureAndHashAlgorithm>? peerSigAlgs)
    {
        var preferred = new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);
        if (peerSigAlgs is null || peerSigAlgs.Count == 0 || peerSigAlgs.Contains(preferred))
            return preferred;
        foreach (var alg in peerSigAlgs)
        {
            if (alg.Signature == SignatureAlgorithm.ecdsa &&
                (alg.Hash == HashAlgorithm.sha384 || alg.Hash == HashAlgorithm.sha512))
                return alg;
        }
        return preferred;
    }

    /// <summary>RFC 5764 §4.2: export 2 * (key + salt) bytes with the "EXTRACTOR-dtls_srtp" label, no context.</summary>
    public void CompleteHandshake(TlsContext context, DtlsSrtpProfile profile)
    {
        byte[] material = context.ExportKeyingMaterial(ExporterLabel.dtls_srtp, null, profile.KeyingMaterialLength());
        Observer.OnHandshakeComplete(profile, material);
    }
}
