using MediaCore.Protocol.Dtls;

namespace MediaCore.Protocol.Tests.Dtls;

/// <summary>
/// Checks the handshake on the wire against the WebRTC DTLS profile (RFC 8827 §6.5, RFC 8842,
/// RFC 5764, RFC 7627) that Chromium expects.
/// </summary>
public sealed class DtlsWebRtcProfileTests
{
    private const ushort Dtls12 = 0xFEFD;
    private const ushort EcdheEcdsaAes128GcmSha256 = 0xC02B;   // RFC 5289 §3.2
    private const ushort ExtUseSrtp = 14;                      // RFC 5764 §9
    private const ushort ExtExtendedMasterSecret = 23;         // RFC 7627 §5.1
    private const byte ClientHello = 1, ServerHello = 2, Certificate = 11, CertificateRequest = 13;

    private static readonly DtlsCertificate ServerCert = DtlsCertificate.Generate();
    private static readonly DtlsCertificate ClientCert = DtlsCertificate.Generate();

    private static DtlsTestPump Handshake()
    {
        var pump = new DtlsTestPump(
            new DtlsEndpoint(DtlsRole.Client, ClientCert, ServerCert.Fingerprint.ToString()),
            new DtlsEndpoint(DtlsRole.Server, ServerCert, ClientCert.Fingerprint.ToString()));
        pump.Server.Start();
        pump.Client.Start();
        Assert.True(pump.RunUntil(p => p.BothConnected()));
        return pump;
    }

    [Fact]
    public void ClientHello_Always_OffersDtls12EcdsaGcmEmsAndSrtpProfilesGcmThenCm()
    {
        using var pump = Handshake();

        var hello = DtlsWire.HandshakeMessages(pump.ClientSent).First(m => m.Type == ClientHello);
        var (version, suites, ext) = DtlsWire.ParseClientHello(hello.Body);

        Assert.Equal(Dtls12, version);
        Assert.Equal(EcdheEcdsaAes128GcmSha256, suites[0]);
        Assert.True(ext.ContainsKey(ExtExtendedMasterSecret));
        var (profiles, mki) = DtlsWire.ParseUseSrtp(ext[ExtUseSrtp]);
        Assert.Equal(new ushort[] { 0x0007, 0x0001 }, profiles);
        Assert.Empty(mki);
    }

    [Fact]
    public void ServerHello_Always_SelectsEcdsaGcmWithEmsAndOneSrtpProfile()
    {
        using var pump = Handshake();

        var hello = DtlsWire.HandshakeMessages(pump.ServerSent).First(m => m.Type == ServerHello);
        var (version, suite, ext) = DtlsWire.ParseServerHello(hello.Body);

        Assert.Equal(Dtls12, version);
        Assert.Equal(EcdheEcdsaAes128GcmSha256, suite);
        Assert.True(ext.ContainsKey(ExtExtendedMasterSecret));
        var (profiles, mki) = DtlsWire.ParseUseSrtp(ext[ExtUseSrtp]);
        Assert.Equal(new ushort[] { 0x0007 }, profiles);
        Assert.Empty(mki);
    }

    [Fact]
    public void Server_Always_RequestsClientCertificateAndClientSendsOne()
    {
        // RFC 5763 §5: both endpoints present certificates, checked against the SDP fingerprints.
        using var pump = Handshake();

        Assert.Contains(DtlsWire.HandshakeMessages(pump.ServerSent), m => m.Type == CertificateRequest);
        var clientCert = DtlsWire.HandshakeMessages(pump.ClientSent).First(m => m.Type == Certificate);
        Assert.True(clientCert.Body.Length > 3 + 3 + 100);
    }

    [Fact]
    public void Server_NoHelloVerifyRequest_ClientHelloSentOnce()
    {
        // ICE already verified the peer's address, so the RFC 6347 §4.2.1 cookie round trip is skipped.
        using var pump = Handshake();

        Assert.Single(DtlsWire.HandshakeMessages(pump.ClientSent), m => m.Type == ClientHello);
        Assert.DoesNotContain(DtlsWire.HandshakeMessages(pump.ServerSent), m => m.Type == 3);
    }
}
