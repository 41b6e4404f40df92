using System.Diagnostics;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Transport;

namespace MediaCore.LoadTest.Tests.Transport;

/// <summary>
/// The client-role transport against the server's own <see cref="WebRtcTransport"/> over an in-memory
/// link: controlling ICE nominates, DTLS client meets DTLS server, SRTP both ways. Protocol time is
/// virtual; BouncyCastle's handshake thread runs on its own, so the pump waits for its output (bounded).
/// </summary>
public sealed class WebRtcClientTransportTests
{
    private static readonly PeerAddress ClientAddress = PeerAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 50000));
    private static readonly PeerAddress ServerAddress = PeerAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 40000));

    [Fact]
    public void Connect_AgainstServerTransport_BothConnectAndSrtpFlowsBothWays()
    {
        using var pair = new Pair();
        Assert.True(pair.RunUntil(() => pair.Client.State == WebRtcTransportState.Connected && pair.Server.State == WebRtcTransportState.Connected));

        byte[] buffer = new byte[1500];
        int n = RtpPacketWriter.WriteFixedHeader(buffer, marker: true, new PayloadType(111), 7, new RtpTimestamp(960), new Ssrc(0x1234),
            ReadOnlySpan<uint>.Empty, hasExtension: false);
        "opus-frame"u8.CopyTo(buffer.AsSpan(n));
        Assert.True(pair.Client.SendRtp(buffer, n + 10));
        pair.RunUntil(() => pair.ServerListener.Rtp.Count == 1);
        Assert.True(RtpPacket.TryParse(pair.ServerListener.Rtp[0], out var received));
        Assert.Equal(7, received.SequenceNumber);
        Assert.Equal("opus-frame"u8.ToArray(), received.Payload.ToArray());

        var pli = new MediaCore.Protocol.Rtcp.PictureLossIndication(1, 0x1234);
        int m = pli.WriteTo(buffer);
        Assert.True(pair.Server.SendRtcp(buffer, m));
        pair.RunUntil(() => pair.ClientListener.Rtcp.Count == 1);
        Assert.Equal(m, pair.ClientListener.Rtcp[0].Length);
    }

    [Fact]
    public void Close_WhenConnected_ServerSeesCloseNotify()
    {
        using var pair = new Pair();
        Assert.True(pair.RunUntil(() => pair.Client.State == WebRtcTransportState.Connected && pair.Server.State == WebRtcTransportState.Connected));

        pair.Client.Close(pair.Now, "bye");
        Assert.True(pair.RunUntil(() => pair.Server.State == WebRtcTransportState.Closed));
        Assert.Equal("DTLS: close_notify", pair.Server.CloseReason);
        Assert.Equal("bye", pair.Client.CloseReason);
    }

    [Fact]
    public void HandleTimeout_NoServerAnswers_ClosesWithIceConnectTimeout()
    {
        var listener = new Listener();
        var output = new Output();
        using var client = new WebRtcTransport(0, new WebRtcClientTransportOptions
        {
            LocalIce = IceCredentials.Generate(),
            RemoteIce = IceCredentials.Generate(),
            RemoteCandidate = ServerAddress,
            Certificate = DtlsCertificate.Generate(),
            RemoteFingerprint = "sha-256 " + string.Join(':', Enumerable.Repeat("AB", 32)),
        }, output, listener);

        long now = 0;
        for (int i = 0; i < 10_000 && client.State != WebRtcTransportState.Closed; i++)
        {
            now = Math.Max(now, client.PollTimeout());
            client.HandleTimeout(now);
        }

        Assert.Equal(WebRtcTransportState.Closed, client.State);
        Assert.Equal("ICE: ConnectTimeout", client.CloseReason);
        Assert.True(output.Sent.Count >= 5, $"connectivity checks were retransmitted ({output.Sent.Count})");
        Assert.All(output.Sent, d => Assert.Equal(ServerAddress, d.To));
    }

    private sealed class Pair : IDisposable
    {
        private readonly AutoResetEvent _wake = new(false);
        private readonly Output _toServer = new(), _toClient = new();

        public Pair()
        {
            var clientIce = IceCredentials.Generate();
            var serverIce = IceCredentials.Generate();
            var clientCert = DtlsCertificate.Generate();
            var serverCert = DtlsCertificate.Generate();
            Server = new WebRtcTransport(Now, new WebRtcTransportOptions
            {
                LocalIce = serverIce,
                RemoteIceUfrag = clientIce.Ufrag,
                RemoteIcePassword = clientIce.Password,
                Certificate = serverCert,
                RemoteFingerprint = MediaCore.Protocol.Dtls.DtlsFingerprint.Sha256(clientCert.Der).ToString(),
            }, _toClient, ServerListener) { WakeUp = () => _wake.Set() };
            Client = new WebRtcTransport(Now, new WebRtcClientTransportOptions
            {
                LocalIce = clientIce,
                RemoteIce = serverIce,
                RemoteCandidate = ServerAddress,
                Certificate = clientCert,
                RemoteFingerprint = MediaCore.Protocol.Dtls.DtlsFingerprint.Sha256(serverCert.Der).ToString(),
            }, _toServer, ClientListener) { WakeUp = () => _wake.Set() };
        }

        public WebRtcTransport Server { get; }
        public WebRtcTransport Client { get; }
        public ServerSideListener ServerListener { get; } = new();
        public Listener ClientListener { get; } = new();
        public long Now { get; private set; } = MediaTime.FromSeconds(10);

        public bool RunUntil(Func<bool> done)
        {
            var wall = Stopwatch.StartNew();
            while (!done())
            {
                if (wall.Elapsed > TimeSpan.FromSeconds(20)) return false;
                Now += MediaTime.FromMilliseconds(5);
                Client.HandleTimeout(Now);
                Server.HandleTimeout(Now);
                bool moved = false;
                foreach (var (d, _) in _toServer.Take()) { moved = true; Server.HandleReceive(Now, d, ClientAddress); }
                foreach (var (d, _) in _toClient.Take()) { moved = true; Client.HandleReceive(Now, d, ServerAddress); }
                if (!moved && !done()) _wake.WaitOne(TimeSpan.FromMilliseconds(5));
            }
            return true;
        }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }

    private sealed class Output : IDatagramOutput
    {
        public List<(byte[] Data, PeerAddress To)> Sent { get; } = [];
        private int _taken;

        public void Send(ReadOnlySpan<byte> datagram, PeerAddress to)
        {
            lock (Sent) Sent.Add((datagram.ToArray(), to));
        }

        public List<(byte[] Data, PeerAddress To)> Take()
        {
            lock (Sent)
            {
                var items = Sent.Skip(_taken).ToList();
                _taken = Sent.Count;
                return items;
            }
        }
    }

    internal sealed class Listener : IWebRtcTransportListener
    {
        public List<byte[]> Rtp { get; } = [];
        public List<byte[]> Rtcp { get; } = [];
        public void OnConnected(WebRtcTransport transport, long nowTicks) { }
        public void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> packet) => Rtp.Add(packet.ToArray());
        public void OnRtcp(WebRtcTransport transport, long nowTicks, ReadOnlySpan<byte> compound) => Rtcp.Add(compound.ToArray());
        public void OnClosed(WebRtcTransport transport, long nowTicks, string reason) { }
    }

    internal sealed class ServerSideListener : IWebRtcTransportListener
    {
        public List<byte[]> Rtp { get; } = [];
        public void OnConnected(WebRtcTransport transport, long nowTicks) { }
        public void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> packet) => Rtp.Add(packet.ToArray());
        public void OnRtcp(WebRtcTransport transport, long nowTicks, ReadOnlySpan<byte> compound) { }
        public void OnClosed(WebRtcTransport transport, long nowTicks, string reason) { }
    }
}
