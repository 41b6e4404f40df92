using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Framing;
using MediaCore.Server.Options;
using MediaCore.Server.Timers;
using MediaCore.Server.Udp;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Tcp;

/// <summary>
/// ICE-TCP (RFC 6544) for sites whose firewall blocks UDP: a passive TCP candidate on <c>MediaServer:IceTcpPort</c>.
/// Each accepted connection is one peer (<see cref="PeerAddress.IsTcp"/>); its RFC 4571 frames are read with
/// System.IO.Pipelines, cut by <see cref="Rfc4571Framing"/> and handed to the same <see cref="IDatagramHandler"/>
/// as UDP datagrams, so STUN, DTLS and SRTP run unchanged on top. Sends to a TCP peer are framed into that
/// connection's outgoing pipe and written by its own loop: a slow connection never blocks the media path, and
/// when its backlog passes <see cref="MaxQueuedBytes"/> packets are dropped, as UDP would lose them.
/// Off (no listener) unless <c>MediaServer:IceTcpPort</c> is set.
/// </summary>
public sealed partial class IceTcpServer : IHostedService, IDisposable, IDatagramSender
{
    /// <summary>Outgoing bytes queued per connection before packets are dropped.</summary>
    public const int MaxQueuedBytes = 4 * 1024 * 1024;

    /// <summary>Connections that have not sent a complete frame by then are closed (port scanners, half-open sockets).</summary>
    private static readonly TimeSpan FirstFrameTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket? _listener;
    private readonly IServiceProvider _services;
    private IDatagramHandler _handler = null!;
    private readonly MediaClock _clock;
    private readonly ILogger<IceTcpServer> _logger;
    private readonly int _maxConnections;
    private readonly Dictionary<PeerAddress, IceTcpConnection> _connections = new();
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;

    public IceTcpServer(IOptions<MediaServerOptions> options, IServiceProvider services, MediaClock clock, ILogger<IceTcpServer> logger)
    {
        _services = services;
        _clock = clock;
        _logger = logger;
        var o = options.Value;
        _maxConnections = o.IceTcpMaxConnections;
        if (o.IceTcpPort is not int port) return;
        var bind = o.ParsedBindAddress;
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (bind.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(bind, port));
            socket.Listen(512);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new InvalidOperationException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"TCP port {port} on {bind} is already in use: set MediaServer:IceTcpPort to a free port."
                : $"Cannot listen for ICE-TCP on {bind}:{port} ({e.SocketErrorCode}): check MediaServer:BindAddress and MediaServer:IceTcpPort.", e);
        }
        _listener = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>The bound address and port, or null when ICE-TCP is off.</summary>
    public IPEndPoint? LocalEndPoint { get; }

    /// <summary>Open connections.</summary>
    public int ConnectionCount
    {
        get { lock (_lock) return _connections.Count; }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_listener is null) return Task.CompletedTask;
        // Resolved here, not injected: the handler (the engine) sends through this server, so a constructor
        // dependency would be a cycle.
        _handler = _services.GetRequiredService<IDatagramHandler>();
        LogListening(LocalEndPoint!);
        _acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is null) return;
        _stopping.Cancel();
        _listener.Dispose();
        IceTcpConnection[] open;
        lock (_lock) open = [.. _connections.Values];
        foreach (var c in open) c.Abort();
        await _acceptLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Frames <paramref name="datagram"/> into the connection of <paramref name="to"/>; false when it is gone or backed up.</summary>
    public bool Send(ReadOnlySpan<byte> datagram, PeerAddress to)
    {
        IceTcpConnection? connection;
        lock (_lock) _connections.TryGetValue(to, out connection);
        return connection is not null && connection.Send(datagram);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                LogAcceptFailed(e.SocketErrorCode);
                continue;
            }
            var peer = PeerAddress.FromEndPoint(Normalize((IPEndPoint)client.RemoteEndPoint!)).AsTcp();
            var connection = new IceTcpConnection(client, peer);
            bool accepted;
            lock (_lock)
            {
                accepted = _connections.Count < _maxConnections && _connections.TryAdd(peer, connection);
            }
            if (!accepted)
            {
                LogRefused(peer.ToString(), _maxConnections);
                client.Dispose();
                continue;
            }
            client.NoDelay = true; // media is latency-sensitive; frames are already whole packets
            _ = Task.Run(() => RunConnectionAsync(connection));
        }
    }

    private async Task RunConnectionAsync(IceTcpConnection connection)
    {
        var sending = connection.RunSendLoopAsync();
        try
        {
            await ReceiveLoopAsync(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer went away or the server stops: the ICE consent timer ends the session.
        }
        finally
        {
            lock (_lock) _connections.Remove(connection.Peer);
            connection.Abort();
            await sending.ConfigureAwait(false);
            connection.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(IceTcpConnection connection)
    {
        var reader = PipeReader.Create(new NetworkStream(connection.Socket, ownsSocket: false),
            new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024));
        // One frame at most 64 KiB: a per-connection scratch buffer gives the handler the contiguous span it expects.
        var frame = ArrayPool<byte>.Shared.Rent(Rfc4571Framing.MaxPayload);
        using var firstFrame = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, connection.Aborted);
        firstFrame.CancelAfter(FirstFrameTimeout);
        bool sawFrame = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(sawFrame ? connection.Aborted : firstFrame.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (Rfc4571Framing.TryReadFrame(ref buffer, out var payload))
                {
                    sawFrame = true;
                    if (payload.Length == 0) continue;
                    payload.CopyTo(frame);
                    Deliver(frame.AsSpan(0, (int)payload.Length), connection.Peer);
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Deliver(Span<byte> datagram, PeerAddress peer)
    {
        Metrics.MediaMetrics.DatagramsIn.Inc();
        Metrics.MediaMetrics.BytesIn.Inc(datagram.Length);
        try
        {
            _handler.OnDatagram(_clock.NowTicks, datagram, peer);
        }
        catch (Exception e)
        {
            // As on UDP: one bad packet or session must not end the connection (or the server).
            LogHandlerFailed(e, peer.ToString());
        }
    }

    private static IPEndPoint Normalize(IPEndPoint ep)
        => ep.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(ep.Address.MapToIPv4(), ep.Port) : ep;

    public void Dispose()
    {
        _listener?.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ICE-TCP (RFC 6544 passive) listening on {EndPoint}")]
    private partial void LogListening(IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ICE-TCP accept failed: {Error}")]
    private partial void LogAcceptFailed(SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ICE-TCP connection from {Peer} refused: {Max} connections open (MediaServer:IceTcpMaxConnections)")]
    private partial void LogRefused(string peer, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ICE-TCP packet from {Peer} failed")]
    private partial void LogHandlerFailed(Exception e, string peer);
}
