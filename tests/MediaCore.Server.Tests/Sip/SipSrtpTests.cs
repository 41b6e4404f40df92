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

    /// <summary>
    /// SRTP video (RTP/SAVP with its own <c>a=crypto</c> on the video m-line): terminal A publishes a plain H.264 camera, terminal B
    /// offers SAVP video; B's program (A's camera, forwarded) arrives SRTP-protected with the key of B's answer, B's SRTCP PLI asks the
    /// program's publisher for a key frame, B's receiver report lowers the program's bandwidth estimate, B's own SRTP camera
    /// packets are accepted and a tampered one is dropped.
    /// </summary>
    [Fact]
    public async Task SavpVideo_SdesKeys_ProgramProtected_CameraUnprotected_TerminalRtcpActedOn()
    {
        await using var server = await TestMediaServer.StartAsync(null, "--MediaServer:Sip:Port=0");
        var sip = server.Services.GetRequiredService<SipServer>();
        var to = new IPEndPoint(IPAddress.Loopback, sip.Port);
        const string uri = "sip:srtpvideo@127.0.0.1";
        const string h264 = "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n";

        // Terminal A: plain RTP/AVP, its camera is the room's H.264 publisher.
        using var aSip = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var aAudio = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var aVideo = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var aOffer = $"v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {Port(aAudio)} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
            + $"m=video {Port(aVideo)} RTP/AVP 96\r\n{h264}a=sendonly\r\n";
        var aAnswer = await CallAsync(aSip, to, uri, "call-a", SipAccounts.Username(8, 2), aOffer);
        int aServerVideo = int.Parse(aAnswer.Split("m=video ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

        // Terminal B: SRTP video both ways with its own key.
        using var bSip = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var bAudio = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var bVideo = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var ours = new SdesCrypto(1, SrtpProfile.Aes128CmHmacSha1_80, RandomNumberGenerator.GetBytes(SdesCrypto.KeyAndSaltLength));
        var bOffer = $"v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {Port(bAudio)} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
            + $"m=video {Port(bVideo)} RTP/SAVP 96\r\n{h264}a=crypto:{ours}\r\n";
        var bAnswer = await CallAsync(bSip, to, uri, "call-b", SipAccounts.Username(9, 2), bOffer);
        var videoSection = bAnswer[bAnswer.IndexOf("m=video ", StringComparison.Ordinal)..];
        Assert.StartsWith("m=video ", videoSection, StringComparison.Ordinal);
        Assert.Contains("RTP/SAVP", videoSection.Split("\r\n")[0], StringComparison.Ordinal);
        var cryptoLine = videoSection.Split("\r\n").Single(l => l.StartsWith("a=crypto:", StringComparison.Ordinal));
        Assert.True(SdesCrypto.TryParse(cryptoLine["a=crypto:".Length..], out var theirs, out var error), error);
        int bServerVideo = int.Parse(videoSection.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

        // A's camera: SPS, PPS and an IDR slice per frame (RFC 6184 single NAL unit packets), 25 frames a second.
        var packet = new byte[64 + 32];
        ushort seq = 0;
        var receive = Task.Run(async () =>
        {
            using var unprotect = new SrtpContext(theirs.Profile, theirs.MasterKey, theirs.MasterSalt);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            int good = 0;
            uint ssrc = 0;
            while (good < 10)
            {
                var datagram = (await bVideo.ReceiveAsync(wait.Token)).Buffer;
                Assert.Equal(SrtpResult.Ok, unprotect.UnprotectRtpInPlace(datagram, out int length));
                Assert.Equal(96, datagram[1] & 0x7F);
                Assert.True(length > 12);
                ssrc = BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(8));
                good++;
            }
            return (good, ssrc);
        });
        for (int frame = 0; frame < 40 && !receive.IsCompleted; frame++)
        {
            foreach (byte nal in (byte[])[0x67, 0x68, 0x65])
            {
                packet[0] = 0x80;
                packet[1] = (byte)(nal == 0x65 ? 0x80 | 96 : 96);
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), seq++);
                BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)(frame * 3600));
                BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), 0xA0A0);
                packet[12] = nal;
                for (int i = 13; i < 64; i++) packet[i] = (byte)(i | 1);
                await aVideo.SendAsync(packet.AsMemory(0, 64), new IPEndPoint(IPAddress.Loopback, aServerVideo));
            }
            await Task.Delay(40);
        }
        var (received, programSsrc) = await receive;
        Assert.Equal(10, received);

        // B's SRTCP PLI (RFC 4585 §6.3.1) on its video RTCP port asks the program's publisher for a key frame.
        using var protect = new SrtpContext(ours.Profile, ours.MasterKey, ours.MasterSalt);
        var bMedia = sip.Calls.Single(c => c.Call.Account.Username == SipAccounts.Username(9, 2));
        var program = bMedia.Video!.Consumer!;
        await Task.Delay(600); // past the router's key frame request throttle (500 ms per encoding)
        long requestedBefore = program.Stats.KeyFramesRequested;
        var pli = new byte[64];
        new MediaCore.Protocol.Rtcp.PictureLossIndication(0xB0B0, programSsrc).WriteTo(pli);
        Assert.True(protect.TryProtectRtcpInPlace(pli, MediaCore.Protocol.Rtcp.PictureLossIndication.Size, out int pliLength));
        await bVideo.SendAsync(pli.AsMemory(0, pliLength), new IPEndPoint(IPAddress.Loopback, bServerVideo + 1));
        var pliDeadline = DateTime.UtcNow.AddSeconds(3);
        while (program.Stats.KeyFramesRequested == requestedBefore && DateTime.UtcNow < pliDeadline) await Task.Delay(20);
        Assert.True(program.Stats.KeyFramesRequested > requestedBefore, "the terminal's SRTCP PLI did not reach the program's publisher");

        // B's SRTCP receiver report (RFC 3550 §6.4.2) says half the program is lost: the loss-based estimate drops by a quarter
        // (draft-ietf-rmcat-gcc §6) and becomes the program consumer's bandwidth, which picks its simulcast layer.
        var rr = new byte[128];
        int rrLength = new MediaCore.Protocol.Rtcp.ReceiverReportWriter(0xB0B0,
            [new MediaCore.Protocol.Rtcp.ReportBlock(programSsrc, 128, 20, 100, 900, 0, 0)]).WriteTo(rr);
        Assert.True(protect.TryProtectRtcpInPlace(rr, rrLength, out rrLength));
        await bVideo.SendAsync(rr.AsMemory(0, rrLength), new IPEndPoint(IPAddress.Loopback, bServerVideo + 1));
        var rrDeadline = DateTime.UtcNow.AddSeconds(3);
        while (bMedia.Video.ReportsReceived == 0 && DateTime.UtcNow < rrDeadline) await Task.Delay(20);
        Assert.Equal((byte)128, bMedia.Video.LastFractionLost);
        Assert.Equal(900u, bMedia.Video.LastJitter);
        Assert.Equal(SipVideoMedia.MaxBitrate * 3 / 4, bMedia.Video.EstimatedBitrate);
        Assert.Equal(bMedia.Video.EstimatedBitrate, Assert.IsType<MediaCore.Routing.SimulcastConsumer>(program).AvailableBitrate);

        // B's camera: three SRTP packets with its key, then a tampered one.
        for (int n = 0; n < 4; n++)
        {
            packet[0] = 0x80;
            packet[1] = 0x80 | 96;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)n);
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)(n * 3600));
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), 0xB0B0);
            packet[12] = 0x65;
            Assert.True(protect.TryProtectRtpInPlace(packet, 64, out int length));
            if (n == 3) packet[30] ^= 1;
            await bVideo.SendAsync(packet.AsMemory(0, length), new IPEndPoint(IPAddress.Loopback, bServerVideo));
        }
        var deadline = DateTime.UtcNow.AddSeconds(5);
        SipCallMedia? b = null;
        while (DateTime.UtcNow < deadline)
        {
            b = sip.Calls.FirstOrDefault(c => c.Call.Account.Username == SipAccounts.Username(9, 2));
            if (b?.Video is { } v && v.PacketsReceived + v.SrtpFailures >= 4) break;
            await Task.Delay(50);
        }
        Assert.NotNull(b?.Video);
        Assert.Equal(3, b.Video.PacketsReceived);
        Assert.Equal(1, b.Video.SrtpFailures);
    }

    private static int Port(UdpClient client) => ((IPEndPoint)client.Client.LocalEndPoint!).Port;

    /// <summary>INVITE with digest, ACK; returns the SDP answer.</summary>
    private static async Task<string> CallAsync(UdpClient signalling, IPEndPoint to, string uri, string callId, string user, string offer)
    {
        int sipPort = Port(signalling);
        var password = SipAccounts.Password(TestMediaServer.Secret, user);
        var challenge = await RequestAsync(signalling, to, Invite(uri, sipPort, 1, user, offer, null, callId));
        Assert.Equal(401, challenge.StatusCode);
        var ok = await RequestAsync(signalling, to, Invite(uri, sipPort, 2, user, offer, Authorization(challenge, user, password, uri), callId));
        Assert.True(ok.StatusCode == 200, $"INVITE got {ok.StatusCode} {ok.ReasonPhrase}");
        SipNameAddress.TryParse(ok.Get("To"), out var toAddress);
        await signalling.SendAsync(Encoding.UTF8.GetBytes(
            $"ACK {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{sipPort};branch=z9hG4bKack{Guid.NewGuid():N}\r\nFrom: <sip:{user}@127.0.0.1>;tag=ft\r\n"
            + $"To: <{uri}>;tag={toAddress!.Tag}\r\nCall-ID: {callId}\r\nCSeq: 2 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"), to);
        return ok.BodyText;
    }

    private static string Invite(string uri, int sipPort, int cseq, string user, string sdp, string? authorization, string callId = "srtp-call") =>
        $"INVITE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{sipPort};branch=z9hG4bK{Guid.NewGuid():N};rport\r\n"
        + $"From: <sip:{user}@127.0.0.1>;tag=ft\r\nTo: <{uri}>\r\nCall-ID: {callId}\r\nCSeq: {cseq} INVITE\r\nMax-Forwards: 70\r\n"
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

    private static Task<SipMessage> RequestAsync(UdpClient client, IPEndPoint to, string request) =>
        SipUdpRequests.RequestAsync(client, to, request);
}
