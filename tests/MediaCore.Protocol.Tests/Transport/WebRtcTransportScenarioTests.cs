using System.Collections.Concurrent;
using System.Net;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Srtp;
using MediaCore.Protocol.Transport;

namespace MediaCore.Protocol.Tests.Transport;

/// <summary>
/// The two transports end to end (str0m style): our client (controlling ICE, DTLS client) and server (ICE-lite,
/// DTLS server) joined by an in-memory link that drops a seeded share of datagrams. ICE, DTLS-SRTP and SRTP must
/// come up despite the loss, and media must flow both ways. ICE and SRTP run in virtual time; BouncyCastle's
/// handshake runs on its own thread and retransmits on its own wall clock (1 s, doubling), which no test can set.
/// So the link decides each datagram's fate by what it is, not by when it is sent or in which order the two threads
/// queue it: the n-th transmission of a DTLS handshake message (a retransmitted flight is the next transmission of
/// the same messages), the RTP sequence number, the n-th STUN message of a kind. A slow machine may add a
/// retransmission, whose fate is fixed as well; it never moves the loss onto other datagrams. One seed, one loss
/// pattern, and the media phase's delivered count is known exactly.
/// </summary>
public sealed class WebRtcTransportScenarioTests
{
    private static readonly PeerAddress ServerAddress = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 40000));
    private static readonly PeerAddress ClientAddress = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 50123));

    [Theory]
    [InlineData(1, 0.0, false)]
    // Seed 9 at 10% loses DTLS datagrams that BouncyCastle retransmits (about 3 s of its backoff). Seed 7's pattern
    // loses the client's last flight again and again: the backoff (1, 2, 4, 8, 16 s) outlasts the 30 s deadline, on
    // every run, so it is not listed; with fates from thread interleaving it used to pass or fail by chance.
    [InlineData(9, 0.10, false)]
    [InlineData(42, 0.05, false)]
    [InlineData(3, 0.0, true)]
    public void Connect_OverSeededLossyLink_IceDtlsSrtpUpAndMediaFlowsBothWays(int seed, double loss, bool serverProtectsLater)
    {
        var link = new Link(seed, loss);
        var serverOutput = link.From(ServerAddress, serverProtectsLater);
        var serverCert = DtlsCertificate.Generate();
        var clientCert = DtlsCertificate.Generate();
        var serverIce = IceCredentials.Generate();
        var clientIce = IceCredentials.Generate();
        var serverEvents = new Listener();
        var clientEvents = new Listener();
        long now = 0;

        var server = new WebRtcTransport(now, new WebRtcTransportOptions
        {
            LocalIce = serverIce, RemoteIceUfrag = clientIce.Ufrag, RemoteIcePassword = clientIce.Password,
            Certificate = serverCert, RemoteFingerprint = clientCert.Fingerprint.ToString(), DtlsRole = DtlsRole.Server,
        }, serverOutput, serverEvents);
        using var client = new WebRtcTransport(now, new WebRtcClientTransportOptions
        {
            LocalIce = clientIce, RemoteIce = serverIce, RemoteCandidate = ServerAddress,
            Certificate = clientCert, RemoteFingerprint = serverCert.Fingerprint.ToString(), DtlsRole = DtlsRole.Client,
        }, link.From(ClientAddress), clientEvents);
        using var wake = new SemaphoreSlim(0);
        server.WakeUp = () => wake.Release();
        client.WakeUp = () => wake.Release();

        // Pump: deliver what is in flight, fire due timeouts, advance virtual time 10 ms a step; while DTLS is
        // working on its thread, wait for its wake-up instead of spinning.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (server.State != WebRtcTransportState.Connected || client.State != WebRtcTransportState.Connected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"not connected: server {server.State} {server.CloseReason}, client {client.State} {client.CloseReason}");
            Assert.True(server.State != WebRtcTransportState.Closed && client.State != WebRtcTransportState.Closed,
                $"closed at {now / MediaTime.FromMilliseconds(1)} ms virtual: server {server.State} {server.CloseReason}, client {client.State} {client.CloseReason}; lost: {link.LostSummary}");
            link.Deliver(now, server, client);
            // A wake-up means the DTLS thread queued output or an event: drain both, as the host's timer does.
            bool woke = wake.Wait(TimeSpan.FromMilliseconds(10));
            now += MediaTime.FromMilliseconds(10);
            if (woke || server.PollTimeout() <= now) server.HandleTimeout(now);
            if (woke || client.PollTimeout() <= now) client.HandleTimeout(now);
        }
        Assert.Equal(client.Profile, server.Profile);
        Assert.Equal(ClientAddress, server.RemoteAddress);

        // 200 RTP packets each way over the same lossy link: SRTP must accept everything that arrives.
        var buffer = new byte[1500];
        for (ushort seq = 1; seq <= 200; seq++)
        {
            int n = WriteRtp(buffer, seq, 0x11111111);
            Assert.True(client.SendRtp(buffer, n));
            n = WriteRtp(buffer, seq, 0x22222222);
            Assert.True(server.SendRtp(buffer, n));
            now += MediaTime.FromMilliseconds(20);
            link.Deliver(now, server, client);
        }
        Assert.Equal(0, server.UnprotectFailures);
        Assert.Equal(0, client.UnprotectFailures);
        // Every RTP packet the link delivered is accepted, none other: the seed's pattern, the same on every run.
        Assert.Equal(link.RtpDelivered(ClientAddress), serverEvents.RtpPackets);
        Assert.Equal(link.RtpDelivered(ServerAddress), clientEvents.RtpPackets);
        Assert.InRange(serverEvents.RtpPackets, (int)(200 * (1 - loss) * 0.7), 200);
        Assert.InRange(clientEvents.RtpPackets, (int)(200 * (1 - loss) * 0.7), 200);
        if (loss == 0) Assert.Equal(200, serverEvents.RtpPackets);
        Assert.All(serverEvents.Ssrcs, s => Assert.Equal(0x11111111u, s));
        Assert.All(clientEvents.Ssrcs, s => Assert.Equal(0x22222222u, s));

        // A protecting output (the host's send workers) got every packet plain with one protector, which the
        // transport released through it, once, when disposed: it never protected or disposed that context itself.
        server.Dispose();
        if (serverOutput is ProtectingOutput protecting)
        {
            Assert.Equal(200, protecting.Protected);
            Assert.Single(protecting.Protectors);
            Assert.Equal(protecting.Protectors, protecting.Released);
        }
    }

    private static int WriteRtp(byte[] buffer, ushort seq, uint ssrc)
    {
        var w = new RtpPacketWriter
        {
            PayloadType = new PayloadType(111), SequenceNumber = seq, Timestamp = new RtpTimestamp(seq * 960u),
            Ssrc = new Ssrc(ssrc), Payload = new byte[160],
        };
        return w.WriteTo(buffer);
    }

    private sealed class Listener : IWebRtcTransportListener
    {
        public int RtpPackets;
        public readonly List<uint> Ssrcs = [];

        public void OnConnected(WebRtcTransport transport, long nowTicks) { }
        public void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> packet) => Count(packet);
        public void OnRtcp(WebRtcTransport transport, long nowTicks, ReadOnlySpan<byte> compound) { }
        public void OnClosed(WebRtcTransport transport, long nowTicks, string reason) { }

        private void Count(ReadOnlySpan<byte> packet)
        {
            Assert.True(RtpPacket.TryParse(packet, out var p));
            RtpPackets++;
            Ssrcs.Add(p.Ssrc.Value);
        }
    }

    /// <summary>
    /// Datagrams in flight between the two addresses. A datagram is lost when the hash of (seed, its identity, which
    /// transmission of that identity it is) falls below the loss rate; decided on the pump's thread at delivery.
    /// </summary>
    private sealed class Link(int seed, double loss)
    {
        private readonly ConcurrentQueue<(PeerAddress From, PeerAddress To, byte[] Data)> _inFlight = new();
        private readonly Dictionary<string, int> _transmissions = [];
        private readonly Dictionary<PeerAddress, int> _rtpDelivered = [];

        public IDatagramOutput From(PeerAddress from, bool protectsLater = false) =>
            protectsLater ? new ProtectingOutput(this, from) : new Output(this, from);

        /// <summary>The datagrams lost so far, by identity and transmission (for failure messages).</summary>
        public string LostSummary => string.Join(", ", _lost);

        private readonly List<string> _lost = [];

        /// <summary>RTP packets from <paramref name="from"/> that the link delivered.</summary>
        public int RtpDelivered(PeerAddress from) => _rtpDelivered.GetValueOrDefault(from);

        public void Deliver(long now, WebRtcTransport server, WebRtcTransport client)
        {
            int count = _inFlight.Count;
            for (int i = 0; i < count && _inFlight.TryDequeue(out var d); i++)
            {
                string identity = Identity(d.Data);
                string key = (d.From == ServerAddress ? "server " : "client ") + identity;
                int transmission = _transmissions[key] = _transmissions.GetValueOrDefault(key) + 1;
                if (loss > 0 && Fate(seed, key, transmission) < loss)
                {
                    if (!identity.StartsWith("rtp ", StringComparison.Ordinal)) _lost.Add($"{key} #{transmission}");
                    continue;
                }
                if (identity.StartsWith("rtp ", StringComparison.Ordinal)) _rtpDelivered[d.From] = RtpDelivered(d.From) + 1;
                if (d.To == ServerAddress) server.HandleReceive(now, d.Data, d.From);
                else client.HandleReceive(now, d.Data, d.From);
            }
        }

        /// <summary>What a datagram is, by its first byte (RFC 7983) and the plaintext headers.</summary>
        private static string Identity(byte[] d)
        {
            if (d[0] <= 3 && d.Length >= 2) return $"stun {d[0] << 8 | d[1]:x4}";
            if (d[0] is >= 20 and <= 63 && d.Length >= 13)
            {
                int type = d[0], epoch = d[3] << 8 | d[4];
                // A plaintext handshake record (RFC 6347 §4.2.2): message_seq and fragment_offset name the message part;
                // a retransmission repeats them under a new record sequence number. Epoch 1 (Finished) is encrypted:
                // one message per side, named by its epoch.
                if (type == 22 && epoch == 0 && d.Length >= 25)
                    return $"dtls handshake {d[17] << 8 | d[18]} {d[19] << 16 | d[20] << 8 | d[21]}";
                return $"dtls {type} {epoch}";
            }
            if (d[0] is >= 128 and <= 191 && d.Length >= 4)
                return d[1] is >= 192 and <= 223 ? "rtcp" : $"rtp {d[2] << 8 | d[3]}";
            return "other";
        }

        /// <summary>A number in [0, 1) from the seed and the datagram's identity (FNV-1a, stable across processes).</summary>
        private static double Fate(int seed, string key, int transmission)
        {
            ulong h = 14695981039346656037UL;
            foreach (char c in $"{seed}|{key}|{transmission}")
            {
                h ^= c;
                h *= 1099511628211UL;
            }
            h ^= h >> 33;
            h *= 0xff51afd7ed558ccdUL;
            h ^= h >> 33;
            return (h >> 11) / (double)(1UL << 53);
        }

        private sealed class Output(Link link, PeerAddress from) : IDatagramOutput
        {
            public void Send(ReadOnlySpan<byte> datagram, PeerAddress to) => link._inFlight.Enqueue((from, to, datagram.ToArray()));
        }

        internal void Enqueue(PeerAddress from, PeerAddress to, byte[] data) => _inFlight.Enqueue((from, to, data));
    }

    /// <summary>Protects what the transport hands over on the output's side, as the host's send workers do.</summary>
    private sealed class ProtectingOutput(Link link, PeerAddress from) : IProtectingDatagramOutput
    {
        public readonly HashSet<IPacketProtector> Protectors = [];
        public readonly List<IPacketProtector> Released = [];
        public int Protected;

        public void Send(ReadOnlySpan<byte> datagram, PeerAddress to) => link.Enqueue(from, to, datagram.ToArray());

        public bool SendProtected(IPacketProtector protector, bool rtcp, ReadOnlySpan<byte> packet, PeerAddress to)
        {
            Assert.DoesNotContain(protector, Released);
            Protectors.Add(protector);
            var buffer = new byte[packet.Length + protector.MaxOverhead];
            packet.CopyTo(buffer);
            int n = protector.Protect(buffer, packet.Length, rtcp);
            Assert.True(n > packet.Length);
            if (!rtcp) Protected++;
            link.Enqueue(from, to, buffer[..n]);
            return true;
        }

        public void Release(IPacketProtector protector) => Released.Add(protector);
    }
}
