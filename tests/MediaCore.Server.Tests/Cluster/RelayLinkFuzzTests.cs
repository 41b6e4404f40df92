using System.Net;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Srtp;
using MediaCore.Server.Cluster;
using MediaCore.Server.Rooms;
using MediaCore.Server.Tests.Sessions;

namespace MediaCore.Server.Tests.Cluster;

/// <summary>
/// Whatever arrives from a peer node's media address (a relay link's SRTP/SRTCP, or garbage) never crashes the node, and
/// the link still delivers a valid packet afterwards. Runs without sockets on the engine's datagram entry.
/// </summary>
public sealed class RelayLinkFuzzTests
{
    [Fact]
    public void OnDatagram_50kMutatedLinkDatagrams_NeverThrowsAndStillDelivers()
    {
        var h = new SessionHarness();
        var peer = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 41000));
        byte[] material = new byte[28];
        new Random(7).NextBytes(material);
        // The peer's sending context: what it would protect with the key it handed over.
        using var peerSend = new SrtpContext(SrtpProfile.AeadAes128Gcm, material.AsSpan(0, 16), material.AsSpan(16));
        RelayLink link;
        lock (h.Engine.Gate)
        {
            long now = h.Engine.Clock.NowTicks;
            link = h.Engine.GetOrCreateRelayLink("town-1", "county", peer, now);
            link.SetRemoteKey(Convert.ToBase64String(material), 1);
            link.SyncInbound(now, h.Engine.GetOrCreateRoom(RoomId.Parse("plenary")), [
                new RelayTrackDto("plenary", "p-audio", "county-host", "audio", "Opus", 48000, 111, null, 0x11111111, null),
                new RelayTrackDto("plenary", "p-video", "county-host", "video", "Vp8", 90000, 96, 97, 0x22222222, 0x33333333),
            ]);
        }

        ushort seq = 1;
        byte[] Protected(uint ssrc, byte pt)
        {
            // RTP: V=2, PT, seq, ts, SSRC, 20-byte payload (RFC 3550 §5.1), then SRTP-protected with the peer's key.
            byte[] rtp = [0x80, pt, (byte)(seq >> 8), (byte)seq, 0, 0, 3, 0xC0, (byte)(ssrc >> 24), (byte)(ssrc >> 16), (byte)(ssrc >> 8), (byte)ssrc, .. new byte[20]];
            seq++;
            var buffer = new byte[rtp.Length + 32];
            rtp.CopyTo(buffer, 0);
            Assert.True(peerSend.TryProtectRtpInPlace(buffer, rtp.Length, out int n));
            return buffer[..n];
        }

        byte[][] corpus = [Protected(0x11111111, 111), Protected(0x22222222, 96), [0x81, 201, 0, 7, 1, 2, 3, 4, .. new byte[40]], [0x81, 205, 0, 3, 1, 2, 3, 4, 0x22, 0x22, 0x22, 0x22, 0, 1, 0, 0]];
        var random = new Random(20261203);
        var scratch = new byte[1500];
        long t = h.Engine.Clock.NowTicks;
        for (int i = 0; i < 50_000; i++)
        {
            var seed = corpus[random.Next(corpus.Length)];
            seed.CopyTo(scratch, 0);
            int length = seed.Length;
            switch (random.Next(4))
            {
                case 0: for (int k = random.Next(1, 6); k > 0; k--) scratch[random.Next(length)] = (byte)random.Next(256); break;
                case 1: length = random.Next(0, length); break;
                case 2: length = random.Next(0, 1500); random.NextBytes(scratch.AsSpan(0, length)); break;
                default: random.NextBytes(scratch.AsSpan(1, length - 1)); break;
            }
            t += TimeSpan.TicksPerMillisecond / 10;
            h.Engine.OnDatagram(t, scratch.AsSpan(0, length), peer);
        }

        long before = link.PacketsIn;
        h.Engine.OnDatagram(t, Protected(0x11111111, 111), peer);
        Assert.Equal(before + 1, link.PacketsIn);
        Assert.True(link.UnprotectFailures > 0, "the mutated datagrams should have failed authentication");
    }
}
