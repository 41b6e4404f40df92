using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MediaCore.LoadTest.Net;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Transport;

namespace MediaCore.LoadTest.Peers;

/// <summary>
/// One simulated WebRTC peer (a site's WHIP publisher or WHEP subscriber): its own UDP socket connected to
/// the server's candidate, a client-role <see cref="WebRtcTransport"/>, and the RTP/RTCP logic of its subclass.
/// Signalling runs on the thread pool; from the answer on, everything runs on its <see cref="Worker"/>.
/// A connected peer that hears nothing from the server for <see cref="SilenceLimit"/> (a server killed or
/// restarted: its consent answers, RTCP and media stop) or whose transport fails publishes or plays again like
/// a browser client does: it drops the session and POSTs a new offer every second until the server answers.
/// </summary>
internal abstract class Peer : IWorkerTarget, IDatagramOutput, IWebRtcTransportListener
{
    protected const int Spare = WebRtcTransport.MaxProtectOverhead;
    private static readonly long ReportInterval = MediaTime.FromMilliseconds(1000);
    /// <summary>No datagram from the server for this long: the session is gone (the server sends RTCP every second).</summary>
    public static readonly long SilenceLimit = MediaTime.FromMilliseconds(3000);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly byte[] _rx = GC.AllocateUninitializedArray<byte>(2048, pinned: true);
    private readonly byte[] _rtcp = new byte[1500];
    private Socket? _socket;
    private int _fd;
    private ulong _token;
    private PeerAddress _server;
    private long _nextReport = long.MaxValue;
    private long _lastHeardTicks;
    private Signalling? _signalling;
    private string _room = "", _subject = "", _role = "";
    private CancellationToken _ct;

    protected Peer(Worker worker, SiteStats stats, DtlsCertificate certificate)
    {
        Worker = worker;
        Stats = stats;
        Certificate = certificate;
        Ssrc = (uint)Random.Shared.Next(1, int.MaxValue);
    }

    public Worker Worker { get; }
    public SiteStats Stats { get; }
    protected DtlsCertificate Certificate { get; }
    protected uint Ssrc { get; }
    protected WebRtcTransport? Transport { get; private set; }
    protected NegotiatedSession? Negotiated { get; private set; }
    protected long PostStartedAt { get; private set; }
    protected long ConnectedAt { get; private set; }
    public bool IsConnected => Transport?.State == WebRtcTransportState.Connected;
    public bool IsClosed { get; private set; }
    public Uri? Location { get; private set; }
    /// <summary>Start a new session when the server goes silent or the transport fails (default); false: the peer fails.</summary>
    public bool Reconnect { get; init; } = true;

    protected abstract string Kind { get; }
    protected abstract OfferOptions BuildOffer(IceCredentials ice, MediaCore.Protocol.Dtls.DtlsFingerprint fingerprint, IceCandidate candidate);

    /// <summary>WHIP/WHEP: socket, offer, POST, answer; then hands the peer to its worker.</summary>
    public Task StartAsync(Signalling signalling, string room, string subject, string role, CancellationToken ct)
    {
        (_signalling, _room, _subject, _role, _ct) = (signalling, room, subject, role, ct);
        PostStartedAt = Worker.NowTicks;
        return ConnectAsync();
    }

    private async Task ConnectAsync()
    {
        var signalling = _signalling!;
        var ct = _ct;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
        _socket.ReceiveBufferSize = 1 << 20;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _fd = (int)_socket.Handle;
        var local = (IPEndPoint)_socket.LocalEndPoint!;
        var ice = IceCredentials.Generate();
        var candidate = new IceCandidate { Foundation = "1", Priority = 2130706431, Address = local.Address.ToString(), Port = local.Port };
        var offer = SdpOfferBuilder.Build(BuildOffer(ice, MediaCore.Protocol.Dtls.DtlsFingerprint.Sha256(Certificate.Der), candidate));
        var (answerText, location) = await signalling.PostOfferAsync(Kind, _room, _subject, _role, SdpWriter.Write(offer), ct);
        Location = location;
        if (!SdpParser.TryParse(answerText, out var answer, out string parseError)) throw new InvalidOperationException($"bad answer: {parseError}");
        if (!SdpNegotiator.TryApplyAnswer(offer, answer, out var session, out string error)) throw new InvalidOperationException($"answer rejected: {error}");
        if (session.RemoteCandidates.Count == 0) throw new InvalidOperationException("answer has no ICE candidate");
        Negotiated = session;
        var c = session.RemoteCandidates[0];
        var serverEndPoint = new IPEndPoint(IPAddress.Parse(c.Address), c.Port);
        _server = PeerAddress.FromEndPoint(serverEndPoint);
        _socket.Connect(serverEndPoint);
        var options = new WebRtcClientTransportOptions
        {
            LocalIce = ice,
            RemoteIce = new IceCredentials(session.RemoteIceUfrag, session.RemoteIcePwd),
            RemoteCandidate = _server,
            Certificate = Certificate,
            RemoteFingerprint = session.RemoteFingerprint.ToString(),
            DtlsRole = session.LocalSetup == SetupRole.Passive ? DtlsRole.Server : DtlsRole.Client,
        };
        var socket = _socket;
        Worker.Post(now =>
        {
            if (IsClosed)
            {
                socket.Dispose();
                return;
            }
            _lastHeardTicks = now;
            OnNegotiated(session);
            Transport = new WebRtcTransport(now, options, this, this) { WakeUp = () => Worker.Wake(this) };
            _token = Worker.Register(_fd, this);
            Reschedule(now);
        });
    }

