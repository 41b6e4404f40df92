using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Srtp;
using MediaCore.Routing;
using MediaCore.Server.Udp;

namespace MediaCore.Benchmarks;

/// <summary>How the host hands datagrams to the kernel.</summary>
public enum SendPath
{
    /// <summary>One <c>sendto</c> per datagram on the routing thread (the old single-thread host).</summary>
    SendtoInline,
    /// <summary>One send worker, <c>sendmmsg</c> batches of up to 64.</summary>
    Sendmmsg1Worker,
    /// <summary>One send worker per core (2 here), <c>sendmmsg</c>.</summary>
    Sendmmsg2Workers,
    /// <summary>Two workers, one <c>sendto</c> per datagram (isolates batching from parallelism).</summary>
    Sendto2Workers,
    /// <summary>Two workers with <c>sendmmsg</c> that also SRTP-protect (the host since issue 9's ownership change):
    /// the routing thread rewrites the plain packet straight into a slot of the subscriber's worker's ring.</summary>
    ProtectOn2Workers,
    /// <summary>As <see cref="ProtectOn2Workers"/>, but rewritten into the router's scratch buffer and copied into the ring
    /// slot from there (the host before the rewrite went straight into the slot; <c>fanout-cpu</c> only).</summary>
    ProtectOn2WorkersCopy,
}

/// <summary>
/// One 1200 B VP8 packet forwarded to N subscribers through the real socket path: <c>Router.OnRtp</c>, each
/// consumer's rewrite, AES-GCM SRTP protect with the subscriber's context, <c>UdpEndpoint.Send</c> to N loopback
/// sockets, and (with workers) waiting until the workers have handed every datagram to the kernel. So Mean is
/// the wall time of the whole fan-out; Mean / N is the time per forwarded datagram. The receiving sockets are
/// not drained: once full, the kernel drops at the receiver, after doing the whole send path.
/// </summary>
[MemoryDiagnoser]

public class SocketFanOutBenchmarks
{
    private sealed class SocketSink(SrtpContext context, UdpEndpoint endpoint, PeerAddress to, bool protectOnWorker, bool rewriteIntoSlot) : IRtpSink
    {
        public void SendRtp(Span<byte> buffer, int length)
        {
            if (protectOnWorker) endpoint.SendProtected(context, rtcp: false, buffer[..length], to);
            else if (context.TryProtectRtpInPlace(buffer, length, out int n)) endpoint.Send(buffer[..n], to);
        }

        public bool TryBeginRtp(out OutputSlot slot)
        {
            if (rewriteIntoSlot) return endpoint.TryBeginProtected(context, rtcp: false, to, out slot);
            slot = default;
            return false;
        }
    }

    [Params(SendPath.SendtoInline, SendPath.Sendmmsg1Worker, SendPath.Sendmmsg2Workers, SendPath.Sendto2Workers, SendPath.ProtectOn2Workers)]
    public SendPath Path;

    [Params(100, 500)]
    public int Subscribers;

    /// <summary>Slots per send worker ring (the host's <c>SendQueueSlots</c>).</summary>
    public int Slots { get; set; } = 16384;

    /// <summary>The host's <c>DontFragment</c> (IP_PMTUDISC_PROBE on the socket).</summary>
    public bool DontFragment { get; set; }

