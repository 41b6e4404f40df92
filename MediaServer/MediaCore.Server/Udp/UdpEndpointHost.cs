using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Core;
using MediaCore.Server.Signalling;
using MediaCore.Server.Timers;

namespace MediaCore.Server.Udp;

/// <summary>
/// Runs the receive loop of the media <see cref="UdpEndpoint"/> on one dedicated thread (no async per
/// packet): <c>ReceiveFrom(Span, SocketFlags, SocketAddress)</c> into one pinned buffer, convert the address
/// with <see cref="PeerAddress.FromSocketAddress"/>, stamp <see cref="MediaClock.NowTicks"/>, hand to
/// <see cref="IDatagramHandler.OnDatagram"/>. Nothing is allocated per datagram.
/// <para>Shutdown order: sessions end first (<see cref="ISessionManager.ShutdownAsync"/>, while the socket can
/// still carry their goodbyes), then the socket closes, which ends the loop.</para>
/// </summary>
public sealed partial class UdpEndpointHost(UdpEndpoint endpoint, IDatagramHandler handler, MediaClock clock,
    ISessionManager sessions, ILogger<UdpEndpointHost> logger) : IHostedService
{
    /// <summary>Larger than any datagram (loopback MTU is 64 KiB): nothing is ever truncated.</summary>
    private const int ReceiveBufferBytes = 65536;

    private Thread? _thread;
    private long _received;

    /// <summary>Datagrams received so far.</summary>
    public long DatagramsReceived => Interlocked.Read(ref _received);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogListening(endpoint.LocalEndPoint);
        _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "mediacore-udp-rx" };
        _thread.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await sessions.ShutdownAsync(cancellationToken);
        }
        finally
        {
            endpoint.Close();
            _thread?.Join();
        }
    }

    private void ReceiveLoop()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferBytes, pinned: true);
        var from = new SocketAddress(endpoint.AddressFamily);
        while (true)
        {
            int length;
            try
            {
                length = endpoint.Receive(buffer, from);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                if (endpoint.IsClosed) return;
                // ICMP port unreachable for an earlier send can surface here (ConnectionReset): not fatal.
                LogReceiveError(e.SocketErrorCode);
                continue;
            }
            // Close wakes a blocked recvfrom with an empty result.
            if (endpoint.IsClosed) return;
            long received = Interlocked.Increment(ref _received);
            Metrics.MediaMetrics.DatagramsIn.Inc();
            Metrics.MediaMetrics.BytesIn.Inc(length);
            var peer = PeerAddress.FromSocketAddress(from);
            try
            {
                long start = clock.NowTicks;
                handler.OnDatagram(start, buffer.AsSpan(0, length), peer);
                if (received % Metrics.MediaMetrics.HandleSampleEvery == 0)
                    Metrics.MediaMetrics.DatagramHandleSeconds.Observe((clock.NowTicks - start) / (double)TimeSpan.TicksPerSecond);
            }
            catch (Exception e)
            {
                // One malformed datagram or a bug in one session must not stop media for everyone.
                LogHandlerFailed(e, peer.ToString());
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Media UDP listening on {EndPoint}")]
    private partial void LogListening(IPEndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "UDP receive error {Error}")]
    private partial void LogReceiveError(SocketError error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Datagram handler failed for a datagram from {Peer}")]
    private partial void LogHandlerFailed(Exception exception, string peer);
}
