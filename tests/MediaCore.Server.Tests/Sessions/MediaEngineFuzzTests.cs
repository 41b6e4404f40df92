using System.Net;
using MediaCore.Protocol.Core;

namespace MediaCore.Server.Tests.Sessions;

/// <summary>
/// Issue 2 §7: random or truncated datagrams on the shared UDP port never crash or stall the server. A seeded
/// mutator feeds STUN, DTLS, RTP and RTCP shaped datagrams through the engine's demux, a live session's
/// ICE agent, DTLS endpoint and SRTP, then checks that a valid check is still answered.
/// </summary>
public sealed class MediaEngineFuzzTests
{
    [Fact]
    public async Task OnDatagram_100kMutatedDatagrams_NeverThrowsAndStillAnswersIce()
    {
        var h = new SessionHarness();
        string offer = SessionHarness.Fixture("chromium156-whip-offer.sdp");
        var (_, answer) = await h.PublishAsync("fuzz", offer);
        Assert.True(Protocol.Sdp.SdpParser.TryParse(offer, out var parsedOffer, out _));
        string localUfrag = answer.Media[0].IceUfrag ?? answer.IceUfrag!;
        string localPwd = answer.Media[0].IcePwd ?? answer.IcePwd!;
        string remoteUfrag = parsedOffer.Media[0].IceUfrag ?? parsedOffer.IceUfrag!;

        var peer = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 50000));
        var stranger = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 50001));
        byte[] check = SessionHarness.BindingRequest(localUfrag, remoteUfrag, localPwd, useCandidate: true);
        long now = h.Engine.Clock.NowTicks;
        h.Engine.OnDatagram(now, check.ToArray(), peer);
        Assert.True(h.Sent.Count >= 1);

        byte[][] corpus =
        [
            check,
            // DTLS 1.2 handshake record header (RFC 6347 §4.1) + ClientHello-ish body.
            [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 1, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 36, 0xFE, 0xFD, .. new byte[34]],
            // RTP: V=2, PT=111, seq 1, ts 960, SSRC 0x01020304, one-byte extension header, 20-byte payload.
            [0x90, 111, 0, 1, 0, 0, 3, 0xC0, 1, 2, 3, 4, 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0, .. new byte[20]],
            // RTCP RR (PT 201) with one report block, then SRTCP-sized tail.
            [0x81, 201, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8, .. new byte[20], .. new byte[14]],
        ];
        var random = new Random(20261126);
        var buffer = new byte[1500];
        for (int i = 0; i < 100_000; i++)
        {
            var seed = corpus[random.Next(corpus.Length)];
            int length = Mutate(random, seed, buffer);
            now += TimeSpan.TicksPerMillisecond / 10;
            h.Engine.OnDatagram(now, buffer.AsSpan(0, length), random.Next(4) == 0 ? stranger : peer);
        }

        int before = h.Sent.Count;
        byte[] again = SessionHarness.BindingRequest(localUfrag, remoteUfrag, localPwd, useCandidate: true);
        h.Engine.OnDatagram(now, again, peer);
        Assert.True(h.Sent.Count > before, "a valid connectivity check was not answered after the fuzzing");
        Assert.Equal(peer, h.Sent.LastDestination);
    }

    private static int Mutate(Random random, byte[] seed, byte[] buffer)
    {
        int length = seed.Length;
        seed.CopyTo(buffer, 0);
        switch (random.Next(5))
        {
            case 0: // flip a few bytes
                for (int k = random.Next(1, 6); k > 0; k--) buffer[random.Next(length)] = (byte)random.Next(256);
                break;
            case 1: // truncate
                length = random.Next(0, length);
                break;
            case 2: // extend with noise
                int extra = random.Next(1, 200);
                random.NextBytes(buffer.AsSpan(length, extra));
                length += extra;
                break;
            case 3: // pure noise
                length = random.Next(0, 1500);
                random.NextBytes(buffer.AsSpan(0, length));
                break;
            default: // keep the first byte (demux class), randomise the rest
                random.NextBytes(buffer.AsSpan(1, length - 1));
                break;
        }
        return length;
    }
}
