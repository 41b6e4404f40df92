using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Core;
using MediaCore.Server.Options;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Udp;

/// <summary>
/// The media UDP socket: ONE port for every peer (DESIGN.md; like mediasoup's WebRtcServer). Bound when
/// constructed, so a busy port fails the start with a clear message. A wildcard IPv6 bind address (<c>::</c>)
/// gives a dual-stack socket (IPv4 peers appear as IPv4 <see cref="PeerAddress"/>es); otherwise the socket has
/// the bind address's family. Sending uses the allocation-free <c>SendTo(ReadOnlySpan, SocketFlags, SocketAddress)</c>
/// with a per-thread cached <see cref="SocketAddress"/>.
/// </summary>
public sealed class UdpEndpoint : IDatagramSender, IDisposable
{
    [ThreadStatic] private static SocketAddress? t_sendV4;
    [ThreadStatic] private static SocketAddress? t_sendV6;

    private readonly Socket _socket;
    private long _sent, _sendFailures;
    private int _closed;

    /// <summary>Binds <paramref name="bindAddress"/>:<paramref name="port"/> (0 = any free port).</summary>
    public UdpEndpoint(IPAddress bindAddress, int port, int socketBufferBytes = 4 * 1024 * 1024)
    {
        _socket = new Socket(bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (bindAddress.AddressFamily == AddressFamily.InterNetworkV6 && bindAddress.Equals(IPAddress.IPv6Any))
                _socket.DualMode = true;
            // Bursts of video (a key frame is dozens of packets per subscriber) must not overflow the kernel queue.
            _socket.ReceiveBufferSize = socketBufferBytes;
            _socket.SendBufferSize = socketBufferBytes;
            _socket.Bind(new IPEndPoint(bindAddress, port));
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new InvalidOperationException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"UDP port {port} on {bindAddress} is already in use: set MediaServer:UdpPort to a free port."
                : $"Cannot bind the media UDP socket to {bindAddress}:{port} ({e.SocketErrorCode}): check MediaServer:BindAddress and MediaServer:UdpPort.", e);
        }
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>DI constructor: <c>MediaServer:BindAddress</c>, <c>MediaServer:UdpPort</c>.</summary>
    public UdpEndpoint(IOptions<MediaServerOptions> options)
        : this(options.Value.ParsedBindAddress, options.Value.UdpPort, options.Value.SocketBufferBytes)
    {
    }

    /// <summary>The bound address and (actual) port.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The socket's address family (InterNetworkV6 for dual-stack).</summary>
    public AddressFamily AddressFamily => _socket.AddressFamily;

    /// <summary>Datagrams handed to the OS.</summary>
    public long DatagramsSent => Interlocked.Read(ref _sent);

    /// <summary>Datagrams the OS refused or that could not be addressed.</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Bytes waiting in the kernel receive queue (the metrics' receive backlog).</summary>
    public long QueuedBytes => IsClosed ? 0 : _socket.Available;

    public bool Send(ReadOnlySpan<byte> datagram, PeerAddress to)
    {
        if (IsClosed || to.IsNone) return Fail();
        SocketAddress address;
        if (_socket.AddressFamily == AddressFamily.InterNetwork)
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
            _socket.SendTo(datagram, SocketFlags.None, address);
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

    /// <summary>Blocking receive (the host's receive thread). Throws <see cref="ObjectDisposedException"/> or
    /// <see cref="SocketException"/> once <see cref="Close"/> was called.</summary>
    internal int Receive(Span<byte> buffer, SocketAddress from)
    {
        // The previous call shrank Size to the address it returned (0 when woken by Close); restore the capacity.
        from.Size = from.Buffer.Length;
        return _socket.ReceiveFrom(buffer, SocketFlags.None, from);
    }

    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Closes the socket; a blocked <see cref="Receive"/> returns with an exception.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // UDP sockets are not connected; shutdown may say so, but it still wakes a blocked recvfrom on Linux.
        }
        _socket.Dispose();
    }

    public void Dispose() => Close();

    private bool Fail()
    {
        Metrics.MediaMetrics.SendFailures.Inc();
        Interlocked.Increment(ref _sendFailures);
        return false;
    }
}
