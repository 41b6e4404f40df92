using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace MediaCore.Protocol.Dtls;

/// <summary>
/// BouncyCastle server peer for the WebRTC DTLS profile (RFC 8827 §6.5, RFC 5764): DTLS 1.2 only,
/// ECDHE_ECDSA with AES-GCM, extended master secret required, a client certificate required and pinned
/// by fingerprint, use_srtp selected from the client's list.
/// </summary>
internal sealed class DtlsSrtpServer : DefaultTlsServer
{
    private static readonly int[] CipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    private readonly DtlsPeerSettings _settings;
    private DtlsSrtpProfile? _selectedProfile;
    private bool _clientCertificateChecked;

    public DtlsSrtpServer(BcTlsCrypto crypto, DtlsPeerSettings settings) : base(crypto)
    {
        _settings = settings;
    }

    public override int GetHandshakeTimeoutMillis() => _settings.HandshakeTimeoutMillis;

    public override int GetHandshakeResendTimeMillis() => _settings.InitialRetransmitMillis;

    // RFC 7627 §5.2: binds the master secret to the handshake transcript; Chromium and OpenSSL offer it.
    public override bool RequiresExtendedMasterSecret() => true;

    // Stray or forged records after the handshake must not tear the association down (RFC 6347 §4.1.2.7).
    public override bool IgnoreCorruptDtlsRecords => true;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, CipherSuites);

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);

        UseSrtpData? offered = clientExtensions is null ? null : TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions);
        if (offered is null)
            throw _settings.Abort(AlertDescription.handshake_failure, "client did not offer use_srtp");

        // RFC 5764 §4.1.1: the server picks one of the client's profiles; by default in the client's order.
        int[] first = _settings.PreferLocalSrtpProfileOrder ? _settings.SrtpProfiles : offered.ProtectionProfiles;
        int[] second = _settings.PreferLocalSrtpProfileOrder ? offered.ProtectionProfiles : _settings.SrtpProfiles;
        foreach (int code in first)
        {
            if (Array.IndexOf(second, code) >= 0)
            {
                _selectedProfile = (DtlsSrtpProfile)code;
                return;
            }
        }
        throw _settings.Abort(AlertDescription.handshake_failure, "no common SRTP protection profile");
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        IDictionary<int, byte[]> extensions = base.GetServerExtensions() ?? new Dictionary<int, byte[]>();
        // No MKI: WebRTC does not use it, so the srtp_mki field is empty (RFC 5764 §4.1.1).
        TlsSrtpUtilities.AddUseSrtpExtension(extensions,
            new UseSrtpData([(int)_selectedProfile!.Value], TlsUtilities.EmptyBytes));
        return extensions;
    }

    // RFC 5763 §5: both sides present certificates and check them against the SDP fingerprints, so the
    // client must send one.
    public override CertificateRequest GetCertificateRequest()
        => new([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign],
            TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context), null);

    public override void NotifyClientCertificate(Certificate clientCertificate)
    {
        _settings.VerifyRemoteCertificate(clientCertificate);
        _clientCertificateChecked = true;
    }

    protected override TlsCredentialedSigner GetECDsaSignerCredentials()
        => _settings.CreateSigner(m_context, (BcTlsCrypto)Crypto, m_context.SecurityParameters.ClientSigAlgs);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        if (_settings.ExpectedRemoteFingerprint is not null && !_clientCertificateChecked)
            throw _settings.Abort(AlertDescription.handshake_failure, "client certificate was not verified");
        _settings.CompleteHandshake(m_context, _selectedProfile!.Value);
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause)
    {
        if (alertLevel == AlertLevel.fatal && message is not null)
            _settings.FailureDetail ??= message;
    }

    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
        => _settings.Observer.OnAlertReceived(alertLevel, alertDescription);
}