    private UdpEndpoint _endpoint = null!;
    private readonly List<Socket> _receivers = [];
    private Router _router = null!;
    private Producer _producer = null!;
    private byte[] _packet = [];
    private ushort _seq = 1000;
    private uint _ts = 90000;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        int workers = Path switch { SendPath.SendtoInline => 0, SendPath.Sendmmsg1Worker => 1, _ => 2 };
        _endpoint = new UdpEndpoint(IPAddress.Loopback, 0, sendWorkers: workers, sendQueueSlots: Slots, useSendmmsg: Path != SendPath.Sendto2Workers,
            dontFragment: DontFragment);
        _router = new Router();
        var pubExt = new RtpExtensionMap().Add(2, RtpExtensionUris.AbsSendTime).Add(3, RtpExtensionUris.TransportWideCc).Add(4, RtpExtensionUris.Mid);
        _producer = _router.CreateProducer(0, new ProducerOptions
        {
            Id = "p", Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
            PayloadType = new PayloadType(96), Extensions = pubExt,
            Encodings = [new ProducerEncodingOptions { Ssrc = 0x12345678 }],
        });
        // The packet first: the producer's NACK cache is filled before any consumer exists (below).
        var w = new RtpPacketWriter { PayloadType = new PayloadType(96), Ssrc = new Ssrc(0x12345678), Marker = true };
        w.SetExtension(2, [0x12, 0x34, 0x56]);
        w.SetExtension(3, [0x00, 0x10]);
        w.SetExtension(4, "0"u8);
        var payload = new byte[1200 - 12 - 12];
        payload[0] = 0x90; payload[1] = 0xC0; payload[2] = 0x81; payload[3] = 0x23; payload[4] = 5;
        payload[5] = 0x11; // VP8 payload header, P = 1: an inter frame
        w.Payload = payload;
        w.SequenceNumber = _seq;
        w.Timestamp = new RtpTimestamp(_ts);
        _packet = new byte[w.GetSerializedSize()];
        w.WriteTo(_packet);
        int frameHeader = w.GetSerializedSize() - payload.Length + 5;
        // A video encoding keeps its last 1,024 packets for NACK (PacketCache), in buffers taken from the router's pool
        // once and recycled after. Until that ring is full every packet takes a new 1.5 KB buffer: that was the
        // "1.6 KB per fan-out" of earlier runs at 500 subscribers (too few iterations to fill it), a per-producer
        // start-up cost, not a per-packet one. Fill it here, routed to nobody yet.
        for (int i = 0; i < WarmPackets; i++) Route();

        var subExt = new RtpExtensionMap().Add(3, RtpExtensionUris.AbsSendTime).Add(1, RtpExtensionUris.Mid);
        var key = new byte[16];
        var salt = new byte[12];
        for (int i = 0; i < Subscribers; i++)
        {
            var r = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            r.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _receivers.Add(r);
            key[0] = (byte)i;
            _router.CreateConsumer(0, new ConsumerOptions
            {
                Id = "c" + i, Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
                Ssrc = new Ssrc((uint)(1000 + i)), PayloadType = new PayloadType(100), Extensions = subExt, Mid = "1",
            }, new SocketSink(new SrtpContext(SrtpProfile.AeadAes128Gcm, key, salt), _endpoint,
                PeerAddress.FromEndPoint((IPEndPoint)r.LocalEndPoint!), Path is SendPath.ProtectOn2Workers or SendPath.ProtectOn2WorkersCopy,
                Path == SendPath.ProtectOn2Workers), _producer);
        }
        // A key frame starts every consumer, then inter frames.
        _packet[frameHeader] = 0x10;
        WaitSent(Route());
        _packet[frameHeader] = 0x11;
        for (int i = 0; i < 200; i++) FanOut();
    }

    /// <summary>Packets routed before the consumers exist: more than a video encoding's NACK cache holds (1,024).</summary>
    public const int WarmPackets = 1100;

    /// <summary>The receiving sockets (the CPU harness drains them between rounds).</summary>
    public IReadOnlyList<Socket> Receivers => _receivers;

    /// <summary>The endpoint's counters (datagrams the kernel took, failures).</summary>
    public UdpEndpoint Endpoint => _endpoint;

    /// <summary>
    /// Routes the next packet (Router.OnRtp: every consumer's rewrite, then protect + send or the copy into a worker's
    /// ring) and returns the datagram count to wait for; with workers the kernel calls happen on their threads.
    /// </summary>
    public long Route()
    {
        long target = _endpoint.DatagramsSent + _endpoint.SendFailures + _router.Consumers.Count;
        _seq++;
        _ts += 3000;
        _now += TimeSpan.TicksPerMillisecond;
        RtpHeaderEditor.SetSequenceNumber(_packet, _seq);
        RtpHeaderEditor.SetTimestamp(_packet, new RtpTimestamp(_ts));
        _router.OnRtp(_now, _producer, _packet);
        return target;
    }

    /// <summary>Waits (spinning, yielding) until the kernel has every datagram up to <paramref name="target"/>.</summary>
    public void WaitSent(long target)
    {
        var spin = new SpinWait();
        while (_endpoint.DatagramsSent + _endpoint.SendFailures < target) spin.SpinOnce(sleep1Threshold: -1);
    }

    [Benchmark]
    public long FanOut()
    {
        // With workers, the fan-out is done when the kernel has every datagram.
        long target = Route();
        WaitSent(target);
        return target;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _endpoint.Dispose();
        _receivers.ForEach(r => r.Dispose());
    }
}
