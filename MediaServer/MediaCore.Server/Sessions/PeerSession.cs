using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Transport;
using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;
using MediaCore.Server.Timers;

namespace MediaCore.Server.Sessions;

/// <summary>
/// One WHIP or WHEP session: a <see cref="WebRtcTransport"/> plus what it publishes or consumes in its room.
/// All members run under <see cref="MediaEngine.Gate"/>.
/// </summary>
public abstract partial class PeerSession : IWebRtcTransportListener, ITimerTarget
{
    /// <summary>Room for the SRTP/SRTCP tag and index after a packet in a scratch buffer.</summary>
    protected const int SpareBytes = WebRtcTransport.MaxProtectOverhead;

    private static readonly long RtcpReportInterval = MediaTime.FromMilliseconds(1000);

    private readonly byte[] _rtcpScratch = new byte[1500];
    private long _nextReportAt;
    private bool _closed;

    protected PeerSession(MediaEngine engine, MediaRoom room, string id, SessionKind kind, ParticipantInfo participant,
        NegotiatedSession negotiated, IceCredentials localIce, long nowTicks)
    {
        Engine = engine;
        Room = room;
        Id = id;
        Kind = kind;
        Participant = participant;
        Negotiated = negotiated;
        JoinedAt = DateTimeOffset.UtcNow;
        LocalSsrc = new Ssrc((uint)Random.Shared.Next(1, int.MaxValue));
        Transport = new WebRtcTransport(nowTicks, new WebRtcTransportOptions
        {
            LocalIce = localIce,
            RemoteIceUfrag = negotiated.RemoteIceUfrag,
            RemoteIcePassword = negotiated.RemoteIcePwd,
            Certificate = engine.Certificate,
            RemoteFingerprint = negotiated.RemoteFingerprint.ToString(),
            DtlsRole = negotiated.LocalSetup == SetupRole.Active ? DtlsRole.Client : DtlsRole.Server,
            Dtls = engine.DtlsOptions,
        }, engine, this);
        // The DTLS thread says it has output (a flight, the handshake's outcome): a wake the owner's next Reschedule cannot
        // overwrite (TimerWheel.Wake), or a finished handshake could wait unread behind a 30 s consent deadline.
        Transport.WakeUp = () => engine.Timers.Wake(this, engine.Clock.NowTicks);
        _nextReportAt = nowTicks + RtcpReportInterval;
    }

    public MediaEngine Engine { get; }
    public MediaRoom Room { get; }
    public string Id { get; }
    public SessionKind Kind { get; }
    public ParticipantInfo Participant { get; }
    public NegotiatedSession Negotiated { get; }
    public WebRtcTransport Transport { get; }
    public DateTimeOffset JoinedAt { get; }
    public string LocalUfrag => Transport.LocalUfrag;
    public bool IsClosed => _closed;

    /// <summary>SSRC this session uses as the sender of its own RTCP feedback.</summary>
    protected Ssrc LocalSsrc { get; }

    public SessionInfo Info => new(Id, Room.Id, Kind, Participant.Id, Participant.Role);

    internal bool IsValidatedAddress(PeerAddress address) => Transport.IsValidatedAddress(address);

    /// <summary>
    /// The transport's join timeline (<see cref="WebRtcTransport.Describe"/>) and when the timer wheel will next run
    /// this session: what <c>GET /api/rooms/{room}</c> shows per session and the log says when a session closes unconnected.
    /// </summary>
    public string DescribeTransport(long nowTicks)
    {
        long due = Engine.Timers.GetDue(this);
        return Transport.Describe(nowTicks) + "; host timer " + (due == MediaTime.Never ? "none" : $"in {(due - nowTicks) / MediaTime.TicksPerMillisecond} ms");
    }

    internal void HandleReceive(long nowTicks, Span<byte> datagram, PeerAddress from)
    {
        Transport.HandleReceive(nowTicks, datagram, from);
        Reschedule();
    }

    /// <summary>Timer-wheel callback (timer thread).</summary>
    public void HandleTimeout(long nowTicks)
    {
        lock (Engine.Gate)
        {
            if (_closed) return;
            Transport.HandleTimeout(nowTicks);
            if (_closed) return;
            if (Transport.State == WebRtcTransportState.Connected)
            {
                OnTimeout(nowTicks);
                if (nowTicks >= _nextReportAt)
                {
                    _nextReportAt = nowTicks + RtcpReportInterval;
                    OnReportTimer(nowTicks);
                }
            }
            Reschedule();
        }
    }

