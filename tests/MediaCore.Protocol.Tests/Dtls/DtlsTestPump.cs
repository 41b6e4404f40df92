using System.Buffers;
using System.Diagnostics;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;

namespace MediaCore.Protocol.Tests.Dtls;

/// <summary>
/// Connects a DTLS client and server through in-memory queues. The test thread moves datagrams between
/// them, woken by <see cref="DtlsEndpoint.OnOutput"/>; protocol time is virtual. BouncyCastle's own
/// retransmission timer runs on the wall clock, so the wait is bounded (a safety net, not an assertion).
/// </summary>
internal sealed class DtlsTestPump : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private readonly AutoResetEvent _wake = new(false);

    public DtlsTestPump(DtlsEndpoint client, DtlsEndpoint server)
    {
        Client = client;
        Server = server;
        client.OnOutput = () => _wake.Set();
        server.OnOutput = () => _wake.Set();
    }

    public DtlsEndpoint Client { get; }
    public DtlsEndpoint Server { get; }
    public List<DtlsEvent> ClientEvents { get; } = [];
    public List<DtlsEvent> ServerEvents { get; } = [];
    public List<byte[]> ClientSent { get; } = [];
    public List<byte[]> ServerSent { get; } = [];
    public long Now { get; private set; } = MediaTime.FromSeconds(100);

    /// <summary>Return true to drop a client-to-server datagram.</summary>
    public Func<byte[], bool>? DropClientToServer { get; set; }

    /// <summary>Return true to drop a server-to-client datagram.</summary>
    public Func<byte[], bool>? DropServerToClient { get; set; }

    /// <summary>Pumps until <paramref name="done"/> holds or the safety limit passes; returns whether it held.</summary>
    public bool RunUntil(Func<DtlsTestPump, bool> done)
    {
        var wall = Stopwatch.StartNew();
        while (!done(this))
        {
            if (wall.Elapsed > Limit)
                return false;
            bool moved = Move(Client, Server, ClientSent, DropClientToServer) | Move(Server, Client, ServerSent, DropServerToClient);
            Collect(Client, ClientEvents);
            Collect(Server, ServerEvents);
            Now += MediaTime.FromMilliseconds(10);
            Client.HandleTimeout(Now);
            Server.HandleTimeout(Now);
            if (!moved && !done(this))
                _wake.WaitOne(TimeSpan.FromMilliseconds(20));
        }
        return true;
    }

    public bool BothConnected() => ClientEvents.OfType<DtlsConnected>().Any() && ServerEvents.OfType<DtlsConnected>().Any();

    public bool AnyTerminal(List<DtlsEvent> events) => events.Any(e => e is DtlsFailed or DtlsConnected or DtlsClosed);

    private bool Move(DtlsEndpoint from, DtlsEndpoint to, List<byte[]> log, Func<byte[], bool>? drop)
    {
        bool moved = false;
        while (from.TryPollDatagram(out byte[] buffer, out int length))
        {
            byte[] datagram = buffer.AsSpan(0, length).ToArray();
            ArrayPool<byte>.Shared.Return(buffer);
            log.Add(datagram);
            moved = true;
            if (drop?.Invoke(datagram) == true)
                continue;
            to.HandleReceive(Now, datagram);
        }
        return moved;
    }

    private static void Collect(DtlsEndpoint endpoint, List<DtlsEvent> events)
    {
        while (endpoint.TryPollEvent(out var e))
            events.Add(e);
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        // _wake is not disposed: a background thread may still signal it while it winds down.
    }
}
