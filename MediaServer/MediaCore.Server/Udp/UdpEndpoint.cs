using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Srtp;
using MediaCore.Server.Options;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Udp;

/// <summary>
/// The media UDP port: ONE port for every peer (docs/decisions.md; like mediasoup's WebRtcServer). Bound when
/// constructed, so a busy port fails the start with a clear message. A wildcard IPv6 bind address (<c>::</c>)
/// gives dual-stack sockets (IPv4 peers appear as IPv4 <see cref="PeerAddress"/>es); otherwise the sockets
/// have the bind address's family. Sending uses the allocation-free
/// <c>SendTo(ReadOnlySpan, SocketFlags, SocketAddress)</c> with a per-thread cached <see cref="SocketAddress"/>.
/// <para>Usually one socket. With <c>socketCount &gt; 1</c> (Linux) the sockets share the port through
/// SO_REUSEPORT and the kernel spreads peers across them by a hash of the 4-tuple, so every datagram of one
/// peer lands on the same socket, hence the same receive thread. All sends go through the first socket:
/// same local port, so peers and NATs see one source.</para>
/// <para>With <c>sendWorkers &gt; 0</c>, <see cref="Send"/> only copies the datagram into the ring of one
/// <see cref="UdpSendWorker"/> (chosen by destination, so each peer's datagrams stay in order) and returns; the
/// workers' threads make the system calls (<c>sendmmsg</c>, batches of up to 64) on the same socket, in parallel.
/// With 0, <see cref="Send"/> calls <c>sendto</c> on the caller's thread.</para>
/// <para><see cref="SendProtected"/> hands a session's plain RTP/RTCP to the worker its protector maps to (always the
/// same one), which SRTP-protects it just before the system call: each session's outbound SRTP state is used by one
/// thread, and the encryption of a fan-out runs on every core instead of under <c>MediaEngine.Gate</c>.</para>
/// </summary>
public sealed class UdpEndpoint : IDatagramSender, IDisposable
{
    // Linux <asm-generic/socket.h>: SOL_SOCKET = 1, SO_REUSEPORT = 15 (.NET's ReuseAddress maps to SO_REUSEADDR).
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    // <linux/in.h>, <linux/in6.h>: IP_MTU_DISCOVER = 10, IPV6_MTU_DISCOVER = 23; IP_PMTUDISC_PROBE = 3 (DF set, the
    // learned path MTU ignored: no EMSGSIZE from an ICMP "fragmentation needed", only the interface's MTU applies).
    private const int IpProtoIp = 0, IpMtuDiscover = 10, IpProtoIpv6 = 41, Ipv6MtuDiscover = 23, PmtuDiscProbe = 3;

    [ThreadStatic] private static SocketAddress? t_sendV4;
    [ThreadStatic] private static SocketAddress? t_sendV6;

    private readonly Socket[] _sockets;
    private readonly Socket _sendSocket;
    private readonly UdpSendWorker[] _workers;
    private long _sent, _sendFailures, _sendCalls;
    private int _closed;

