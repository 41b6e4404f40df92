using System.Net.Sockets;
using MediaCore.Protocol.Core;
using MediaCore.Server.Udp;

namespace MediaCore.Server.Tests.Udp;

/// <summary>The send workers (rings drained by sendmmsg): what is queued arrives, in order per peer, nothing allocated.</summary>
public sealed class UdpSendWorkerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static Socket Receiver(AddressFamily family = AddressFamily.InterNetwork)
    {
        var s = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback, 0));
        s.ReceiveBufferSize = 4 * 1024 * 1024;
        s.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        return s;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Send_ManyPeersThroughTwoWorkers_EveryDatagramArrivesInOrder(bool sendmmsg)
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 2, sendQueueSlots: 1024, useSendmmsg: sendmmsg);
        var peers = Enumerable.Range(0, 8).Select(_ => Receiver()).ToList();
        try
        {
            const int perPeer = 300; // more than a ring holds: the producer waits for the workers
            var payload = new byte[1200];
            for (int i = 0; i < perPeer; i++)
            {
                foreach (var p in peers)
                {
                    payload[0] = (byte)(i >> 8);
                    payload[1] = (byte)i;
                    Assert.True(endpoint.Send(payload, PeerAddress.FromEndPoint((IPEndPoint)p.LocalEndPoint!)));
                }
            }
            var buffer = new byte[2048];
            foreach (var p in peers)
            {
                for (int i = 0; i < perPeer; i++)
                {
                    int n = p.Receive(buffer);
                    Assert.Equal(1200, n);
                    Assert.Equal(i, (buffer[0] << 8) | buffer[1]);
                }
            }
            SpinWait.SpinUntil(() => endpoint.DatagramsSent == perPeer * peers.Count, Patience);
            Assert.Equal(perPeer * peers.Count, endpoint.DatagramsSent);
            Assert.Equal(0, endpoint.SendFailures);
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public void Send_DualStackSocket_ReachesIPv4AndIPv6Peers()
    {
        using var endpoint = new UdpEndpoint(IPAddress.IPv6Any, 0, sendWorkers: 1, sendQueueSlots: 1024);
        using var v4 = Receiver();
        using var v6 = Receiver(AddressFamily.InterNetworkV6);
        Assert.True(endpoint.Send([4], PeerAddress.FromEndPoint((IPEndPoint)v4.LocalEndPoint!)));
        Assert.True(endpoint.Send([6], PeerAddress.FromEndPoint((IPEndPoint)v6.LocalEndPoint!)));
        var buffer = new byte[16];
        Assert.Equal(1, v4.Receive(buffer));
        Assert.Equal(4, buffer[0]);
        Assert.Equal(1, v6.Receive(buffer));
        Assert.Equal(6, buffer[0]);
    }

    [Fact]
    public void Close_SendsWhatWasQueuedFirst()
    {
        using var peer = Receiver();
        var to = PeerAddress.FromEndPoint((IPEndPoint)peer.LocalEndPoint!);
        var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 1, sendQueueSlots: 1024);
        for (int i = 0; i < 500; i++) Assert.True(endpoint.Send([(byte)i], to));
        endpoint.Close();
        Assert.False(endpoint.Send([1], to));
        var buffer = new byte[16];
        for (int i = 0; i < 500; i++)
        {
            Assert.Equal(1, peer.Receive(buffer));
            Assert.Equal((byte)i, buffer[0]);
        }
    }

    [Fact]
    public void Send_ThroughWorkers_AllocatesNothingOnTheCallersThread()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 2, sendQueueSlots: 1024);
        using var sink = Receiver();
        var to = PeerAddress.FromEndPoint((IPEndPoint)sink.LocalEndPoint!);
        var payload = new byte[1200];
        endpoint.Send(payload, to);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) endpoint.Send(payload, to);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Send_LargerThanASlot_GoesOutDirectly()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 1, sendQueueSlots: 1024);
        using var peer = Receiver();
        Assert.True(endpoint.Send(new byte[UdpSendWorker.SlotBytes + 100], PeerAddress.FromEndPoint((IPEndPoint)peer.LocalEndPoint!)));
        Assert.Equal(UdpSendWorker.SlotBytes + 100, peer.Receive(new byte[8192]));
    }
}
