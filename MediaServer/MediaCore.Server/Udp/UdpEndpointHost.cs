using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Core;
using MediaCore.Server.Signalling;
using MediaCore.Server.Options;
using MediaCore.Server.Timers;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Udp;

/// <summary>
/// Runs the receive loop of the media <see cref="UdpEndpoint"/> on one dedicated thread per socket (no async
/// per packet): <c>ReceiveFrom(Span, SocketFlags, SocketAddress)</c> into a pinned buffer, convert the address
/// with <see cref="SocketAddressExtensions.ToPeerAddress"/>, stamp <see cref="MediaClock.NowTicks"/>, hand to
/// <see cref="IDatagramHandler.OnDatagram"/>. Nothing is allocated per datagram.
/// <para>Shutdown order: sessions end first (<see cref="ISessionManager.ShutdownAsync"/>, while the socket can
/// still carry their goodbyes), then the socket closes, which ends the loop.</para>
/// </summary>
public sealed partial class UdpEndpointHost(UdpEndpoint endpoint, IDatagramHandler handler, MediaClock clock,
    ISessionManager sessions, ILogger<UdpEndpointHost> logger, IOptions<MediaServerOptions>? options = null) : IHostedService
{
    private readonly bool _batch = (options?.Value.UseRecvmmsg ?? true) && LinuxUdp.IsSupported;

    /// <summary>Larger than any datagram (loopback MTU is 64 KiB): nothing is ever truncated.</summary>
    private const int ReceiveBufferBytes = 65536;

    private Thread[] _threads = [];
    private long _received;
    private long _handlerFailures;
    private long _lastFailureLogTicks = long.MinValue / 2; // "long ago", without overflow in now - last

    /// <summary>Datagrams received so far.</summary>
    public long DatagramsReceived => Interlocked.Read(ref _received);

    /// <summary>Datagrams whose handler threw.</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogListening(endpoint.LocalEndPoint);
        _threads = new Thread[endpoint.SocketCount];
        for (int i = 0; i < _threads.Length; i++)
        {
            int socketIndex = i;
            _threads[i] = new Thread(() =>
            {
                if (_batch) BatchReceiveLoop(socketIndex);
                else ReceiveLoop(socketIndex);
            }) { IsBackground = true, Name = $"mediacore-udp-rx-{i}" };
            _threads[i].Start();
        }
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
            foreach (var thread in _threads) thread.Join();
        }
    }

    /// <summary>recvmmsg batches with kernel receive timestamps (Linux): see <see cref="UdpBatchReceiver"/>.</summary>
    private void BatchReceiveLoop(int socketIndex)
    {
        UdpBatchReceiver receiver;
        try
        {
            receiver = new UdpBatchReceiver(endpoint.ReceiveSocket(socketIndex), clock);
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        using (receiver)
        {
            if (!receiver.TimestampsEnabled) LogNoKernelTimestamps();
            while (!endpoint.IsClosed)
            {
                int n = receiver.Receive();
                if (n < 0 || endpoint.IsClosed) return;
                long bytes = 0;
                for (int i = 0; i < n; i++)
                {
                    var datagram = receiver.Datagram(i);
                    bytes += datagram.Length;
                    Dispatch(datagram, receiver.Source(i), receiver.ArrivalTicks(i));
                }
                if (n > 0)
                {
                    Metrics.MediaMetrics.DatagramsIn.Inc(n);
                    Metrics.MediaMetrics.BytesIn.Inc(bytes);
                }
            }
        }
    }

    /// <summary>One datagram to the handler, timed 1 in 16; a throwing handler is logged (at most once a second), never fatal.</summary>
    private void Dispatch(Span<byte> datagram, PeerAddress peer, long now)
    {
        long received = Interlocked.Increment(ref _received);
        long start = clock.NowTicks;
        try
        {
            handler.OnDatagram(now, datagram, peer);
            if (received % Metrics.MediaMetrics.HandleSampleEvery == 0)
                Metrics.MediaMetrics.DatagramHandleSeconds.Observe((clock.NowTicks - start) / (double)TimeSpan.TicksPerSecond);
        }
        catch (Exception e)
        {
            long failures = Interlocked.Increment(ref _handlerFailures);
            long last = Interlocked.Read(ref _lastFailureLogTicks);
            if (start - last >= MediaTime.TicksPerSecond && Interlocked.CompareExchange(ref _lastFailureLogTicks, start, last) == last)
                LogHandlerFailed(e, peer.ToString(), failures);
        }
    }

    private void ReceiveLoop(int socketIndex)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferBytes, pinned: true);
        var from = new SocketAddress(endpoint.AddressFamily);
        while (true)
        {
            int length;
            try
            {
                length = endpoint.Receive(buffer, from, socketIndex);
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
            var peer = from.ToPeerAddress();
            long now = clock.NowTicks;
            try
            {
                handler.OnDatagram(now, buffer.AsSpan(0, length), peer);
                if (received % Metrics.MediaMetrics.HandleSampleEvery == 0)
                    Metrics.MediaMetrics.DatagramHandleSeconds.Observe((clock.NowTicks - now) / (double)TimeSpan.TicksPerSecond);
            }
            catch (Exception e)
            {
                // One malformed datagram or a bug in one session must not stop media for everyone. At most one
                // log line per second: a peer sending garbage must not turn into a log flood.
                long failures = Interlocked.Increment(ref _handlerFailures);
                long last = Interlocked.Read(ref _lastFailureLogTicks);
                if (now - last >= MediaTime.TicksPerSecond && Interlocked.CompareExchange(ref _lastFailureLogTicks, now, last) == last)
                    LogHandlerFailed(e, peer.ToString(), failures);
            }
        }
    }
}
