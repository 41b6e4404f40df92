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

    [Fact]
    public void Server_ClientHelloOfferingDtls13_NegotiatesDtls12()
    {
        // A DTLS 1.3-capable browser sends legacy_version DTLS 1.2 plus supported_versions (RFC 9147 §5.3,
        // RFC 8446 §4.2.1), key_share and psk_key_exchange_modes. A DTLS 1.2-only server must pick 1.2 from
        // supported_versions and not echo any of them.
        var client = new DtlsEndpoint(DtlsRole.Client, ClientCert, null);
        var sent = new ManualResetEventSlim();   // not disposed: the background thread may still signal it
        client.OnOutput = sent.Set;
        client.Start();
        Assert.True(sent.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(client.TryPollDatagram(out byte[] buffer, out int length));
        byte[] hello = buffer.AsSpan(0, length).ToArray();
        client.Dispose();

        byte[] keyShare = new byte[2 + 4 + 32];
        keyShare[1] = 4 + 32;                        // client_shares length
        keyShare[3] = 0x1D;                          // x25519
        keyShare[5] = 32;                            // key_exchange length
        new Random(9147).NextBytes(keyShare.AsSpan(6));
        byte[] modified = DtlsWire.AppendClientHelloExtensions(hello,
            (43, [4, 0xFE, 0xFC, 0xFE, 0xFD]),         // supported_versions: DTLS 1.3, DTLS 1.2
            (51, keyShare),                            // key_share
            (45, [1, 1]));                             // psk_key_exchange_modes: psk_dhe_ke
        var parsed = DtlsWire.ParseClientHello(DtlsWire.HandshakeMessages([modified]).Single().Body);
        Assert.True(parsed.Extensions.ContainsKey(43));

        var server = new DtlsEndpoint(DtlsRole.Server, ServerCert, null);
        var replied = new ManualResetEventSlim();
        server.OnOutput = replied.Set;
        server.Start();
        server.HandleReceive(0, modified);
        var serverSent = new List<byte[]>();
        var wall = System.Diagnostics.Stopwatch.StartNew();
        while (!DtlsWire.HandshakeMessages(serverSent).Any(m => m.Type == ServerHello) && wall.Elapsed < TimeSpan.FromSeconds(10))
        {
            replied.Wait(TimeSpan.FromMilliseconds(50));
            replied.Reset();
            while (server.TryPollDatagram(out var d, out int n))
                serverSent.Add(d.AsSpan(0, n).ToArray());
        }
        server.TryPollEvent(out var evt);
        server.Dispose();

        Assert.Null(evt);
        var (version, suite, ext) = DtlsWire.ParseServerHello(DtlsWire.HandshakeMessages(serverSent).First(m => m.Type == ServerHello).Body);
        Assert.Equal(Dtls12, version);
        Assert.Equal(EcdheEcdsaAes128GcmSha256, suite);
        Assert.False(ext.ContainsKey(43));
        Assert.False(ext.ContainsKey(51));
        Assert.True(ext.ContainsKey(ExtUseSrtp));
    }
}
