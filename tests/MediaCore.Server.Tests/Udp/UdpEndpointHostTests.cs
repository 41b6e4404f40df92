using System.Collections.Concurrent;
using System.Net.Sockets;
using MediaCore.Protocol.Core;
using MediaCore.Server.Udp;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MediaCore.Server.Tests.Udp;

/// <summary>The real UDP socket on loopback: a datagram reaches the handler with the sender's address, and a reply goes back.</summary>
public sealed class UdpEndpointHostTests
{
    private sealed class EchoHandler(IDatagramSender sender) : IDatagramHandler
    {
        public BlockingCollection<(byte[] Data, PeerAddress From, long Now)> Received { get; } = new();

        public void OnDatagram(long nowTicks, Span<byte> datagram, PeerAddress from)
        {
            Received.Add((datagram.ToArray(), from, nowTicks));
            Span<byte> reply = stackalloc byte[datagram.Length + 1];
            reply[0] = 0xEE;
            datagram.CopyTo(reply[1..]);
            sender.Send(reply, from);
        }
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Datagram_ReachesHandlerWithPeerAddress_AndReplyComesBack()
    {
        await using var server = await TestMediaServer.StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<IDatagramHandler, EchoHandler>()));
        var handler = (EchoHandler)server.Services.GetRequiredService<IDatagramHandler>();
        var port = server.Services.GetRequiredService<UdpEndpoint>().LocalEndPoint.Port;

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        client.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        client.SendTo([1, 2, 3], new IPEndPoint(IPAddress.Loopback, port));

        Assert.True(handler.Received.TryTake(out var got, Patience));
        Assert.Equal([1, 2, 3], got.Data);
        Assert.Equal(PeerAddress.FromEndPoint((IPEndPoint)client.LocalEndPoint!), got.From);

