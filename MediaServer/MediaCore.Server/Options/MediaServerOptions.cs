using System.Net;

namespace MediaCore.Server.Options;

/// <summary>
/// The MediaServer's one options class, bound from the <c>MediaServer</c> configuration section
/// (appsettings.json, then environment variables such as <c>MediaServer__TokenSecret</c>, then the
/// command line such as <c>--MediaServer:DemoMode=true</c>). Defaults run out of the box on one machine.
/// The HTTP listen address is not here: it is Kestrel's <c>Urls</c> key (default <c>http://127.0.0.1:8080</c>).
/// </summary>
public sealed class MediaServerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "MediaServer";

    /// <summary>Minimum TokenSecret length in UTF-8 bytes: HS256 wants a key of at least 256 bits (RFC 7518 §3.2).</summary>
    public const int MinTokenSecretBytes = 32;

    /// <summary>
    /// The single UDP port every WebRTC peer uses (ICE, DTLS, SRTP and RTCP multiplexed, RFC 7983).
    /// 0 asks the OS for a free port (tests).
    /// </summary>
    public int UdpPort { get; set; } = 40000;

    /// <summary>
    /// The local address the UDP socket binds. Default 127.0.0.1: nothing is exposed to the network until an
    /// operator says so. Production sets <c>0.0.0.0</c> (all IPv4) or <c>::</c> (dual-stack IPv6 + IPv4).
    /// </summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// The address written into the SDP answer's ICE candidate, i.e. where browsers send media. Must be
    /// reachable by peers: the public/LAN address in production (behind 1:1 NAT, the external one).
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Shared HS256 secret for media tokens (at least 32 bytes). Required unless <see cref="DemoMode"/> is
    /// on, where a missing secret is replaced by a random one for the life of the process.
    /// </summary>
    public string? TokenSecret { get; set; }

    /// <summary>
    /// Demo mode: exposes <c>POST /demo/token</c> so the demo page can mint tokens without a login.
    /// Never on in production (off by default; ./run.sh turns it on).
    /// </summary>
    public bool DemoMode { get; set; }

    /// <summary>Lifetime of tokens minted by <c>POST /demo/token</c>.</summary>
    public TimeSpan DemoTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Clock skew tolerated when checking a token's <c>exp</c>/<c>nbf</c>.</summary>
    public TimeSpan TokenClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest SDP offer accepted on WHIP/WHEP, in bytes (a Chromium offer is about 6 KB).</summary>
    public int MaxSdpBytes { get; set; } = 64 * 1024;

    /// <summary>Requested kernel socket buffer size (SO_RCVBUF and SO_SNDBUF); the kernel may cap it.</summary>
    public int SocketBufferBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Receive threads for the media port, each with its own socket on the same port (SO_REUSEPORT; Linux).
    /// The kernel keeps each peer on one thread. 1 (default) keeps all input on one thread.
    /// </summary>
    public int ReceiveThreads { get; set; } = 1;

    /// <summary>
    /// Send threads of the media port (README: "Threading model"). The thread that routes a packet rewrites each
    /// copy and queues it plain; these threads own the sessions' outbound SRTP (each session on one of them),
    /// protect and make the system calls (sendmmsg batches) in parallel, one per core by default. 0 protects and
    /// sends on the routing thread itself (the single-thread model, for comparison).
    /// </summary>
    public int? SendWorkers { get; set; }

    /// <summary>
    /// The send workers SRTP-protect (each session's outbound SRTP on one of them, outside <c>MediaEngine.Gate</c>).
    /// False: the routing thread protects each copy under the lock and the workers only send (the host before issue 9's
    /// ownership change; for comparison).
    /// </summary>
    public bool ProtectOnSendWorkers { get; set; } = true;

    /// <summary>Datagrams each send worker can queue (a 30-packet key frame to 1,000 subscribers is 30,000).</summary>
    public int SendQueueSlots { get; set; } = 16384;

    /// <summary>Batch sends with sendmmsg(2) on Linux; false makes the workers call sendto once per datagram.</summary>
    public bool UseSendmmsg { get; set; } = true;

    /// <summary>
    /// Send media with the IP don't-fragment bit (Linux IP_PMTUDISC_PROBE: DF set, the learned path MTU ignored). The
    /// kernel then skips its shared IP-identification generator for every datagram (<c>__ip_select_ident</c>, about 5% of
    /// a send worker's samples in a profile of the 500-subscriber fan-out). Media datagrams stay under 1,300 bytes, so
    /// nothing on a normal path needs fragmenting; off by default until measured on a quiet machine (README Performance).
    /// </summary>
    public bool DontFragment { get; set; }

    /// <summary>
    /// Key-frame burst pacing: a burst queued on a send worker (more than one sendmmsg batch, e.g. a 30-packet key
    /// frame to 500 subscribers) leaves spread evenly over this time rather than all at once; no datagram waits more
    /// than <see cref="MaxPacingDelay"/> for it. 0 turns pacing off.
    /// </summary>
    public TimeSpan BurstSpread { get; set; } = TimeSpan.FromMilliseconds(4);

    /// <summary>The most pacing may delay a datagram (a burst larger than the kernel sends in this time is not slowed).</summary>
    public TimeSpan MaxPacingDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Receive with recvmmsg(2) (32 datagrams per call) and stamp each datagram with the kernel's receive time
    /// (SO_TIMESTAMPNS), used for transport-cc arrival times (Linux, 64-bit); false: one recvfrom per datagram.
    /// </summary>
    public bool UseRecvmmsg { get; set; } = true;

    internal int EffectiveSendWorkers => SendWorkers ?? Environment.ProcessorCount;

    /// <summary>
    /// DTLS handshakes running at once (each on its own thread at a lower priority than forwarding); more wait
    /// for a slot. A handshake costs a few ms of CPU (<c>mediacore_dtls_handshake_cpu_seconds</c>).
    /// </summary>
    public int MaxConcurrentHandshakes { get; set; } = 16;

    /// <summary>Timer wheel resolution: sans-IO timeouts fire at most this late.</summary>
    public TimeSpan TimerResolution { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// TCP port of the ICE-TCP passive candidate (RFC 6544) for sites whose firewall blocks UDP; unset (default): off.
    /// 0 asks the OS for a free port (tests). Bound on <see cref="BindAddress"/>, advertised on <see cref="AdvertisedAddress"/>.
    /// </summary>
    public int? IceTcpPort { get; set; }

    /// <summary>Most ICE-TCP connections open at once (each is one peer); more are refused.</summary>
    public int IceTcpMaxConnections { get; set; } = 2000;

    /// <summary>Plain-RTP ingest (<c>POST /api/rooms/{room}/ingest</c>): ports, limits, idle timeout.</summary>
    public IngestOptions Ingest { get; set; } = new();

    /// <summary>SIP terminals (<c>MediaServer:Sip:Port</c>, realm, media ports); off unless the port is set.</summary>
    public SipOptions Sip { get; set; } = new();

    /// <summary>Rate limits and bounds (<c>MediaServer:Limits:SessionRequestsPerSecond</c>, <c>:SessionRequestBurst</c>, <c>:MaxSessionsPerRoom</c>, <c>:MaxRooms</c>).</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>TURN relays handed to WHIP/WHEP clients (<c>MediaServer:Turn:Urls</c>, <c>:Secret</c>, <c>:CredentialLifetime</c>).</summary>
    public TurnOptions Turn { get; set; } = new();

    /// <summary>This node's id in a cluster (registry, relay links, metrics); default the machine name.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>Cascade of nodes through Redis (<c>MediaServer:Cluster:Redis</c>, <c>:RelayUrl</c>, <c>:Parent</c>); off by default.</summary>
    public ClusterOptions Cluster { get; set; } = new();

    internal IPAddress ParsedBindAddress => IPAddress.Parse(BindAddress);
}
