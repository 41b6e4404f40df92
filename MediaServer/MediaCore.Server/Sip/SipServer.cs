using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sip;
using MediaCore.Server.Auth;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Timers;
using MediaCore.Server.Udp;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Sip;

/// <summary>
/// The thin host of the SIP user agent server (<see cref="SipServerCore"/>): one UDP socket and one TCP listener on
/// <c>MediaServer:Sip:Port</c>, a 20 ms timer loop, and the <see cref="ISipApplication"/> that turns an accepted
/// INVITE into a <see cref="SipCallMedia"/> in the room named by the Request-URI. Off unless the port is set.
/// The core runs under one lock (signalling is a few messages per call); media never takes it. With
/// <c>MediaServer:Sip:AccountsUrl</c> set, a REGISTER or INVITE with credentials of a terminal whose ControlPlane state is not
/// cached waits (off the lock, on its own task) for <see cref="ControlPlaneSipAccounts"/> before the core sees it, and a live
/// call of a terminal that became disabled, deleted or reset there is ended with a BYE (checked every second from the same cache).
/// </summary>
public sealed partial class SipServer(MediaEngine engine, MediaClock clock, IHandStore hands, IOptions<MediaServerOptions> options,
    VideoCodecWish codecWish, ILogger<SipServer> logger) : IHostedService, ISipApplication
{
    private readonly Lock _gate = new();
    private readonly Dictionary<PeerAddress, Socket> _tcp = [];
    private readonly CancellationTokenSource _stop = new();
    private SipServerCore? _core;
    private SipAccounts? _accounts;
    private ControlPlaneSipAccounts? _checks;
    private HttpClient? _http;
    private Socket? _udp;
    private TcpListener? _listener;
    private ulong _sdpVersion;

    /// <summary>The bound port (after start; with Port 0 the OS picked it).</summary>
    public int Port { get; private set; }
    public bool Enabled => _core != null;

    /// <summary>Calls in progress with their media (a snapshot).</summary>
    internal IReadOnlyList<SipCallMedia> Calls
    {
        get
        {
            lock (_gate) return _core == null ? [] : [.. _core.Calls.Select(c => c.Application).OfType<SipCallMedia>()];
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.Sip.Port is not int port) return Task.CompletedTask;
        var bind = o.ParsedBindAddress;
        _udp = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (bind.Equals(IPAddress.IPv6Any)) _udp.DualMode = true;
        _udp.Bind(new IPEndPoint(bind, port));
        Port = ((IPEndPoint)_udp.LocalEndPoint!).Port;
        _listener = new TcpListener(bind, Port);
        _listener.Start();
        _accounts = new SipAccounts(o.TokenSecret!, o.Sip.Realm);
        if (!string.IsNullOrWhiteSpace(o.Sip.AccountsUrl))
        {
            _http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var url = o.Sip.AccountsUrl.Trim();
            _checks = new ControlPlaneSipAccounts(_http, new Uri(url.EndsWith('/') ? url : url + "/"), new MediaTokenIssuer(o.TokenSecret!),
                o.Sip.AccountCacheTtl, TimeProvider.System, logger);
        }
        else
        {
            LogUnchecked();
        }
        var nonceKey = HMACSHA256.HashData(Encoding.UTF8.GetBytes(o.TokenSecret!), "mediacore-sip-nonce"u8);
        _core = new SipServerCore(new SipServerOptions(o.Sip.Realm, nonceKey, $"{HostOf(o.AdvertisedAddress)}:{Port}"), this);
        _ = Task.Run(() => UdpLoopAsync(_stop.Token), CancellationToken.None);
        _ = Task.Run(() => AcceptLoopAsync(_stop.Token), CancellationToken.None);
        _ = Task.Run(() => TimerLoopAsync(_stop.Token), CancellationToken.None);
        LogStarted(Port, o.Sip.Realm);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_core == null) return;
        lock (_gate)
        {
            long now = clock.NowTicks;
            foreach (var call in _core.Calls.ToList()) _core.Hangup(now, call, "server stopping");
            Drain();
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _udp?.Dispose();
        _listener?.Stop();
        lock (_gate) foreach (var s in _tcp.Values) s.Dispose();
        _http?.Dispose();
    }

    // ---- ISipApplication (called by the core under _gate) ----

    public SipAccount? FindAccount(string username)
    {
        if (_checks == null || !SipAccounts.IsTerminal(username)) return _accounts!.Find(username);
        return _checks.Get(username) switch
        {
            null => _accounts!.Find(username)! with { RefuseStatus = 503, RefuseReason = "Terminal not checked yet (ControlPlane unreachable)" },
            { Exists: false } => _accounts!.Find(username)! with { RefuseStatus = 403, RefuseReason = "Terminal not registered in the ControlPlane" },
            { Enabled: false } state => _accounts!.Find(username, state.Generation)! with { RefuseStatus = 403, RefuseReason = "Terminal disabled in the ControlPlane" },
            { } state => _accounts!.Find(username, state.Generation),
        };
    }

    public void OnRefused(long nowTicks, string username, string method, int status, string reason) => LogAuthRefused(method, username, status, reason);

    public SipInviteResult OnInvite(long nowTicks, SipCall call, string sdpOffer)
    {
        var o = options.Value;
        if (!RoomId.TryParse(call.Target, out var roomId)) return new SipInviteResult(404, Reason: "No such room (call sip:{room}@host)");
        if (_core!.Calls.Count(c => c.Application != null) >= o.Sip.MaxCalls) return new SipInviteResult(486, Reason: "Too many calls on this server");
        var ports = BindPair(o.ParsedBindAddress, o.Sip.RtpMinPort, o.Sip.RtpMaxPort);
        if (ports is null) return new SipInviteResult(503, Reason: "No free media port");
        var (rtp, rtcp) = ports.Value;
        // Video gets its own pair (RFC 3264: one port per m-line); without a free pair the video m-line is declined.
        var videoPorts = SipSdpAnswerer.OffersVideo(sdpOffer) ? BindPair(o.ParsedBindAddress, o.Sip.RtpMinPort, o.Sip.RtpMaxPort) : null;
        int rtpPort = ((IPEndPoint)rtp.LocalEndPoint!).Port;
        int videoPort = videoPorts is { } vp ? ((IPEndPoint)vp.Rtp.LocalEndPoint!).Port : 0;
        if (!SipSdpAnswerer.TryAnswer(sdpOffer, o.AdvertisedAddress, rtpPort, videoPort, (ulong)Random.Shared.NextInt64(1, long.MaxValue), ++_sdpVersion,
                out var session, out var error))
        {
            rtp.Dispose();
            rtcp.Dispose();
            videoPorts?.Rtp.Dispose();
            videoPorts?.Rtcp.Dispose();
            LogRefused(call.Account.Username, call.Target, error);
            return new SipInviteResult(488, Reason: "Not Acceptable Here");
        }
        if (session.Video == null && videoPorts is { } unused)
        {
            unused.Rtp.Dispose();
            unused.Rtcp.Dispose();
            videoPorts = null;
        }
        SipCallMedia media;
        lock (engine.Gate)
        {
            var room = engine.GetOrCreateRoom(roomId);
            media = new SipCallMedia(call, room, rtp, rtcp, session, nowTicks);
            if (session.Video is { } video && videoPorts is { } v)
                media.Video = new SipVideoMedia(media.SessionId, room, call.Account.ParticipantId, v.Rtp, v.Rtcp, video);
            room.AddSipCall(media);
            media.Attach();
            media.Video?.Attach(nowTicks);
            codecWish.Set(room.Id.Value, room.HasSipVideoTerminal);
            engine.Events?.SessionStarted(media.Info, media.Call.Account.Username, media.StartedAt);
        }
        call.Application = media;
        _ = Task.Run(() => MediaLoopAsync(media, _stop.Token));
        if (media.Video is { } videoMedia)
        {
            _ = Task.Run(() => VideoLoopAsync(media, videoMedia.Rtp, rtcp: false, _stop.Token));
            _ = Task.Run(() => VideoLoopAsync(media, videoMedia.Rtcp, rtcp: true, _stop.Token));
        }
        LogCall(call.Account.Username, roomId.Value, session.Codec.ToString() + (session.Video != null ? "+H264" : ""), session.RemoteRtp.ToString(), rtpPort);
        return new SipInviteResult(200, session.Answer);
    }

    public SipInviteResult OnReinvite(long nowTicks, SipCall call, string sdpOffer)
    {
        if (call.Application is not SipCallMedia media) return new SipInviteResult(481);
        if (!SipSdpAnswerer.TryAnswer(sdpOffer, options.Value.AdvertisedAddress, media.Port, media.Video?.Port ?? 0, 1, ++_sdpVersion,
                out var session, out var error))
        {
            LogRefused(call.Account.Username, call.Target, error);
            return new SipInviteResult(488);
        }
        lock (engine.Gate)
        {
            media.Update(session);
            if (session.Video is { } video) media.Video?.Update(nowTicks, video);
            codecWish.Set(media.Room.Id.Value, media.Room.HasSipVideoTerminal);
        }
        LogHold(call.Account.Username, call.Target, session.OnHold);
        return new SipInviteResult(200, session.Answer);
    }

    public void OnDtmf(long nowTicks, SipCall call, char digit)
    {
        if (call.Application is SipCallMedia media) Command(nowTicks, media, digit);
    }

    public void OnCallEnded(long nowTicks, SipCall call, string reason)
    {
        if (call.Application is not SipCallMedia media) return;
        lock (engine.Gate)
        {
            media.Detach();
            media.Video?.Detach(nowTicks);
            media.Room.RemoveSipCall(media);
            codecWish.Set(media.Room.Id.Value, media.Room.HasSipVideoTerminal);
            engine.Events?.SessionEnded(media.Info, media.Call.Account.Username, media.StartedAt);
            engine.ReleaseIfEmpty(media.Room);
        }
        media.Dispose();
        LogEnded(call.Account.Username, call.Target, reason, media.PacketsReceived, media.PacketsSent);
    }

    private void Command(long nowTicks, SipCallMedia media, char digit)
    {
        switch (media.OnDigit(nowTicks, digit))
        {
            case "hand":
                // Under the engine's lock: the queue (Redis in a cluster) is written off it.
                var (room, participant, name) = (media.Room.Id, media.Call.Account.ParticipantId, media.Call.Account.Username);
                _ = Task.Run(() => hands.RaiseAsync(room, participant, name, "audience"));
                LogCommand(media.Call.Account.Username, media.Room.Id.Value, "raise hand");
                break;
            case "mute":
                LogCommand(media.Call.Account.Username, media.Room.Id.Value, media.SelfMuted ? "mute" : "unmute");
                break;
        }
    }

    // ---- sockets ----

    private async Task UdpLoopAsync(CancellationToken stop)
    {
        var buffer = new byte[65536];
        var from = new SocketAddress(_udp!.AddressFamily);
        while (!stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, from, stop).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                continue; // ICMP errors from earlier sends surface here on some stacks
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            var peer = from.ToPeerAddress();
            if (NeedsCheck(buffer.AsSpan(0, n), stream: false, out var user))
            {
                // Checked on its own task so one slow ControlPlane answer never holds up other terminals' messages.
                var copy = buffer.AsSpan(0, n).ToArray();
                string name = user;
                _ = Task.Run(async () =>
                {
                    await _checks!.RefreshAsync(name, stop).ConfigureAwait(false);
                    Receive(copy, peer, stream: false);
                }, CancellationToken.None);
                continue;
            }
            Receive(buffer.AsSpan(0, n), peer, stream: false);
        }
    }

    private async Task AcceptLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptSocketAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            socket.NoDelay = true;
            var peer = PeerAddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!).AsTcp();
            lock (_gate)
            {
                if (_tcp.Count >= 2 * options.Value.Sip.MaxCalls) { socket.Dispose(); continue; }
                _tcp[peer] = socket;
            }
            _ = Task.Run(() => TcpLoopAsync(socket, peer, stop), CancellationToken.None);
        }
    }

    private async Task TcpLoopAsync(Socket socket, PeerAddress peer, CancellationToken stop)
    {
        var buffer = new byte[SipParser.MaxMessageBytes + 4096];
        int filled = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, stop).ConfigureAwait(false);
                if (n == 0) break;
                filled += n;
                int offset = 0;
                while (true)
                {
                    var kind = SipFraming.TryFrame(buffer.AsSpan(offset, filled - offset), out int length);
                    if (kind == SipFrameKind.NeedMore) break;
                    if (kind == SipFrameKind.Invalid) return;
                    if (kind == SipFrameKind.KeepAlivePing) socket.Send("\r\n"u8);
                    else if (kind == SipFrameKind.Message)
                    {
                        // Over TCP messages keep their order: this connection waits for the check.
                        if (NeedsCheck(buffer.AsSpan(offset, length), stream: true, out var user)) await _checks!.RefreshAsync(user, stop).ConfigureAwait(false);
                        Receive(buffer.AsSpan(offset, length), peer, stream: true);
                    }
                    offset += length;
                }
                if (offset > 0)
                {
                    buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                    filled -= offset;
                }
                if (filled == buffer.Length) return; // a message larger than the limit
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            lock (_gate) _tcp.Remove(peer);
            socket.Dispose();
        }
    }

    private void Receive(ReadOnlySpan<byte> data, PeerAddress from, bool stream)
    {
        lock (_gate)
        {
            try
            {
                _core!.HandleReceive(clock.NowTicks, data, from, stream);
            }
            catch (Exception e)
            {
                // The core answers bad input itself; anything escaping is a bug to log, never a dead server.
                LogFailed(e);
            }
            Drain();
        }
    }

    /// <summary>A REGISTER or INVITE with a terminal's credentials whose ControlPlane state is not fresh in the cache.</summary>
    private bool NeedsCheck(ReadOnlySpan<byte> data, bool stream, [NotNullWhen(true)] out string? username)
    {
        username = null;
        if (_checks == null || !(data.StartsWith("REGISTER "u8) || data.StartsWith("INVITE "u8))) return false;
        if (!SipParser.TryParse(data, stream, out var message, out _) || !SipDigestCredentials.TryParse(message.Get(SipHeaderNames.Authorization), out var credentials)
            || !SipAccounts.IsTerminal(credentials.Username) || _checks.IsFresh(credentials.Username))
            return false;
        username = credentials.Username;
        return true;
    }

    private async Task TimerLoopAsync(CancellationToken stop)
    {
        long nextMediaCheck = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    long now = clock.NowTicks;
                    try
                    {
                        if (now >= _core!.PollTimeout()) _core.HandleTimeout(now);
                        if (now >= nextMediaCheck)
                        {
                            nextMediaCheck = now + TimeSpan.TicksPerSecond;
                            long limit = options.Value.Sip.MediaTimeout.Ticks;
                            foreach (var call in _core.Calls.ToList())
                            {
                                if (call.Application is not SipCallMedia m || call.State == SipCallState.Ended) continue;
                                if (Revoked(call, stop) is { } revoked)
                                {
                                    LogRevoked(call.Account.Username, m.Room.Id.Value, revoked);
                                    _core.Hangup(now, call, revoked);
                                }
                                else if (call.State == SipCallState.Confirmed && !m.Session.OnHold && now - m.LastPacketAt > limit)
                                {
                                    _core.Hangup(now, call, "no RTP");
                                }
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        LogFailed(e);
                    }
                    Drain();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Why a live call of a terminal may not go on, or null: the ControlPlane now says its device is disabled or deleted,
    /// or its password was reset since the call was authenticated (the current credentials no longer match the call's).
    /// Asked once a second per call; the answer comes from the same cache as REGISTER/INVITE (<c>Sip:AccountCacheTtl</c>,
    /// refreshed off the lock), so a change in the ControlPlane ends the call within about that time. While the ControlPlane
    /// cannot be reached the last known state holds (a known terminal keeps its call through an outage). Caller holds _gate.
    /// </summary>
    private string? Revoked(SipCall call, CancellationToken stop)
    {
        string user = call.Account.Username;
        if (_checks == null || !SipAccounts.IsTerminal(user)) return null;
        if (!_checks.IsFresh(user)) _ = _checks.RefreshAsync(user, stop);
        return _checks.Get(user) switch
        {
            null => null,
            { Exists: false } => "terminal deleted in the ControlPlane",
            { Enabled: false } => "terminal disabled in the ControlPlane",
            { } state => _accounts!.Find(user, state.Generation)?.Ha1 == call.Account.Ha1 ? null : "terminal's password reset in the ControlPlane",
        };
    }

    private async Task MediaLoopAsync(SipCallMedia media, CancellationToken stop)
    {
        var buffer = new byte[2048];
        var from = new SocketAddress(media.Rtp.AddressFamily);
        while (!stop.IsCancellationRequested && media.Call.State != SipCallState.Ended)
        {
            int n;
            try
            {
                n = await media.Rtp.ReceiveFromAsync(buffer, SocketFlags.None, from, stop).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            var endpoint = from.ToPeerAddress().ToEndPoint();
            long now = clock.NowTicks;
            var digit = media.OnDatagram(now, buffer.AsSpan(0, n), endpoint);
            if (digit is char d)
                lock (_gate) Command(now, media, d);
        }
    }

    private async Task VideoLoopAsync(SipCallMedia media, Socket socket, bool rtcp, CancellationToken stop)
    {
        var buffer = new byte[2048];
        var from = new SocketAddress(socket.AddressFamily);
        while (!stop.IsCancellationRequested && media.Call.State != SipCallState.Ended)
        {
            int n;
            try
            {
                n = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, stop).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            var endpoint = from.ToPeerAddress().ToEndPoint();
            if (media.Video is not { } video) return;
            if (rtcp) video.OnRtcpDatagram(clock.NowTicks, buffer.AsSpan(0, n), endpoint);
            else video.OnRtpDatagram(clock.NowTicks, buffer.AsSpan(0, n), endpoint);
        }
    }

    // Caller holds _gate.
    private void Drain()
    {
        while (_core!.TryPollTransmit(out var t))
        {
            try
            {
                if (t.Destination.IsTcp)
                {
                    if (_tcp.TryGetValue(t.Destination, out var s)) s.Send(t.Data);
                }
                else
                {
                    _udp!.SendTo(t.Data, SocketFlags.None, t.Destination.ToEndPoint());
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private static (Socket Rtp, Socket Rtcp)? BindPair(IPAddress address, int min, int max)
    {
        if (min == 0)
        {
            for (int attempt = 0; attempt < 20; attempt++)
            {
                var rtp = Bind(address, 0);
                if (rtp == null) return null;
                int port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
                var rtcp = port < 65535 ? Bind(address, port + 1) : null;
                if (rtcp != null) return (rtp, rtcp);
                rtp.Dispose();
            }
            return null;
        }
        for (int port = min + (min & 1); port + 1 <= max; port += 2)
        {
            var rtp = Bind(address, port);
            if (rtp == null) continue;
            var rtcp = Bind(address, port + 1);
            if (rtcp != null) return (rtp, rtcp);
            rtp.Dispose();
        }
        return null;
    }

    private static Socket? Bind(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    private static string HostOf(string address) => address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP user agent server on UDP and TCP port {Port} (realm {Realm})")]
    private partial void LogStarted(int port, string realm);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIP terminals are not checked against the ControlPlane (MediaServer:Sip:AccountsUrl is not set): a terminal disabled or reset there keeps its derived password")]
    private partial void LogUnchecked();

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP {Method} from {User} refused: {Status} {Reason}")]
    private partial void LogAuthRefused(string method, string user, int status, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP call from {User} into room {Room}: {Codec}, terminal RTP {Remote}, ours on {Port}")]
    private partial void LogCall(string user, string room, string codec, string remote, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP call from {User} to {Room} refused: {Reason}")]
    private partial void LogRefused(string user, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIP call from {User} in room {Room} ended by the server: {Reason}")]
    private partial void LogRevoked(string user, string room, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP call from {User} in room {Room}: on hold = {Hold}")]
    private partial void LogHold(string user, string room, bool hold);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP call from {User} in room {Room} ended ({Reason}): {Received} RTP packets in, {Sent} out")]
    private partial void LogEnded(string user, string room, string reason, long received, long sent);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP terminal {User} in room {Room}: {Command} (DTMF)")]
    private partial void LogCommand(string user, string room, string command);

    [LoggerMessage(Level = LogLevel.Error, Message = "SIP: unexpected failure handling a message")]
    private partial void LogFailed(Exception e);
}