    /// <summary>Re-arms the timer at the earliest time any component wants it.</summary>
    internal void Reschedule()
    {
        if (_closed) return;
        long due = Transport.PollTimeout();
        if (Transport.State == WebRtcTransportState.Connected)
            due = Math.Min(due, Math.Min(_nextReportAt, NextTimeout()));
        Engine.Timers.Schedule(this, due);
    }

    public virtual void OnConnected(WebRtcTransport transport, long nowTicks)
    {
        if (Engine.Logger.IsEnabled(LogLevel.Information))
            LogConnected(Engine.Logger, Id, Room.Id.Value, transport.RemoteAddress.ToString(), transport.Profile?.ToString());
        if (Engine.Logger.IsEnabled(LogLevel.Debug))
            LogJoinTimeline(Engine.Logger, Id, DescribeTransport(nowTicks));
        Metrics.MediaMetrics.TransportOutcomes.WithLabels("connected").Inc();
        Metrics.MediaMetrics.JoinSeconds.WithLabels(Kind == SessionKind.Publisher ? "publisher" : "subscriber")
            .Observe((DateTimeOffset.UtcNow - JoinedAt).TotalSeconds);
        Reschedule();
    }

    public abstract void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> packet);

    public void OnRtcp(WebRtcTransport transport, long nowTicks, ReadOnlySpan<byte> compound)
    {
        var reader = new RtcpCompoundReader(compound);
        while (reader.TryReadNext(out var packet)) OnRtcpPacket(nowTicks, packet);
    }

    public void OnClosed(WebRtcTransport transport, long nowTicks, string reason)
    {
        LogClosed(Engine.Logger, Id, Room.Id.Value, reason);
        if (transport.ConnectedAt == MediaTime.Never) LogNeverConnected(Engine.Logger, Id, Room.Id.Value, DescribeTransport(nowTicks));
        Metrics.MediaMetrics.ObserveClosed(reason);
        Close(nowTicks);
    }

    /// <summary>Ends the session: detaches it from its room and the peer tables. Idempotent.</summary>
    internal void Close(long nowTicks)
    {
        if (_closed) return;
        if (Transport.State != WebRtcTransportState.Closed && Transport.ConnectedAt == MediaTime.Never)
            LogNeverConnected(Engine.Logger, Id, Room.Id.Value, DescribeTransport(nowTicks));
        _closed = true;
        Transport.Close(nowTicks, "session closed");
        OnClosing(nowTicks);
        Room.Remove(nowTicks, this);
        Engine.Unregister(this);
        Transport.Dispose();
        Engine.Events?.SessionEnded(Info, Participant.DisplayName, JoinedAt);
    }

    protected virtual void OnRtcpPacket(long nowTicks, in RtcpPacket packet) { }
    protected virtual void OnTimeout(long nowTicks) { }
    protected virtual long NextTimeout() => MediaTime.Never;
    protected virtual void OnReportTimer(long nowTicks) { }
    protected virtual void OnClosing(long nowTicks) { }

    /// <summary>Sends the RTCP packet of <paramref name="length"/> bytes the caller wrote into the session's scratch buffer.</summary>
    protected void SendRtcp(int length) => Transport.SendRtcp(_rtcpScratch, length);

    /// <summary>Scratch buffer for building RTCP (leave <see cref="SpareBytes"/> at the end for SRTCP).</summary>
    protected Span<byte> RtcpBuffer => _rtcpScratch.AsSpan(0, _rtcpScratch.Length - SpareBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} in room {Room} connected from {Address} ({Profile})")]
    private static partial void LogConnected(ILogger logger, string sessionId, string room, string address, string? profile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId} in room {Room} closes without having connected: {Timeline}")]
    private static partial void LogNeverConnected(ILogger logger, string sessionId, string room, string timeline);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} join: {Timeline}")]
    private static partial void LogJoinTimeline(ILogger logger, string sessionId, string timeline);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} in room {Room} closed: {Reason}")]
    private static partial void LogClosed(ILogger logger, string sessionId, string room, string reason);
}
