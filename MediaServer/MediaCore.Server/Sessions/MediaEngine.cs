using MediaCore.Protocol.Core;
using MediaCore.Protocol.Demux;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Transport;
using MediaCore.Server.Mixing;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Timers;
using MediaCore.Server.Udp;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Sessions;

/// <summary>
/// The node's media state: rooms, the peer tables that route each datagram on the shared UDP port to its
/// session, the DTLS certificate, and the one lock that serializes all media work.
/// </summary>
/// <remarks>
/// Concurrency: the UDP receive thread, the timer-wheel thread and HTTP requests all enter through
/// <see cref="Gate"/>. One lock keeps every sans-IO component single-threaded as it assumes. What it covers per
/// forwarded copy is the routing decision and the rewrite (well under a microsecond); each session's outbound SRTP
/// belongs to one send worker (<see cref="SendProtected"/>), which protects and sends outside the lock, on every core.
/// </remarks>
public sealed partial class MediaEngine : IDatagramHandler, IProtectingDatagramOutput
{
    private readonly Dictionary<string, PeerSession> _byUfrag = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PeerSession>.AlternateLookup<ReadOnlySpan<char>> _byUfragSpan;
    private readonly Dictionary<PeerAddress, PeerSession> _byAddress = new();
    private readonly Dictionary<string, MediaRoom> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<PeerAddress, Cluster.RelayLink> _relayLinks = new();
    private readonly IDatagramSender _sender;
    private readonly ILogger<MediaEngine> _logger;
    private long _unroutable;

    [ActivatorUtilitiesConstructor]
    public MediaEngine(IOptions<MediaServerOptions> options, UdpEndpoint endpoint, IDatagramSender sender, TimerWheel timers, MediaClock clock,
        ILogger<MediaEngine> logger, IOptions<MixerOptions>? mixer = null, Tcp.IceTcpServer? iceTcp = null)
        : this(options.Value, sender, endpoint.LocalEndPoint.Port, timers, clock, logger, mixer?.Value)
    {
        IceTcpPort = iceTcp?.LocalEndPoint?.Port;
    }

    /// <summary>For tests: any sender, and the port to advertise in answers.</summary>
    public MediaEngine(MediaServerOptions options, IDatagramSender sender, int advertisedPort, TimerWheel timers, MediaClock clock,
        ILogger<MediaEngine> logger, MixerOptions? mixer = null)
    {
        Mixing = new AudioMixingHub(mixer ?? new MixerOptions(), logger);
        AdvertisedPort = advertisedPort;
        Options = options;
        _sender = sender;
        Timers = timers;
        Clock = clock;
        _logger = logger;
        _byUfragSpan = _byUfrag.GetAlternateLookup<ReadOnlySpan<char>>();
        Certificate = DtlsCertificate.Generate();
        Handshakes = new Dtls.DtlsHandshakePool(options.MaxConcurrentHandshakes);
        DtlsOptions = new DtlsEndpointOptions { PreferLocalSrtpProfileOrder = true, HandshakeHost = Handshakes };
        // The first DTLS handshake pays about a second of JIT; pay it at start-up, not in the first site's join.
        ThreadPool.UnsafeQueueUserWorkItem(static cert => DtlsWarmUp.Run(cert), Certificate, preferLocal: false);
    }

    /// <summary>The lock every media entry point holds.</summary>
    public Lock Gate { get; } = new();
    public MediaServerOptions Options { get; }
    /// <summary>The UDP port in the host candidate of every answer (the bound port, so port 0 works in tests).</summary>
    public int AdvertisedPort { get; }
    /// <summary>The ICE-TCP port of the passive TCP candidate (RFC 6544), or null when ICE-TCP is off.</summary>
    public int? IceTcpPort { get; init; }
    public TimerWheel Timers { get; }
    public MediaClock Clock { get; }
    public DtlsCertificate Certificate { get; }
    /// <summary>Bounds, deprioritises and measures the DTLS handshakes of joining sites.</summary>
    public Dtls.DtlsHandshakePool Handshakes { get; }
    /// <summary>DTLS settings of every server transport: AES-GCM preferred (a third of AES-CM's cost), handshakes via <see cref="Handshakes"/>.</summary>
    public DtlsEndpointOptions DtlsOptions { get; }
    /// <summary>Audio mixing: codecs, per-room audio settings, active-speaker feeds.</summary>
    public AudioMixingHub Mixing { get; }
    public ILogger Logger => _logger;
    /// <summary>Told when sessions start and end (webhooks); set once at start-up.</summary>
    public IMediaEventSink? Events { get; set; }
    /// <summary>Room recordings (Recording/); set once at start-up by the recording service.</summary>
    internal Recording.RecordingService? Recordings { get; set; }
    public long UnroutableDatagrams => Interlocked.Read(ref _unroutable);

    public IReadOnlyCollection<MediaRoom> Rooms => _rooms.Values;

