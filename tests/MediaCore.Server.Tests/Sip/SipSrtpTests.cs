using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Sip;
using MediaCore.Protocol.Srtp;
using MediaCore.Server.Sip;
using MediaCore.Server.Tests.Infrastructure;

namespace MediaCore.Server.Tests.Sip;

/// <summary>
/// SDES-SRTP (RFC 4568) on a SIP call against the real MediaServer: a terminal offers RTP/SAVP with
/// <c>a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:…</c>; the answer carries MediaServer's own key; the terminal's SRTP
/// (protected with its key by the project's SRTP code, RFC 3711) reaches the mixer, a tampered packet is dropped, and what
/// MediaServer sends back unprotects with the answer's key into G.711 RTP.
/// </summary>
public class SipSrtpTests
{
    [Fact]
    public async Task SavpCall_SdesKeys_SrtpBothWays()
    {
        await using var server = await TestMediaServer.StartAsync(null, "--MediaServer:Sip:Port=0");
        var sip = server.Services.GetRequiredService<SipServer>();
        var user = SipAccounts.Username(8, 1);
        var password = SipAccounts.Password(TestMediaServer.Secret, user);
        using var signalling = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var media = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int sipPort = ((IPEndPoint)signalling.Client.LocalEndPoint!).Port;
        int mediaPort = ((IPEndPoint)media.Client.LocalEndPoint!).Port;
        var to = new IPEndPoint(IPAddress.Loopback, sip.Port);
        var ours = new SdesCrypto(1, SrtpProfile.Aes128CmHmacSha1_80, RandomNumberGenerator.GetBytes(SdesCrypto.KeyAndSaltLength));
        var offer = $"v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {mediaPort} RTP/SAVP 8\r\n"
            + $"a=rtpmap:8 PCMA/8000\r\na=crypto:{ours}\r\n";
        const string uri = "sip:srtproom@127.0.0.1";

        var challenge = await RequestAsync(signalling, to, Invite(uri, sipPort, 1, user, offer, null));
        Assert.Equal(401, challenge.StatusCode);
        var ok = await RequestAsync(signalling, to, Invite(uri, sipPort, 2, user, offer, Authorization(challenge, user, password, uri)));
        Assert.True(ok.StatusCode == 200, $"INVITE got {ok.StatusCode} {ok.ReasonPhrase}");
        var answer = ok.BodyText;
        Assert.Contains("RTP/SAVP", answer, StringComparison.Ordinal);
        var cryptoLine = answer.Split("\r\n").Single(l => l.StartsWith("a=crypto:", StringComparison.Ordinal));
        Assert.True(SdesCrypto.TryParse(cryptoLine["a=crypto:".Length..], out var theirs, out var error), error);
        Assert.Equal(1, theirs.Tag);
        Assert.NotEqual(ours.MasterKeyAndSalt, theirs.MasterKeyAndSalt);
        int serverMediaPort = int.Parse(answer.Split("m=audio ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        SipNameAddress.TryParse(ok.Get("To"), out var toAddress);
        await signalling.SendAsync(Encoding.UTF8.GetBytes(
            $"ACK {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{sipPort};branch=z9hG4bKack{Guid.NewGuid():N}\r\nFrom: <sip:{user}@127.0.0.1>;tag=ft\r\n"
            + $"To: <{uri}>;tag={toAddress!.Tag}\r\nCall-ID: srtp-call\r\nCSeq: 2 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"), to);

        // 50 packets of 20 ms A-law tone, SRTP-protected with our key; then one with a flipped bit, which must be dropped.
        using var protect = new SrtpContext(ours.Profile, ours.MasterKey, ours.MasterSalt);
        var serverMedia = new IPEndPoint(IPAddress.Loopback, serverMediaPort);
        var packet = new byte[12 + 160 + 16];
        for (int n = 0; n < 50; n++)
        {
            packet[0] = 0x80;
            packet[1] = 8;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)n);
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)(n * 160));
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), 0x1234);
            for (int i = 0; i < 160; i++) packet[12 + i] = G711.LinearToALaw((short)(8000 * Math.Sin(2 * Math.PI * 440 * (n * 160 + i) / 8000.0)));
            Assert.True(protect.TryProtectRtpInPlace(packet, 12 + 160, out int length));
            if (n == 49) packet[20] ^= 1;
            await media.SendAsync(packet.AsMemory(0, length), serverMedia);
            await Task.Delay(20);
        }

        // MediaServer's own SRTP: the mix (silence for the only caller) unprotects with the answer's key.
        using var unprotect = new SrtpContext(theirs.Profile, theirs.MasterKey, theirs.MasterSalt);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int good = 0;
        while (good < 10)
        {
            var datagram = (await media.ReceiveAsync(wait.Token)).Buffer;
            Assert.Equal(SrtpResult.Ok, unprotect.UnprotectRtpInPlace(datagram, out int length));
            Assert.Equal(8, datagram[1] & 0x7F);
            Assert.Equal(12 + 160, length);
            good++;
        }
        var call = Assert.Single(sip.Calls);
        Assert.Equal(49, call.PacketsReceived);
        Assert.Equal(1, call.SrtpFailures);
    }

    private static string Invite(string uri, int sipPort, int cseq, string user, string sdp, string? authorization) =>
        $"INVITE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{sipPort};branch=z9hG4bK{Guid.NewGuid():N};rport\r\n"
        + $"From: <sip:{user}@127.0.0.1>;tag=ft\r\nTo: <{uri}>\r\nCall-ID: srtp-call\r\nCSeq: {cseq} INVITE\r\nMax-Forwards: 70\r\n"
        + $"Contact: <sip:{user}@127.0.0.1:{sipPort}>\r\n" + (authorization != null ? $"Authorization: {authorization}\r\n" : "")
        + $"Content-Type: application/sdp\r\nContent-Length: {Encoding.UTF8.GetByteCount(sdp)}\r\n\r\n{sdp}";

    private static string Authorization(SipMessage challenge, string user, string password, string uri)
    {
        var www = challenge.Get(SipHeaderNames.WwwAuthenticate)!;
        var nonce = www.Split("nonce=\"")[1].Split('"')[0];
        var realm = www.Split("realm=\"")[1].Split('"')[0];
        var response = SipDigest.Response(SipDigest.Ha1(user, realm, password), nonce, "00000001", "abcdef", "auth", "INVITE", uri);
        return $"Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5, "
            + "cnonce=\"abcdef\", qop=auth, nc=00000001";
    }

    /// <summary>Sends a request and returns its final response (provisional ones skipped).</summary>
    private static async Task<SipMessage> RequestAsync(UdpClient client, IPEndPoint to, string request)
    {
        await client.SendAsync(Encoding.UTF8.GetBytes(request), to);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            var data = (await client.ReceiveAsync(wait.Token)).Buffer;
            Assert.True(SipParser.TryParse(data, false, out var m, out var error), error);
            if (m.StatusCode >= 200) return m;
        }
    }
}
