using System.Net.Sockets;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Srtp;
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
        // More than a ring holds: the producer waits for the workers, here as long as it takes (a loaded machine may
        // not run a worker for a while; the default 50 ms wait is the back-pressure test's subject, not this one's).
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 2, sendQueueSlots: 1024, useSendmmsg: sendmmsg,
            fullRingWait: Timeout.InfiniteTimeSpan);
        var peers = Enumerable.Range(0, 8).Select(_ => Receiver()).ToList();
        try
        {
            const int perPeer = 300;
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
            // Close joins the workers: their counters are final.
            endpoint.Close();
            Assert.Equal(perPeer * peers.Count, endpoint.DatagramsSent);
            Assert.Equal(0, endpoint.SendFailures);
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }
    }

    /// <summary>Holds its worker inside <see cref="Protect"/> until the test opens the gate: the ring cannot drain meanwhile.</summary>
    private sealed class HoldingProtector : IPacketProtector, IDisposable
    {
        public readonly ManualResetEventSlim Entered = new();
        public readonly ManualResetEventSlim Gate = new();
        public int MaxOverhead => 0;

        public int Protect(Span<byte> buffer, int length, bool rtcp)
        {
            Entered.Set();
            Gate.Wait();
            return length;
        }

        public void Release() { }

        public void Dispose()
        {
            Entered.Dispose();
            Gate.Dispose();
        }
    }

    private static byte[] Numbered(int i) => [(byte)(i >> 8), (byte)i, 0x55];

    [Fact]
    public void Send_RingFullWhileTheWorkerIsHeld_ProducerWaitsForASlotThenEverythingArrivesInOrder()
    {
        using var holder = new HoldingProtector();
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 1, sendQueueSlots: 1024, fullRingWait: Timeout.InfiniteTimeSpan);
        using var peer = Receiver();
        var to = PeerAddress.FromEndPoint((IPEndPoint)peer.LocalEndPoint!);
        // The worker takes datagram 0 and stays inside its protector: from here on nothing leaves the ring.
        Assert.True(endpoint.SendProtected(holder, rtcp: false, Numbered(0), to));
        holder.Entered.Wait();
        const int capacity = 1024;
        for (int i = 1; i < capacity; i++) Assert.True(endpoint.Send(Numbered(i), to));
        Assert.Equal(capacity, endpoint.SendBacklog);
        // The ring is full and its worker held: this send can only complete once the worker frees a slot.
        bool lateSent = false;
        var late = new Thread(() => lateSent = endpoint.Send(Numbered(capacity), to));
        late.Start();
        holder.Gate.Set();
        late.Join();
        Assert.True(lateSent);
        var buffer = new byte[16];
        for (int i = 0; i <= capacity; i++)
        {
            Assert.Equal(3, peer.Receive(buffer));
            Assert.Equal(i, (buffer[0] << 8) | buffer[1]);
        }
        endpoint.Close();
        Assert.Equal(capacity + 1, endpoint.DatagramsSent);
        Assert.Equal(0, endpoint.SendFailures);
    }

    [Fact]
    public void Send_RingStaysFull_FailsAfterTheWaitAndKeepsWhatWasQueued()
    {
        using var holder = new HoldingProtector();
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 1, sendQueueSlots: 1024, fullRingWait: TimeSpan.Zero);
        using var peer = Receiver();
        var to = PeerAddress.FromEndPoint((IPEndPoint)peer.LocalEndPoint!);
        Assert.True(endpoint.SendProtected(holder, rtcp: false, Numbered(0), to));
        holder.Entered.Wait();
        const int capacity = 1024;
        for (int i = 1; i < capacity; i++) Assert.True(endpoint.Send(Numbered(i), to));
        // Full, the worker held, no wait allowed: refused and counted, like a full socket buffer.
        Assert.False(endpoint.Send(Numbered(capacity), to));
        Assert.Equal(1, endpoint.SendFailures);
        holder.Gate.Set();
        var buffer = new byte[16];
        for (int i = 0; i < capacity; i++)
        {
            Assert.Equal(3, peer.Receive(buffer));
            Assert.Equal(i, (buffer[0] << 8) | buffer[1]);
        }
        endpoint.Close();
        Assert.Equal(capacity, endpoint.DatagramsSent);
    }

    [Fact]
    public void Stop_DuringAPacingWait_EndsTheWaitAndSendsTheRest()
    {
        // The pacer's clock is the test's: frozen, so a burst's first interval never ends and the worker keeps waiting
        // for the next one; then set an hour back, so the wait it computes is an hour long. Stop must end that wait
        // (a sleep would not) and send what the pacer held back.
        long start = TimeSpan.FromHours(10).Ticks, back = start - TimeSpan.TicksPerHour;
        long now = start, readsBack = 0, sent = 0;
        long Clock()
        {
            long v = Volatile.Read(ref now);
            if (v == back) Interlocked.Increment(ref readsBack);
            return v;
        }
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var peer = Receiver();
        var to = PeerAddress.FromEndPoint((IPEndPoint)peer.LocalEndPoint!);
        using var holder = new HoldingProtector();
        var pacer = new SendPacer(4 * TimeSpan.TicksPerMillisecond, 20 * TimeSpan.TicksPerMillisecond);
        using var worker = new UdpSendWorker(socket, 0, 4096, useSendmmsg: true, (n, _, _, _) => Interlocked.Add(ref sent, n), pacer,
            Timeout.InfiniteTimeSpan, Clock);
        // Datagram 0 holds the worker; 2,000 queue behind it: one burst, paced at 2,000 / 4 intervals = 500 per interval.
        Assert.True(worker.TryEnqueueProtected(holder, rtcp: false, Numbered(0), to));
        holder.Entered.Wait();
        const int burst = 2000;
        for (int i = 1; i <= burst; i++) Assert.True(worker.TryEnqueue(Numbered(i), to));
        holder.Gate.Set();
        var spin = new SpinWait();
        while (Volatile.Read(ref sent) < 1 + burst / 4) spin.SpinOnce();
        Volatile.Write(ref now, back);
        while (Volatile.Read(ref readsBack) == 0) spin.SpinOnce();
        // The clock stood still: nothing beyond the first interval's quota left.
        Assert.Equal(1 + burst / 4, Volatile.Read(ref sent));

        worker.Stop();

        Assert.Equal(1 + burst, Volatile.Read(ref sent));
        Assert.Equal(0, worker.Backlog);
        var buffer = new byte[16];
        for (int i = 0; i <= burst; i++)
        {
            Assert.Equal(3, peer.Receive(buffer));
            Assert.Equal(i, (buffer[0] << 8) | buffer[1]);
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

/// <summary>recvmmsg with kernel receive timestamps (SO_TIMESTAMPNS), the receive loop's Linux path.</summary>
public sealed class UdpBatchReceiverTests
{
    [Fact]
    public void Receive_SeveralDatagrams_OneCallWithSourcesAndKernelArrivalTimes()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0);
        var clock = new MediaCore.Server.Timers.MediaClock();
        using var receiver = new UdpBatchReceiver(endpoint.ReceiveSocket(0), clock);
        Assert.True(receiver.TimestampsEnabled);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        long before = clock.NowTicks;
        for (int i = 0; i < 5; i++) client.SendTo(new byte[] { (byte)i, 1, 2 }, new IPEndPoint(IPAddress.Loopback, endpoint.LocalEndPoint.Port));
        long sent = clock.NowTicks;

        int got = 0;
        while (got < 5)
        {
            int n = receiver.Receive();
            long after = clock.NowTicks;
            Assert.True(n > 0);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(new byte[] { (byte)(got + i), 1, 2 }, receiver.Datagram(i).ToArray());
                Assert.Equal(PeerAddress.FromEndPoint((IPEndPoint)client.LocalEndPoint!), receiver.Source(i));
                // The kernel stamped it between the first send and the receive call's return.
                long arrival = receiver.ArrivalTicks(i);
                Assert.InRange(arrival, before - TimeSpan.TicksPerMillisecond, after);
            }
            got += n;
        }
        Assert.True(sent >= before);
    }

    [Fact]
    public void Receive_Steady_AllocatesNothing()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0);
        using var receiver = new UdpBatchReceiver(endpoint.ReceiveSocket(0), new MediaCore.Server.Timers.MediaClock());
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = new IPEndPoint(IPAddress.Loopback, endpoint.LocalEndPoint.Port);
        for (int i = 0; i < 64; i++) client.SendTo(new byte[200], target);
        int got = receiver.Receive();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        while (got < 64)
        {
            int n = receiver.Receive();
            for (int i = 0; i < n; i++) sum += receiver.Datagram(i).Length + receiver.Source(i).Port + (receiver.ArrivalTicks(i) > 0 ? 0 : 1);
            got += n;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0 || got == 64);
    }
}