        var buffer = new byte[16];
        EndPoint remote = new IPEndPoint(IPAddress.Any, 0);
        int n = client.ReceiveFrom(buffer, ref remote);
        Assert.Equal([0xEE, 1, 2, 3], buffer[..n]);
        Assert.Equal(port, ((IPEndPoint)remote).Port);
    }

    [Fact]
    public async Task Handler_Throwing_DoesNotStopTheLoop()
    {
        var handler = new ThrowOnceHandler();
        await using var server = await TestMediaServer.StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<IDatagramHandler>(handler)));
        var port = server.Services.GetRequiredService<UdpEndpoint>().LocalEndPoint.Port;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.SendTo([1], new IPEndPoint(IPAddress.Loopback, port));
        client.SendTo([2], new IPEndPoint(IPAddress.Loopback, port));
        Assert.True(handler.Received.TryTake(out var second, Patience));
        Assert.Equal(2, second);
        Assert.Equal(1, server.Services.GetRequiredService<UdpEndpointHost>().HandlerFailures);
    }

    private sealed class ThrowOnceHandler : IDatagramHandler
    {
        public BlockingCollection<byte> Received { get; } = new();
        public void OnDatagram(long nowTicks, Span<byte> datagram, PeerAddress from)
        {
            if (datagram[0] == 1) throw new InvalidOperationException("bad datagram");
            Received.Add(datagram[0]);
        }
    }

    private sealed class ThreadRecordingHandler : IDatagramHandler
    {
        public ConcurrentQueue<(int Thread, PeerAddress From)> Seen { get; } = new();
        public CountdownEvent Remaining { get; } = new(32 * 10);
        public void OnDatagram(long nowTicks, Span<byte> datagram, PeerAddress from)
        {
            Seen.Enqueue((Environment.CurrentManagedThreadId, from));
            Remaining.Signal();
        }
    }

    [Fact]
    public async Task ReceiveThreads_ReusePort_EveryPeerStaysOnOneThread()
    {
        var handler = new ThreadRecordingHandler();
        await using var server = await TestMediaServer.StartAsync(
            b => b.Services.Replace(ServiceDescriptor.Singleton<IDatagramHandler>(handler)), "--MediaServer:ReceiveThreads=2");
        var endpoint = server.Services.GetRequiredService<UdpEndpoint>();
        Assert.Equal(2, endpoint.SocketCount);

        var clients = Enumerable.Range(0, 32).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)).ToList();
        try
        {
            var target = new IPEndPoint(IPAddress.Loopback, endpoint.LocalEndPoint.Port);
            for (int round = 0; round < 10; round++)
                foreach (var c in clients) c.SendTo([(byte)round], target);
            Assert.True(handler.Remaining.Wait(Patience));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
        var byPeer = handler.Seen.GroupBy(s => s.From).ToList();
        Assert.Equal(32, byPeer.Count);
        Assert.All(byPeer, g => Assert.Single(g.Select(s => s.Thread).Distinct()));
        // 32 peers hashed onto 2 sockets all landing on one has probability 2^-31.
        Assert.Equal(2, handler.Seen.Select(s => s.Thread).Distinct().Count());
    }

    [Fact]
    public void DualStack_IPv4Peer_IsFoldedToIPv4AndRepliesWork()
    {
        using var endpoint = new UdpEndpoint(IPAddress.IPv6Any, 0);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        client.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        client.SendTo([9], new IPEndPoint(IPAddress.Loopback, endpoint.LocalEndPoint.Port));

        var from = new SocketAddress(endpoint.AddressFamily);
        var buffer = new byte[16];
        int n = endpoint.Receive(buffer, from);
        var peer = from.ToPeerAddress();
        Assert.Equal(1, n);
        Assert.True(peer.IsIPv4);
        Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, peer.Port);

        Assert.True(endpoint.Send([7], peer));
        Assert.Equal(1, client.Receive(buffer));
        Assert.Equal(7, buffer[0]);
    }

    [Fact]
    public void Send_IPv6PeerOnIPv4Socket_ReturnsFalse()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0);
        var v6 = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.IPv6Loopback, 9));
        Assert.False(endpoint.Send([1], v6));
        Assert.Equal(1, endpoint.SendFailures);
    }

    [Fact]
    public void Send_SteadyState_AllocatesNothing()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0);
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var to = PeerAddress.FromEndPoint((IPEndPoint)sink.LocalEndPoint!);
        var payload = new byte[1200];
        endpoint.Send(payload, to);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) endpoint.Send(payload, to);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ReceivePath_SteadyState_AllocatesNothing()
    {
        // Same steps as the receive loop: ReceiveFrom into a reused buffer and SocketAddress, convert, stamp time.
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, endpoint.LocalEndPoint.Port);
        for (int i = 0; i < 101; i++) client.SendTo(new byte[200], target);
        var clock = new MediaCore.Server.Timers.MediaClock();
        var buffer = new byte[2048];
        var from = new SocketAddress(endpoint.AddressFamily);
        long sum = 0;
        sum += endpoint.Receive(buffer, from);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            int n = endpoint.Receive(buffer, from);
            var peer = from.ToPeerAddress();
            sum += n + peer.Port + (clock.NowTicks > 0 ? 0 : 1);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum >= 101 * 200);
    }

    [Fact]
    public void Bind_PortInUse_ThrowsWithClearMessage()
    {
        using var first = new UdpEndpoint(IPAddress.Loopback, 0);
        var e = Assert.Throws<InvalidOperationException>(() => new UdpEndpoint(IPAddress.Loopback, first.LocalEndPoint.Port));
        Assert.Contains("MediaServer:UdpPort", e.Message);
    }

    [Fact]
    public async Task Stop_EndsSessionsThenClosesSocket()
    {
        var server = await TestMediaServer.StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<MediaCore.Server.Signalling.ISessionManager, FakeSessionManager>()));
        var fake = (FakeSessionManager)server.Services.GetRequiredService<MediaCore.Server.Signalling.ISessionManager>();
        var endpoint = server.Services.GetRequiredService<UdpEndpoint>();
        await server.DisposeAsync();
        Assert.Equal(1, fake.ShutdownCalls);
        Assert.False(endpoint.Send([1], PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 9))));
    }
}

public sealed class MediaEndpointInfoTests
{
    [Fact]
    public async Task Advertised_IsAdvertisedAddressWithBoundPort()
    {
        await using var server = await TestMediaServer.StartAsync(null, "--MediaServer:AdvertisedAddress=192.0.2.10");
        var info = server.Services.GetRequiredService<MediaEndpointInfo>();
        var bound = server.Services.GetRequiredService<UdpEndpoint>().LocalEndPoint.Port;
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), bound), info.Advertised);
        Assert.NotEqual(0, bound);
    }
}