    /// <summary>Datagram from the UDP socket: find the session by address, or by the STUN USERNAME's local ufrag.</summary>
    public void OnDatagram(long nowTicks, Span<byte> datagram, PeerAddress from)
    {
        lock (Gate)
        {
            if (PacketDemux.Classify(datagram) == PacketKind.Stun)
            {
                Span<char> ufrag = stackalloc char[IceCredentials.MaxLength];
                if (IceLiteAgent.TryGetLocalUfrag(datagram, ufrag, out int n) && _byUfragSpan.TryGetValue(ufrag[..n], out var byUfrag))
                {
                    byUfrag.HandleReceive(nowTicks, datagram, from);
                    if (byUfrag.IsValidatedAddress(from) && !_byAddress.ContainsKey(from))
                        _byAddress[from] = byUfrag;
                    return;
                }
            }
            if (_relayLinks.Count > 0 && _relayLinks.TryGetValue(from, out var link))
            {
                link.HandleReceive(nowTicks, datagram);
                return;
            }
            if (_byAddress.TryGetValue(from, out var session))
            {
                session.HandleReceive(nowTicks, datagram, from);
                return;
            }
            _unroutable++;
        }
    }

    /// <summary>Transports write here; the host's socket sends it.</summary>
    public void Send(ReadOnlySpan<byte> datagram, PeerAddress to) => _sender.Send(datagram, to);

    /// <summary>
    /// A transport's RTP/RTCP, still plain: the send worker that owns the session's outbound SRTP protects it
    /// (see <see cref="Udp.UdpEndpoint.SendProtected"/>), so the lock holder only rewrites and copies.
    /// </summary>
    public bool SendProtected(Protocol.Srtp.IPacketProtector protector, bool rtcp, ReadOnlySpan<byte> packet, PeerAddress to)
        => _sender.SendProtected(protector, rtcp, packet, to);

    /// <summary>A closed transport's outbound SRTP, released on its worker after its last packet.</summary>
    public void Release(Protocol.Srtp.IPacketProtector protector) => _sender.Release(protector);

    /// <summary>A slot of the send worker that owns <paramref name="protector"/>, for the routing to rewrite a packet straight into.</summary>
    public bool TryBeginProtected(Protocol.Srtp.IPacketProtector protector, bool rtcp, PeerAddress to, out OutputSlot slot)
        => _sender.TryBeginProtected(protector, rtcp, to, out slot);

    internal MediaRoom GetOrCreateRoom(RoomId id)
    {
        if (!_rooms.TryGetValue(id.Value, out var room))
        {
            room = new MediaRoom(id, this);
            _rooms.Add(id.Value, room);
            Recordings?.OnRoomCreated(room);
        }
        return room;
    }

    /// <summary>Forgets a room nothing uses any more (caller holds <see cref="Gate"/>).</summary>
    internal void ReleaseIfEmpty(MediaRoom room)
    {
        if (room.IsEmpty && _rooms.Remove(room.Id.Value)) room.Audio.Close();
    }

    internal MediaRoom? FindRoom(RoomId id) => _rooms.GetValueOrDefault(id.Value);

    /// <summary>Relay links to other nodes (Cluster/), keyed by the peer's media address; read under <see cref="Gate"/>.</summary>
    public IReadOnlyCollection<Cluster.RelayLink> RelayLinks => _relayLinks.Values;

    /// <summary>The link to <paramref name="peerNode"/> at <paramref name="remote"/>, created when missing (caller holds <see cref="Gate"/>).</summary>
    internal Cluster.RelayLink GetOrCreateRelayLink(string localNode, string peerNode, PeerAddress remote, long nowTicks)
    {
        if (_relayLinks.TryGetValue(remote, out var link))
        {
            if (link.PeerNode == peerNode && !link.IsClosed) return link;
            link.Close(nowTicks);
        }
        link = new Cluster.RelayLink(this, localNode, peerNode, remote, nowTicks);
        _relayLinks[remote] = link;
        return link;
    }

    /// <summary>The live link to <paramref name="peerNode"/>, or null (caller holds <see cref="Gate"/>).</summary>
    internal Cluster.RelayLink? FindRelayLink(string peerNode)
    {
        foreach (var l in _relayLinks.Values) if (l.PeerNode == peerNode) return l;
        return null;
    }

    /// <summary>Closes and forgets a link (caller holds <see cref="Gate"/>).</summary>
    internal void RemoveRelayLink(Cluster.RelayLink link, long nowTicks)
    {
        link.Close(nowTicks);
        if (_relayLinks.TryGetValue(link.Remote, out var current) && ReferenceEquals(current, link)) _relayLinks.Remove(link.Remote);
    }

    internal void Register(PeerSession session) => _byUfrag[session.LocalUfrag] = session;

    internal void Unregister(PeerSession session)
    {
        _byUfrag.Remove(session.LocalUfrag);
        List<PeerAddress>? stale = null;
        foreach (var (address, s) in _byAddress)
        {
            if (ReferenceEquals(s, session)) (stale ??= []).Add(address);
        }
        if (stale != null) foreach (var a in stale) _byAddress.Remove(a);
        Timers.Cancel(session);
        var room = session.Room;
        if (room.IsEmpty && _rooms.Remove(room.Id.Value))
        {
            room.Audio.Close();
            Recordings?.OnRoomClosed(Clock.NowTicks, room);
        }
    }
}