    /// <summary>Subclass hook: read payload types, SSRCs and extension ids from the negotiated session.</summary>
    protected virtual void OnNegotiated(NegotiatedSession session) { }

    public unsafe void OnReadable(long nowTicks)
    {
        if (Transport is null) return;
        fixed (byte* p = _rx)
        {
            while (true)
            {
                nint n = Epoll.recv(_fd, p, _rx.Length, Epoll.MSG_DONTWAIT);
                if (n <= 0) break;
                Stats.DatagramsReceived++;
                _lastHeardTicks = nowTicks;
                Transport.HandleReceive(nowTicks, _rx.AsSpan(0, (int)n), _server);
                if (IsClosed || Transport is null) return;
            }
        }
        Reschedule(nowTicks);
    }

    public void OnTimer(long nowTicks)
    {
        if (Transport is null || IsClosed) return;
        Transport.HandleTimeout(nowTicks);
        if (IsClosed || Transport is null) return;
        if (IsConnected && Reconnect && nowTicks - _lastHeardTicks > SilenceLimit)
        {
            BeginReconnect("server silent");
            return;
        }
        if (IsConnected)
        {
            OnTick(nowTicks);
            if (nowTicks >= _nextReport)
            {
                _nextReport = nowTicks + ReportInterval;
                OnReport(nowTicks);
            }
        }
        Reschedule(nowTicks);
    }

    private void Reschedule(long nowTicks)
    {
        if (Transport is null || IsClosed) return;
        long due = Transport.PollTimeout();
        if (IsConnected) due = Math.Min(due, Math.Min(Math.Min(_nextReport, NextDue()), _lastHeardTicks + SilenceLimit + 1));
        Worker.Schedule(this, Math.Max(due, nowTicks));
    }

    public void Send(ReadOnlySpan<byte> datagram, PeerAddress to)
    {
        try
        {
            _socket!.Send(datagram, SocketFlags.None, out var error);
            if (error != SocketError.Success) Stats.SendFailures++;
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void OnConnected(WebRtcTransport transport, long nowTicks)
    {
        ConnectedAt = nowTicks;
        Stats.ConnectedAtTicks = nowTicks;
        _nextReport = nowTicks + ReportInterval;
        OnMediaReady(nowTicks);
    }

    public abstract void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> packet);

    public void OnRtcp(WebRtcTransport transport, long nowTicks, ReadOnlySpan<byte> compound)
    {
        var reader = new RtcpCompoundReader(compound);
        while (reader.TryReadNext(out var packet)) OnRtcpPacket(nowTicks, packet);
    }

    public void OnClosed(WebRtcTransport transport, long nowTicks, string reason)
    {
        if (!IsClosed && reason != "stopped" && Reconnect && !_ct.IsCancellationRequested)
        {
            BeginReconnect(reason);
            return;
        }
        if (!IsClosed && reason != "stopped") Stats.Failure ??= reason;
        Shutdown();
    }

    /// <summary>
    /// On the worker: drops the dead session (no DELETE: the server that had it is gone or will time it out) and
    /// POSTs a new offer every <see cref="RetryInterval"/> until one is answered or the peer is stopped.
    /// </summary>
    private void BeginReconnect(string reason)
    {
        Stats.Reconnects++;
        Stats.LastReconnectReason = reason;
        var transport = Transport;
        Transport = null;
        if (transport != null)
        {
            Worker.Unregister(_fd, _token, this);
            transport.Dispose();
        }
        _socket?.Dispose();
        _ = Task.Run(async () =>
        {
            while (!IsClosed && !_ct.IsCancellationRequested)
            {
                try
                {
                    await ConnectAsync();
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or InvalidOperationException or SocketException or TaskCanceledException)
                {
                    _socket?.Dispose();
                }
                try
                {
                    await Task.Delay(RetryInterval, _ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    /// <summary>Stops the peer on its worker thread (DTLS close_notify to the server).</summary>
    public void Stop(long nowTicks)
    {
        if (IsClosed) return;
        Transport?.Close(nowTicks, "stopped");
        Shutdown();
    }

    private void Shutdown()
    {
        if (IsClosed) return;
        IsClosed = true;
        if (Transport != null) Worker.Unregister(_fd, _token, this);
        Transport?.Dispose();
        _socket?.Dispose();
    }

    /// <summary>Fails a peer whose signalling failed (any thread, before the worker owns it).</summary>
    public void Abandon(string reason)
    {
        Stats.Failure ??= reason;
        IsClosed = true;
        _socket?.Dispose();
    }

    protected virtual void OnMediaReady(long nowTicks) { }
    protected virtual void OnTick(long nowTicks) { }
    protected virtual long NextDue() => long.MaxValue;
    protected virtual void OnReport(long nowTicks) { }
    protected virtual void OnRtcpPacket(long nowTicks, in RtcpPacket packet) { }

    protected Span<byte> RtcpBuffer => _rtcp.AsSpan(0, _rtcp.Length - Spare);
    protected void SendRtcp(int length) => Transport!.SendRtcp(_rtcp, length);
}
