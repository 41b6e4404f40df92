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

        var (version, suite, ext) = ServerHelloFor(null, modified);

        Assert.Equal(Dtls12, version);
        Assert.Equal(EcdheEcdsaAes128GcmSha256, suite);
        Assert.False(ext.ContainsKey(43));
        Assert.False(ext.ContainsKey(51));
        Assert.True(ext.ContainsKey(ExtUseSrtp));
    }

    [Fact]
    public void Server_RealChromiumClientHello_AnswersDtls12EcdsaGcmWithClientsFirstSrtpProfile()
    {
        // Chromium 156 fragments its ClientHello over two datagrams and lists AES-CM first in use_srtp.
        var (version, suite, ext) = ServerHelloFor(null, ChromiumClientHello.Datagram1, ChromiumClientHello.Datagram2);

        Assert.Equal(Dtls12, version);
        Assert.Equal(EcdheEcdsaAes128GcmSha256, suite);
        Assert.True(ext.ContainsKey(ExtExtendedMasterSecret));
        Assert.False(ext.ContainsKey(43));
        Assert.Equal(new ushort[] { 0x0001 }, DtlsWire.ParseUseSrtp(ext[ExtUseSrtp]).Profiles);
    }

    [Fact]
    public void Server_RealChromiumClientHelloPreferLocalOrder_SelectsAes128Gcm()
    {
        var options = new DtlsEndpointOptions { PreferLocalSrtpProfileOrder = true };

        var (_, _, ext) = ServerHelloFor(options, ChromiumClientHello.Datagram1, ChromiumClientHello.Datagram2);

        Assert.Equal(new ushort[] { 0x0007 }, DtlsWire.ParseUseSrtp(ext[ExtUseSrtp]).Profiles);
    }

    [Fact]
    public void Server_RealChromiumClientHelloFragmentsReversed_StillAnswers()
    {
        // RFC 6347 §4.2.3: fragments may arrive in any order and are reassembled.
        var (version, _, _) = ServerHelloFor(null, ChromiumClientHello.Datagram2, ChromiumClientHello.Datagram1);

        Assert.Equal(Dtls12, version);
    }

    /// <summary>Feeds datagrams to a fresh server endpoint and returns its parsed ServerHello.</summary>
    private static (ushort Version, ushort CipherSuite, Dictionary<ushort, byte[]> Extensions) ServerHelloFor(
        DtlsEndpointOptions? options, params byte[][] datagrams)
    {
        var server = new DtlsEndpoint(DtlsRole.Server, ServerCert, null, options);
        var replied = new ManualResetEventSlim();   // not disposed: the background thread may still signal it
        server.OnOutput = replied.Set;
        server.Start();
        foreach (var d in datagrams)
            server.HandleReceive(0, d);
        var sent = new List<byte[]>();
        var wall = System.Diagnostics.Stopwatch.StartNew();
        while (!DtlsWire.HandshakeMessages(sent).Any(m => m.Type == ServerHello) && wall.Elapsed < TimeSpan.FromSeconds(10))
        {
            replied.Wait(TimeSpan.FromMilliseconds(50));
            replied.Reset();
            while (server.TryPollDatagram(out var d, out int n))
                sent.Add(d.AsSpan(0, n).ToArray());
        }
        bool hasEvent = server.TryPollEvent(out var evt);
        server.Dispose();
        Assert.False(hasEvent, evt?.ToString());
        return DtlsWire.ParseServerHello(DtlsWire.HandshakeMessages(sent).First(m => m.Type == ServerHello).Body);
    }
}