    /// <summary>Binds <paramref name="bindAddress"/>:<paramref name="port"/> (0 = any free port).</summary>
    /// <param name="socketCount">Receive sockets sharing the port (SO_REUSEPORT, Linux only); 1 elsewhere.</param>
    /// <param name="sendWorkers">Send threads (0: send on the caller's thread).</param>
    /// <param name="sendQueueSlots">Datagrams each send worker can hold (rounded up to a power of two).</param>
    /// <param name="useSendmmsg">Batch with sendmmsg(2) (Linux); false: one sendto per datagram on the worker.</param>
    /// <param name="burstSpread">Key-frame burst pacing on each worker (<see cref="SendPacer"/>); zero: off.</param>
    /// <param name="maxPacingDelay">The most pacing may delay a datagram.</param>
    /// <param name="protectOnWorkers">SRTP-protect on the send workers (false: on the caller's thread, the earlier host).</param>
    /// <param name="dontFragment">Send with the IP don't-fragment bit (IP_PMTUDISC_PROBE, Linux): the kernel then skips
    /// its shared IP-identification generator per datagram (<c>__ip_select_ident</c>). Media datagrams stay under 1,300 bytes.</param>
    /// <param name="fullRingWait">How long a sender waits for a full worker ring before the datagram counts as a send failure
    /// (null: <see cref="UdpSendWorker.DefaultFullWait"/>; <see cref="Timeout.InfiniteTimeSpan"/>: until the worker frees a slot).</param>
    public UdpEndpoint(IPAddress bindAddress, int port, int socketBufferBytes = 4 * 1024 * 1024, int socketCount = 1,
        int sendWorkers = 0, int sendQueueSlots = 16384, bool useSendmmsg = true, TimeSpan burstSpread = default, TimeSpan maxPacingDelay = default,
        bool protectOnWorkers = true, TimeSpan? fullRingWait = null, bool dontFragment = false)
    {
        ProtectsOnWorkers = protectOnWorkers && sendWorkers > 0;
        ArgumentOutOfRangeException.ThrowIfLessThan(socketCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(sendWorkers);
        if (socketCount > 1 && !OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("Several media receive sockets on one port need SO_REUSEPORT (Linux): set MediaServer:ReceiveThreads=1.");
        _sockets = new Socket[socketCount];
        int boundPort = port;
        try
        {
            for (int i = 0; i < socketCount; i++)
            {
                _sockets[i] = Open(bindAddress, boundPort, socketBufferBytes, reusePort: socketCount > 1, dontFragment);
                // Port 0: the first socket picks the port, the others join it.
                boundPort = ((IPEndPoint)_sockets[i].LocalEndPoint!).Port;
            }
        }
        catch (SocketException e)
        {
            foreach (var s in _sockets) s?.Dispose();
            throw new InvalidOperationException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"UDP port {port} on {bindAddress} is already in use: set MediaServer:UdpPort to a free port."
                : $"Cannot bind the media UDP socket to {bindAddress}:{port} ({e.SocketErrorCode}): check MediaServer:BindAddress and MediaServer:UdpPort.", e);
        }
        _sendSocket = _sockets[0];
        LocalEndPoint = (IPEndPoint)_sendSocket.LocalEndPoint!;
        _workers = new UdpSendWorker[sendWorkers];
        for (int i = 0; i < sendWorkers; i++)
            _workers[i] = new UdpSendWorker(_sendSocket, i, sendQueueSlots, useSendmmsg, OnWorkerSent,
                burstSpread > TimeSpan.Zero ? new SendPacer(burstSpread.Ticks, Math.Max(maxPacingDelay.Ticks, burstSpread.Ticks + SendPacer.IntervalTicks)) : null,
                fullRingWait);
    }

    private void OnWorkerSent(int sent, long bytes, int failures, int calls)
    {
        if (calls > 0)
        {
            Interlocked.Add(ref _sendCalls, calls);
            Metrics.MediaMetrics.SendCalls.Inc(calls);
        }
        if (sent > 0)
        {
            Interlocked.Add(ref _sent, sent);
            Metrics.MediaMetrics.DatagramsOut.Inc(sent);
            Metrics.MediaMetrics.BytesOut.Inc(bytes);
        }
        if (failures > 0)
        {
            Interlocked.Add(ref _sendFailures, failures);
            Metrics.MediaMetrics.SendFailures.Inc(failures);
        }
    }

    /// <summary>True when <see cref="SendProtected"/> protects on the send workers (there are workers and it was not turned off).</summary>
    public bool ProtectsOnWorkers { get; }

    /// <summary>Send threads (0: sends happen on the caller's thread).</summary>
    public int SendWorkerCount => _workers.Length;

    /// <summary>Datagrams queued in the send workers, not yet handed to the kernel.</summary>
    public int SendBacklog
    {
        get
        {
            int n = 0;
            foreach (var w in _workers) n += w.Backlog;
            return n;
        }
    }

    /// <summary>DI constructor: <c>MediaServer:BindAddress</c>, <c>UdpPort</c>, <c>SocketBufferBytes</c>, <c>ReceiveThreads</c>.</summary>
    public UdpEndpoint(IOptions<MediaServerOptions> options)
        : this(options.Value.ParsedBindAddress, options.Value.UdpPort, options.Value.SocketBufferBytes, options.Value.ReceiveThreads,
            options.Value.EffectiveSendWorkers, options.Value.SendQueueSlots, options.Value.UseSendmmsg,
            options.Value.BurstSpread, options.Value.MaxPacingDelay, options.Value.ProtectOnSendWorkers, dontFragment: options.Value.DontFragment)
    {
    }

    private static Socket Open(IPAddress bindAddress, int port, int bufferBytes, bool reusePort, bool dontFragment)
    {
        var socket = new Socket(bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (bindAddress.AddressFamily == AddressFamily.InterNetworkV6 && bindAddress.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            if (reusePort)
                socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            // Bursts of video (a key frame is dozens of packets per subscriber) must not overflow the kernel queue.
            socket.ReceiveBufferSize = bufferBytes;
            socket.SendBufferSize = bufferBytes;
            if (dontFragment && OperatingSystem.IsLinux())
            {
                var probe = BitConverter.GetBytes(PmtuDiscProbe);
                // A dual-stack socket sends IPv4 peers' datagrams through the IPv4 options too.
                if (bindAddress.AddressFamily == AddressFamily.InterNetwork || socket.DualMode) socket.SetRawSocketOption(IpProtoIp, IpMtuDiscover, probe);
                if (bindAddress.AddressFamily == AddressFamily.InterNetworkV6) socket.SetRawSocketOption(IpProtoIpv6, Ipv6MtuDiscover, probe);
            }
            socket.Bind(new IPEndPoint(bindAddress, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The bound address and (actual) port.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The sockets' address family (InterNetworkV6 for dual-stack).</summary>
    public AddressFamily AddressFamily => _sendSocket.AddressFamily;

    /// <summary>Receive sockets sharing the port; the host runs one receive thread per socket.</summary>
    public int SocketCount => _sockets.Length;

    /// <summary>Datagrams handed to the OS.</summary>
    public long DatagramsSent => Interlocked.Read(ref _sent);

    /// <summary>System calls that handed datagrams to the OS (a <c>sendmmsg</c> batch is one): <see cref="DatagramsSent"/> / this = the batch size achieved.</summary>
    public long SendCalls => Interlocked.Read(ref _sendCalls);

    /// <summary>Datagrams the OS refused or that could not be addressed.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Bytes waiting in the kernel receive queue (the metrics' receive backlog).</summary>
    public long QueuedBytes => IsClosed ? 0 : _sockets.Sum(s => (long)s.Available);

    /// <summary>Where the workers send protected packets for ICE-TCP peers (the <c>IceTcpServer</c>); set once at start-up.</summary>
    public IDatagramSender? StreamSender
    {
        get => _workers.Length > 0 ? _workers[0].StreamSender : null;
        set
        {
            foreach (var w in _workers) w.StreamSender = value;
        }
    }

    /// <summary>
    /// Queues the plain <paramref name="packet"/> on the worker that owns <paramref name="protector"/>; that worker
    /// protects and sends it in order with the protector's other packets. Without workers: protect and send now.
    /// </summary>
    public bool SendProtected(IPacketProtector protector, bool rtcp, ReadOnlySpan<byte> packet, PeerAddress to)
    {
        if (!ProtectsOnWorkers) return DatagramSenderExtensions.ProtectAndSend(this, protector, rtcp, packet, to);
        if (IsClosed || to.IsNone) return Fail();
        if (to.IsIPv6 && !to.IsTcp && _sendSocket.AddressFamily == AddressFamily.InterNetwork) return Fail();
        return WorkerOf(protector).TryEnqueueProtected(protector, rtcp, packet, to) || Fail();
    }

    /// <summary>
    /// Lends a slot of the ring of the worker that owns <paramref name="protector"/>, for the next plain packet to
    /// <paramref name="to"/>: the caller writes it there and commits it (<see cref="OutputSlot.Commit"/>) right away; the worker
    /// then protects and sends it exactly as if given to <see cref="SendProtected"/>, without the copy. False when not
    /// protecting on workers, closed, or the ring stayed full (a full ring counts the send failure, as <see cref="SendProtected"/>).
    /// </summary>
    public bool TryBeginProtected(IPacketProtector protector, bool rtcp, PeerAddress to, out OutputSlot slot)
    {
        slot = default;
        if (!ProtectsOnWorkers || IsClosed || to.IsNone) return false;
        if (to.IsIPv6 && !to.IsTcp && _sendSocket.AddressFamily == AddressFamily.InterNetwork) return false;
        return WorkerOf(protector).TryBeginProtected(protector, rtcp, to, out slot);
    }

    /// <summary>Releases <paramref name="protector"/> on its worker, after the packets queued before it.</summary>
    public void Release(IPacketProtector protector)
    {
        if (!ProtectsOnWorkers)
        {
            protector.Release();
            return;
        }
        // When the worker has stopped (or stays full), the context is left to the garbage collector: releasing it
        // here could race a protect still running on the worker.
        WorkerOf(protector).TryEnqueueRelease(protector);
    }

    // A protector's identity hash never changes: one worker for all its packets and its release.
    private UdpSendWorker WorkerOf(IPacketProtector protector) =>
        _workers[(int)((uint)RuntimeHelpers.GetHashCode(protector) % (uint)_workers.Length)];

    public bool Send(ReadOnlySpan<byte> datagram, PeerAddress to)
    {
        if (IsClosed || to.IsNone || to.IsTcp) return Fail();
        if (_workers.Length > 0 && datagram.Length <= UdpSendWorker.SlotBytes)
        {
            if (to.IsIPv6 && _sendSocket.AddressFamily == AddressFamily.InterNetwork) return Fail();
            // The same worker for every datagram to one peer keeps that peer's packets in order.
            uint h = (uint)to.GetHashCode();
            return _workers[(int)(h % (uint)_workers.Length)].TryEnqueue(datagram, to) || Fail();
        }
        SocketAddress address;
        if (_sendSocket.AddressFamily == AddressFamily.InterNetwork)
        {
            if (!to.IsIPv4) return Fail();
            address = t_sendV4 ??= new SocketAddress(AddressFamily.InterNetwork);
        }
        else
        {
            address = t_sendV6 ??= new SocketAddress(AddressFamily.InterNetworkV6);
        }
        to.WriteTo(address);
        try
        {
            Interlocked.Increment(ref _sendCalls);
            Metrics.MediaMetrics.SendCalls.Inc();
            _sendSocket.SendTo(datagram, SocketFlags.None, address);
            Interlocked.Increment(ref _sent);
            Metrics.MediaMetrics.DatagramsOut.Inc();
            Metrics.MediaMetrics.BytesOut.Inc(datagram.Length);
            return true;
        }
        catch (SocketException)
        {
            // ENOBUFS, EHOSTUNREACH, a port-unreachable reported on a later send: UDP is lossy; the protocols recover.
            return Fail();
        }
        catch (ObjectDisposedException)
        {
            return Fail();
        }
    }

    /// <summary>Blocking receive on socket <paramref name="socketIndex"/> (a host receive thread). Throws
    /// <see cref="ObjectDisposedException"/> or <see cref="SocketException"/> once <see cref="Close"/> was called.</summary>
    internal int Receive(Span<byte> buffer, SocketAddress from, int socketIndex = 0)
    {
        // The previous call shrank Size to the address it returned (0 when woken by Close); restore the capacity.
        from.Size = from.Buffer.Length;
        return _sockets[socketIndex].ReceiveFrom(buffer, SocketFlags.None, from);
    }

    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Receive socket <paramref name="socketIndex"/>, for the batch receiver.</summary>
    internal Socket ReceiveSocket(int socketIndex) => _sockets[socketIndex];

    /// <summary>Closes the sockets; blocked <see cref="Receive"/> calls return with an exception.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        // Queued datagrams (the sessions' goodbyes among them) leave before the socket closes.
        foreach (var w in _workers) w.Dispose();
        foreach (var socket in _sockets)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // UDP sockets are not connected; shutdown may say so, but it still wakes a blocked recvfrom on Linux.
            }
            socket.Dispose();
        }
    }

    public void Dispose() => Close();

    private bool Fail()
    {
        Metrics.MediaMetrics.SendFailures.Inc();
        Interlocked.Increment(ref _sendFailures);
        return false;
    }
}
