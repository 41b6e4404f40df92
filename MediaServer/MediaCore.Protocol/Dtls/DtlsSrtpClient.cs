using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace MediaCore.Protocol.Dtls;

/// <summary>
/// BouncyCastle client peer for the WebRTC DTLS profile (RFC 8827 §6.5, RFC 5764): DTLS 1.2 only,
/// ECDHE with AES-GCM, extended master secret required, use_srtp offered, the server certificate pinned
/// by fingerprint and our own certificate sent when asked.
/// </summary>
internal sealed class DtlsSrtpClient : DefaultTlsClient
{
    // ECDSA first (WebRTC certificates are ECDSA); RSA kept so a peer with an RSA certificate still works.
    private static readonly int[] CipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ];

    private readonly DtlsPeerSettings _settings;
    private DtlsSrtpProfile? _selectedProfile;
    private bool _serverCertificateChecked;

    public DtlsSrtpClient(BcTlsCrypto crypto, DtlsPeerSettings settings) : base(crypto)
    {
        _settings = settings;
    }

    public override int GetHandshakeTimeoutMillis() => _settings.HandshakeTimeoutMillis;

    public override int GetHandshakeResendTimeMillis() => _settings.InitialRetransmitMillis;

    // RFC 7627 §5.2: binds the master secret to the handshake transcript; Chromium and OpenSSL offer it.
    public override bool RequiresExtendedMasterSecret() => true;

    public override bool IgnoreCorruptDtlsRecords => true;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, CipherSuites);

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        IDictionary<int, byte[]> extensions = base.GetClientExtensions() ?? new Dictionary<int, byte[]>();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(_settings.SrtpProfiles, TlsUtilities.EmptyBytes));
        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);

        UseSrtpData? selected = serverExtensions is null ? null : TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
        if (selected is null)
            throw _settings.Abort(AlertDescription.handshake_failure, "server did not select an SRTP profile (use_srtp)");

        // RFC 5764 §4.1.1: exactly one profile, one we offered; the MKI must echo ours (empty).
        int[] profiles = selected.ProtectionProfiles;
        if (profiles.Length != 1 || Array.IndexOf(_settings.SrtpProfiles, profiles[0]) < 0)
            throw _settings.Abort(AlertDescription.illegal_parameter, "server selected an SRTP profile we did not offer");
        if (selected.Mki.Length != 0)
            throw _settings.Abort(AlertDescription.illegal_parameter, "server returned an srtp_mki we did not offer");
        _selectedProfile = (DtlsSrtpProfile)profiles[0];
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        if (!_serverCertificateChecked)
            throw _settings.Abort(AlertDescription.handshake_failure, "server certificate was not verified");
        _settings.CompleteHandshake(m_context, _selectedProfile!.Value);
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause)
    {
        if (alertLevel == AlertLevel.fatal && message is not null)
            _settings.FailureDetail ??= message;
    }

    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
        => _settings.Observer.OnAlertReceived(alertLevel, alertDescription);

    private sealed class Authentication(DtlsSrtpClient client) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
        {
            client._settings.VerifyRemoteCertificate(serverCertificate.Certificate);
            client._serverCertificateChecked = true;
        }

        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest)
            => client._settings.CreateSigner(client.m_context, (BcTlsCrypto)client.Crypto,
                certificateRequest.SupportedSignatureAlgorithms);
    }
}
