using System.Buffers.Binary;
using System.Net.Sockets;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Srtp;
using MediaCore.Server.Udp;

namespace MediaCore.Server.Tests.Udp;

/// <summary>
/// SRTP protect on the send workers (<see cref="UdpEndpoint.SendProtected"/>): several routing threads hand plain
/// packets over (serialised by a lock, as <c>MediaEngine.Gate</c> does); every packet arrives once, in order per
/// session, protected in that order by one thread per session, which also releases the session's context last.
/// </summary>
public sealed class ProtectOnSendWorkerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static Socket Receiver()
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.ReceiveBufferSize = 4 * 1024 * 1024;
        s.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        return s;
    }

    /// <summary>
    /// Appends a 4-byte "tag" holding how many packets it protected before, and records every thread that ran it,
    /// whether two ever ran it at once, and when it was released.
    /// </summary>
    private sealed class RecordingProtector : IPacketProtector
    {
        private int _inside;
        public readonly HashSet<int> Threads = [];
        public readonly HashSet<string?> ThreadNames = [];
        public int Protects;
        public bool Overlapped;
        public int Releases;
        public int ProtectsAtRelease = -1;
        public int ReleaseThread;

        public int MaxOverhead => 4;

        public int Protect(Span<byte> buffer, int length, bool rtcp)
        {
            if (Interlocked.Increment(ref _inside) != 1) Overlapped = true;
            Threads.Add(Environment.CurrentManagedThreadId);
            ThreadNames.Add(Thread.CurrentThread.Name);
            BinaryPrimitives.WriteInt32BigEndian(buffer[length..], Protects++);
            Interlocked.Decrement(ref _inside);
            return length + 4;
        }

        public void Release()
        {
            Releases++;
            ProtectsAtRelease = Protects;
            ReleaseThread = Environment.CurrentManagedThreadId;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SendProtected_SeveralRoutingThreads_EachPacketOnceInOrderProtectedByOneWorkerPerSession(bool sendmmsg)
    {
        const int sessions = 12, routingThreads = 3, perThread = 800;
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 2, sendQueueSlots: 4096, useSendmmsg: sendmmsg);
        var receivers = Enumerable.Range(0, sessions).Select(_ => Receiver()).ToArray();
        var protectors = Enumerable.Range(0, sessions).Select(_ => new RecordingProtector()).ToArray();
        var destinations = receivers.Select(r => PeerAddress.FromEndPoint((IPEndPoint)r.LocalEndPoint!)).ToArray();
        var next = new int[sessions];
        var gate = new Lock();
        int refused = 0;
        try
        {
            var threads = Enumerable.Range(0, routingThreads).Select(t => new Thread(() =>
            {
                var random = new Random(t);
                var packet = new byte[160];
                for (int i = 0; i < perThread; i++)
                {
                    lock (gate)
                    {
                        int s = random.Next(sessions);
                        BinaryPrimitives.WriteInt32BigEndian(packet, next[s]++);
                        packet[4] = (byte)s;
                        if (!endpoint.SendProtected(protectors[s], rtcp: false, packet, destinations[s])) Interlocked.Increment(ref refused);
                    }
                }
            }) { Name = $"routing-{t}" }).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Equal(0, refused);
            lock (gate)
            {
                foreach (var p in protectors) endpoint.Release(p);
            }

            int total = routingThreads * perThread;
            Assert.True(SpinWait.SpinUntil(() => endpoint.DatagramsSent + endpoint.SendFailures >= total, Patience));
            Assert.Equal(total, endpoint.DatagramsSent);
            Assert.Equal(0, endpoint.SendFailures);
            var buffer = new byte[2048];
            for (int s = 0; s < sessions; s++)
            {
                for (int i = 0; i < next[s]; i++)
                {
                    Assert.Equal(164, receivers[s].Receive(buffer));
                    Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(buffer)); // routed order, nothing lost
                    Assert.Equal(s, buffer[4]);
                    Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(160))); // protected in that order
                }
                Assert.Equal(0, receivers[s].Available); // nothing twice
            }
            Assert.True(SpinWait.SpinUntil(() => protectors.All(p => Volatile.Read(ref p.Releases) == 1), Patience));
            foreach (var p in protectors)
            {
                Assert.False(p.Overlapped);
                var thread = Assert.Single(p.Threads);
                Assert.StartsWith("mediacore-udp-tx-", Assert.Single(p.ThreadNames));
                Assert.Equal(thread, p.ReleaseThread);
                Assert.Equal(p.Protects, p.ProtectsAtRelease); // released after its last packet, not before
            }
        }
        finally
        {
            foreach (var r in receivers) r.Dispose();
        }
    }

    [Fact]
    public void SendProtected_RealSrtpFromTheWorkers_PeerDecryptsEveryRtpAndRtcpPacket()
    {
        // Rings larger than everything queued: the test never depends on how soon a worker gets a CPU.
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 2, sendQueueSlots: 4096);
        const int sessions = 4, packets = 300;
        var material = new byte[SrtpSession.KeyingMaterialLength(SrtpProfile.AeadAes128Gcm)];
        var receivers = new Socket[sessions];
        var server = new SrtpSession[sessions];
        var client = new SrtpSession[sessions];
        try
        {
            for (int s = 0; s < sessions; s++)
            {
                Random.Shared.NextBytes(material);
                server[s] = SrtpSession.FromKeyingMaterial(SrtpProfile.AeadAes128Gcm, material, isDtlsClient: false);
                client[s] = SrtpSession.FromKeyingMaterial(SrtpProfile.AeadAes128Gcm, material, isDtlsClient: true);
                receivers[s] = Receiver();
            }
            var rtp = new byte[1200];
            var rtcp = new byte[] { 0x80, 200, 0, 6, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
            for (int i = 0; i < packets; i++)
            {
                for (int s = 0; s < sessions; s++)
                {
                    var to = PeerAddress.FromEndPoint((IPEndPoint)receivers[s].LocalEndPoint!);
                    rtp[0] = 0x80;
                    rtp[1] = 96;
                    BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), (ushort)(65400 + i)); // crosses a rollover (ROC 0 -> 1)
                    BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(8), 0x1000u + (uint)s);
                    rtp[12] = (byte)i;
                    Assert.True(endpoint.SendProtected(server[s].Outbound, rtcp: false, rtp, to));
                    if (i % 50 == 0) Assert.True(endpoint.SendProtected(server[s].Outbound, rtcp: true, rtcp, to));
                }
            }
            for (int s = 0; s < sessions; s++) endpoint.Release(server[s].Outbound);

            var buffer = new byte[2048];
            for (int s = 0; s < sessions; s++)
            {
                int rtpSeen = 0, rtcpSeen = 0;
                while (rtpSeen + rtcpSeen < packets + packets / 50)
                {
                    int n = receivers[s].Receive(buffer);
                    if (buffer[1] == 200)
                    {
                        Assert.Equal(SrtpResult.Ok, client[s].Inbound.UnprotectRtcpInPlace(buffer.AsSpan(0, n), out int m));
                        Assert.Equal(rtcp, buffer[..m]);
                        rtcpSeen++;
                        continue;
                    }
                    Assert.Equal(SrtpResult.Ok, client[s].Inbound.UnprotectRtpInPlace(buffer.AsSpan(0, n), out int length));
                    Assert.Equal(1200, length);
                    Assert.Equal((byte)rtpSeen, buffer[12]);
                    rtpSeen++;
                }
                Assert.Equal(packets / 50, rtcpSeen);
            }
        }
        finally
        {
            foreach (var r in receivers) r?.Dispose();
            foreach (var c in client) c?.Dispose();
            foreach (var s in server) s?.Inbound.Dispose();
        }
    }

    [Fact]
    public void TryBeginProtected_PacketsWrittenIntoLentSlots_PeerDecryptsEachInOrderAbandonedSlotsSendNothing()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 2, sendQueueSlots: 4096);
        using var receiver = Receiver();
        var to = PeerAddress.FromEndPoint((IPEndPoint)receiver.LocalEndPoint!);
        var material = new byte[SrtpSession.KeyingMaterialLength(SrtpProfile.AeadAes128Gcm)];
        Random.Shared.NextBytes(material);
        using var client = SrtpSession.FromKeyingMaterial(SrtpProfile.AeadAes128Gcm, material, isDtlsClient: true);
        var server = SrtpSession.FromKeyingMaterial(SrtpProfile.AeadAes128Gcm, material, isDtlsClient: false);
        using var serverInbound = server.Inbound; // the outbound context is the endpoint's to release
        var rtp = new byte[1200];
        rtp[0] = 0x80;
        rtp[1] = 96;
        var expected = new List<ushort>(300); // sized up front: the test's own list must not allocate in the measured loop
        long before = 0;
        for (int i = 0; i < 300; i++)
        {
            if (i == 100) before = GC.GetAllocatedBytesForCurrentThread();
            BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), (ushort)i);
            rtp[12] = (byte)i;
            if (i % 5 == 0)
            {
                // Copied in, between lent slots of the same session: one order for both ways in.
                Assert.True(endpoint.SendProtected(server.Outbound, rtcp: false, rtp, to));
                expected.Add((ushort)i);
                continue;
            }
            Assert.True(endpoint.TryBeginProtected(server.Outbound, rtcp: false, to, out var slot));
            Assert.True(slot.Buffer.Length >= rtp.Length + server.Outbound.RtpOverhead);
            if (i % 7 == 3)
            {
                slot.Commit(0); // the routing changed its mind: nothing goes out, nothing is lost
                continue;
            }
            rtp.CopyTo(slot.Buffer);
            slot.Commit(rtp.Length);
            expected.Add((ushort)i);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        endpoint.Release(server.Outbound);

        var buffer = new byte[2048];
        foreach (ushort seq in expected)
        {
            int n = receiver.Receive(buffer);
            Assert.Equal(SrtpResult.Ok, client.Inbound.UnprotectRtpInPlace(buffer.AsSpan(0, n), out int length));
            Assert.Equal(1200, length);
            Assert.Equal(seq, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)));
            Assert.Equal((byte)seq, buffer[12]);
        }
        endpoint.Close();
        Assert.Equal(expected.Count, endpoint.DatagramsSent);
        Assert.Equal(0, endpoint.SendFailures);
    }

    [Fact]
    public void SendProtected_IceTcpPeer_ProtectedOnTheWorkerThenHandedToTheStreamSender()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 1, sendQueueSlots: 1024);
        var stream = new StreamRecorder();
        endpoint.StreamSender = stream;
        var protector = new RecordingProtector();
        var tcpPeer = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 50000)).AsTcp();
        for (int i = 0; i < 10; i++) Assert.True(endpoint.SendProtected(protector, rtcp: false, new byte[] { (byte)i, 1, 2 }, tcpPeer));
        Assert.True(SpinWait.SpinUntil(() => stream.Count == 10, Patience));
        Assert.All(stream.Sent, d => Assert.Equal(tcpPeer, d.To));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), stream.Sent.Select(d => d.Data[0]));
        Assert.All(stream.Sent, d => Assert.Equal(7, d.Data.Length)); // protected (tag added) before it left
        Assert.StartsWith("mediacore-udp-tx-", Assert.Single(protector.ThreadNames));
    }

    [Fact]
    public void SendProtected_ThroughWorkers_AllocatesNothingOnTheCallersThread()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 2, sendQueueSlots: 1024);
        using var sink = Receiver();
        var to = PeerAddress.FromEndPoint((IPEndPoint)sink.LocalEndPoint!);
        var material = new byte[SrtpSession.KeyingMaterialLength(SrtpProfile.AeadAes128Gcm)];
        using var session = SrtpSession.FromKeyingMaterial(SrtpProfile.AeadAes128Gcm, material, isDtlsClient: false);
        var packet = new byte[1200];
        packet[0] = 0x80;
        packet[1] = 96;
        endpoint.SendProtected(session.Outbound, false, packet, to);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            packet[3] = (byte)i;
            endpoint.SendProtected(session.Outbound, false, packet, to);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(SpinWait.SpinUntil(() => endpoint.DatagramsSent == 101, Patience));
    }

    [Fact]
    public void SendProtected_NoWorkers_ProtectsOnTheCallersThread()
    {
        using var endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: 0);
        using var sink = Receiver();
        var protector = new RecordingProtector();
        Assert.True(endpoint.SendProtected(protector, false, new byte[] { 1, 2, 3 }, PeerAddress.FromEndPoint((IPEndPoint)sink.LocalEndPoint!)));
        Assert.Equal(Environment.CurrentManagedThreadId, Assert.Single(protector.Threads));
        Assert.Equal(7, sink.Receive(new byte[64]));
        endpoint.Release(protector);
        Assert.Equal(1, protector.Releases);
    }

    private sealed class StreamRecorder : IDatagramSender
    {
        public readonly List<(byte[] Data, PeerAddress To)> Sent = [];
        public int Count
        {
            get
            {
                lock (Sent) return Sent.Count;
            }
        }

        public bool Send(ReadOnlySpan<byte> datagram, PeerAddress to)
        {
            lock (Sent) Sent.Add((datagram.ToArray(), to));
            return true;
        }
    }
}
