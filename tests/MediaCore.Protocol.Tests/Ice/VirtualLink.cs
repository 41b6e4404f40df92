using MediaCore.Protocol.Core;
using MediaCore.Protocol.Ice;

namespace MediaCore.Protocol.Tests.Ice;

/// <summary>
/// Drives an <see cref="IceControllingAgent"/> and an <see cref="IceLiteAgent"/> over a seeded, lossy,
/// delaying in-memory link in virtual time ("mutate, then drain", str0m style). No sockets, no sleeps.
/// </summary>
internal sealed class VirtualLink
{
    private readonly Random _random;
    private readonly PriorityQueue<(PeerAddress From, PeerAddress To, byte[] Data), long> _inFlight = new();
    private long _sequence;

    public VirtualLink(int seed, IceControllingAgent client, PeerAddress clientAddress, IceLiteAgent server, PeerAddress serverAddress)
    {
        _random = new Random(seed);
        Client = client;
        ClientAddress = clientAddress;
        Server = server;
        ServerAddress = serverAddress;
    }

    public IceControllingAgent Client { get; }
    public IceLiteAgent Server { get; }
    public PeerAddress ClientAddress { get; set; }
    public PeerAddress ServerAddress { get; }
    public double LossRate { get; set; }
    public long MinDelay { get; set; } = MediaTime.FromMilliseconds(20);
    public long MaxDelay { get; set; } = MediaTime.FromMilliseconds(60);
    public long Now { get; private set; }
    public List<(long At, IceEvent Event)> ClientEvents { get; } = [];
    public List<(long At, IceEvent Event)> ServerEvents { get; } = [];
    public int Sent { get; private set; }
    public int Dropped { get; private set; }

    /// <summary>Runs until <paramref name="until"/> (virtual ticks).</summary>
    public void RunUntil(long until)
    {
        Drain();
        while (true)
        {
            long next = Math.Min(Client.PollTimeout(), Server.PollTimeout());
            if (_inFlight.TryPeek(out _, out long deliverAt)) next = Math.Min(next, deliverAt / 1024);
            if (next > until) { Now = until; return; }
            Now = Math.Max(Now, next);
            while (_inFlight.TryPeek(out var packet, out long at) && at / 1024 <= Now)
            {
                _inFlight.Dequeue();
                if (packet.To == ServerAddress) Server.HandleReceive(Now, packet.Data, packet.From);
                else if (packet.To == ClientAddress) Client.HandleReceive(Now, packet.Data, packet.From);
            }
            Client.HandleTimeout(Now);
            Server.HandleTimeout(Now);
            Drain();
        }
    }

    private void Drain()
    {
        while (Client.TryPollTransmit(out var t)) { Send(ClientAddress, t); }
        while (Server.TryPollTransmit(out var t)) { Send(ServerAddress, t); }
        while (Client.TryPollEvent(out var e)) ClientEvents.Add((Now, e));
        while (Server.TryPollEvent(out var e)) ServerEvents.Add((Now, e));
    }

    private void Send(PeerAddress from, Transmit t)
    {
        Sent++;
        if (_random.NextDouble() < LossRate)
        {
            Dropped++;
        }
        else
        {
            long delay = MinDelay + (long)(_random.NextDouble() * (MaxDelay - MinDelay));
            // Priority = time * 1024 + sequence keeps FIFO order among equal delivery times.
            _inFlight.Enqueue((from, t.Destination, t.Payload.ToArray()), (Now + delay) * 1024 + (_sequence++ % 1024));
        }
        t.Return();
    }
}
