using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Tests.Ice;
using MediaCore.Protocol.Transport;

namespace MediaCore.Protocol.Tests.Transport;

/// <summary>
/// Regression: a session logged "connected from (none)" and its first media went to no address (counted as
/// UDP send failures). Chromium starts DTLS as soon as a connectivity check succeeds, before it nominates
/// (RFC 8445 §8.1.1); when the handshake completed first, the ICE-lite transport had no remote address.
/// </summary>
public sealed class DtlsBeforeNominationTests
{
    [Fact]
    public void Connect_DtlsCompletesBeforeNomination_MediaGoesToTheValidatedAddress()
    {
        var serverCert = DtlsCertificate.Generate();
        var clientCert = DtlsCertificate.Generate();
        var output = new Capture();
        var listener = new NullListener();
        long now = MediaTime.FromSeconds(10);
        using var server = new WebRtcTransport(now, new WebRtcTransportOptions
        {
            LocalIce = IceTestKit.Server, RemoteIceUfrag = IceTestKit.Browser.Ufrag, RemoteIcePassword = IceTestKit.Browser.Password,
            Certificate = serverCert, RemoteFingerprint = clientCert.Fingerprint.ToString(), DtlsRole = DtlsRole.Server,
        }, output, listener);
        using var client = new DtlsEndpoint(DtlsRole.Client, clientCert, serverCert.Fingerprint.ToString());
        using var wake = new AutoResetEvent(false);
        client.OnOutput = () => wake.Set();
        server.WakeUp = () => wake.Set();

        // A check without USE-CANDIDATE validates the browser's address; nothing is nominated.
        server.HandleReceive(now, IceTestKit.Check(useCandidate: false), IceTestKit.BrowserA);
        Assert.True(server.IsValidatedAddress(IceTestKit.BrowserA));
        Assert.True(server.RemoteAddress.IsNone);
        output.Sent.Clear();

        client.Start();
        var wall = System.Diagnostics.Stopwatch.StartNew();
        while (server.State != WebRtcTransportState.Connected)
        {
            Assert.True(wall.Elapsed < TimeSpan.FromSeconds(30), $"DTLS did not complete: {server.State} {server.CloseReason}");
            while (client.TryPollDatagram(out byte[] buffer, out int length))
            {
                server.HandleReceive(now, buffer.AsSpan(0, length), IceTestKit.BrowserA);
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            server.HandleTimeout(now);
            foreach (var (to, data) in output.Sent)
            {
                Assert.Equal(IceTestKit.BrowserA, to);
                client.HandleReceive(now, data);
            }
            output.Sent.Clear();
            now += MediaTime.FromMilliseconds(10);
            client.HandleTimeout(now);
            wake.WaitOne(TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal(IceTestKit.BrowserA, server.RemoteAddress);
        var rtp = new byte[200];
        int n = new RtpPacketWriter
        {
            PayloadType = new PayloadType(111), SequenceNumber = 1, Timestamp = new RtpTimestamp(960), Ssrc = new Ssrc(7), Payload = new byte[100],
        }.WriteTo(rtp);
        output.Sent.Clear();
        Assert.True(server.SendRtp(rtp, n));
        var (dest, _) = Assert.Single(output.Sent);
        Assert.Equal(IceTestKit.BrowserA, dest);
    }

    private sealed class Capture : IDatagramOutput
    {
        public readonly List<(PeerAddress To, byte[] Data)> Sent = [];

        public void Send(ReadOnlySpan<byte> datagram, PeerAddress to)
        {
            lock (Sent) Sent.Add((to, datagram.ToArray()));
        }
    }

    private sealed class NullListener : IWebRtcTransportListener
    {
        public void OnConnected(WebRtcTransport transport, long nowTicks) { }
        public void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> packet) { }
        public void OnRtcp(WebRtcTransport transport, long nowTicks, ReadOnlySpan<byte> compound) { }
        public void OnClosed(WebRtcTransport transport, long nowTicks, string reason) { }
    }
}
