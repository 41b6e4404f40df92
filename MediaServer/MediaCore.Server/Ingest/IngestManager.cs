using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Codecs;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Timers;
using MediaCore.Server.Udp;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Ingest;

/// <summary>
/// Opens and closes <see cref="RtpIngest"/>s: a UDP socket each (from <c>MediaServer:Ingest:MinPort..MaxPort</c>, or any
/// free port), a receive loop each, closed by DELETE, by <c>IdleTimeout</c> without packets, or at shutdown.
/// </summary>
public sealed partial class IngestManager(MediaEngine engine, MediaClock clock, IOptions<MediaServerOptions> options,
    ILogger<IngestManager> logger) : IHostedService
{
    private readonly Dictionary<string, (RtpIngest Ingest, CancellationTokenSource Stop)> _ingests = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Opens an ingest in <paramref name="room"/>; null with a reason when the limit or the port range is exhausted.</summary>
    public (RtpIngest? Ingest, string? Error) Open(RoomId room, string participantId, CodecKind videoCodec, bool audio)
    {
        var o = options.Value.Ingest;
        lock (_lock)
        {
            if (_ingests.Count >= o.MaxIngests) return (null, $"{o.MaxIngests} ingests are open (MediaServer:Ingest:MaxIngests)");
        }
        var socket = Bind(options.Value.ParsedBindAddress, o.MinPort, o.MaxPort);
        if (socket is null) return (null, $"no free UDP port in {o.MinPort}-{o.MaxPort} (MediaServer:Ingest:MinPort/MaxPort)");
        var id = "ingest-" + Signalling.SessionIds.New();
        if (participantId.Length == 0) participantId = "ingest:" + id["ingest-".Length..];
        RtpIngest ingest;
        lock (engine.Gate)
        {
            var mediaRoom = engine.GetOrCreateRoom(room);
            ingest = new RtpIngest(id, mediaRoom, participantId, videoCodec, audio, socket, clock.NowTicks);
            mediaRoom.AddIngest(ingest);
        }
        var stop = new CancellationTokenSource();
        lock (_lock) _ingests[id] = (ingest, stop);
        LogOpened(room.Value, id, ingest.Port, participantId);
        _ = Task.Run(() => ReceiveLoopAsync(ingest, stop.Token));
        return (ingest, null);
    }

    /// <summary>The ingest with this id in this room, or null.</summary>
    public RtpIngest? Find(RoomId room, string id)
    {
        lock (_lock) return _ingests.TryGetValue(id, out var e) && e.Ingest.Room.Id == room ? e.Ingest : null;
    }

    /// <summary>Ingests of a room.</summary>
    public IReadOnlyList<RtpIngest> List(RoomId room)
    {
        lock (_lock) return [.. _ingests.Values.Select(e => e.Ingest).Where(i => i.Room.Id == room)];
    }

    /// <summary>Closes an ingest; false when there is none.</summary>
    public bool Close(string id, string reason)
    {
        (RtpIngest Ingest, CancellationTokenSource Stop) entry;
        lock (_lock)
        {
            if (!_ingests.Remove(id, out entry)) return false;
        }
        entry.Stop.Cancel();
        lock (engine.Gate)
        {
            entry.Ingest.Detach(clock.NowTicks);
            entry.Ingest.Room.RemoveIngest(entry.Ingest);
            engine.ReleaseIfEmpty(entry.Ingest.Room);
        }
        entry.Ingest.Dispose();
        entry.Stop.Dispose();
        LogClosed(entry.Ingest.Room.Id.Value, id, reason, entry.Ingest.PacketsReceived);
        return true;
    }

    private async Task ReceiveLoopAsync(RtpIngest ingest, CancellationToken stop)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(65536, pinned: true);
        var from = new SocketAddress(ingest.Socket.AddressFamily);
        var idle = options.Value.Ingest.IdleTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        string reason = "stopped";
        try
        {
            while (true)
            {
                timeout.CancelAfter(idle);
                int n = await ingest.Socket.ReceiveFromAsync(buffer, SocketFlags.None, from, timeout.Token).ConfigureAwait(false);
                Metrics.MediaMetrics.DatagramsIn.Inc();
                Metrics.MediaMetrics.BytesIn.Inc(n);
                try
                {
                    ingest.OnDatagram(clock.NowTicks, buffer.AsSpan(0, n), from.ToPeerAddress());
                }
                catch (Exception e)
                {
                    LogPacketFailed(e, ingest.Id);
                }
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            reason = $"no packet for {idle.TotalSeconds:0} s";
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        if (!stop.IsCancellationRequested) Close(ingest.Id, reason);
    }

    private static Socket? Bind(IPAddress address, int min, int max)
    {
        int first = min == 0 ? 0 : min, last = min == 0 ? 0 : max;
        for (int port = first; port <= last; port++)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                if (address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
                socket.ReceiveBufferSize = 1 << 20; // a key frame arrives as a burst
                socket.Bind(new IPEndPoint(address, port));
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }
        return null;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        string[] ids;
        lock (_lock) ids = [.. _ingests.Keys];
        foreach (var id in ids) Close(id, "server stopping");
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "RTP ingest {Id} opened in room {Room} on UDP {Port} for {Participant}")]
    private partial void LogOpened(string room, string id, int port, string participant);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTP ingest {Id} in room {Room} closed ({Reason}) after {Packets} packets")]
    private partial void LogClosed(string room, string id, string reason, long packets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTP ingest {Id}: packet failed")]
    private partial void LogPacketFailed(Exception e, string id);
}
