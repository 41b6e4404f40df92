using System.Buffers;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Demux;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Transport;

/// <summary>Where a transport's datagrams go. The host implements it over its one UDP socket; tests over a list.</summary>
public interface IDatagramOutput
{
    void Send(ReadOnlySpan<byte> datagram, PeerAddress to);
}

/// <summary>
/// An output that SRTP-protects on its own thread (the host's send workers): a transport hands it each plain
/// RTP/RTCP packet with its outbound <see cref="IPacketProtector"/>, and from then on only the output touches that
/// protector, from one thread, in the order the packets were handed over. So the expensive per-copy work of a
/// fan-out (encryption) runs outside whatever serialises the transports, one destination session per thread.
/// </summary>
public interface IProtectingDatagramOutput : IDatagramOutput
{
    /// <summary>Takes a copy of the plain <paramref name="packet"/> for <paramref name="to"/>, protected later by
    /// <paramref name="protector"/>. False when refused (queue full, too large, closed): the packet is lost, like a UDP drop.</summary>
    bool SendProtected(IPacketProtector protector, bool rtcp, ReadOnlySpan<byte> packet, PeerAddress to);

    /// <summary>Releases <paramref name="protector"/> once every packet handed over before is protected.</summary>
    void Release(IPacketProtector protector);

    /// <summary>
    /// Lends a slot of the queue for the next plain packet of <paramref name="protector"/> to <paramref name="to"/>: the caller
    /// writes it there and commits it (<see cref="OutputSlot.Commit"/>) right away, and it is protected and sent as if given
    /// to <see cref="SendProtected"/>. False (the default) when the output cannot lend one: call <see cref="SendProtected"/>.
    /// </summary>
    bool TryBeginProtected(IPacketProtector protector, bool rtcp, PeerAddress to, out OutputSlot slot)
    {
        slot = default;
        return false;
    }
}

/// <summary>What a <see cref="WebRtcTransport"/> (server or client) tells its owner, on the thread that drives it.</summary>
public interface IWebRtcTransportListener
{
    /// <summary>ICE selected a path and DTLS-SRTP keys are in place: media may flow.</summary>
    void OnConnected(WebRtcTransport transport, long nowTicks);

    /// <summary>A decrypted RTP packet (the span is the caller's buffer, valid only during the call).</summary>
    void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> packet);

    /// <summary>A decrypted RTCP compound packet.</summary>
    void OnRtcp(WebRtcTransport transport, long nowTicks, ReadOnlySpan<byte> compound);

    /// <summary>The transport is finished (ICE timeout, consent lost, DTLS failure or close_notify); it sends nothing more.</summary>
    void OnClosed(WebRtcTransport transport, long nowTicks, string reason);
}

public enum WebRtcTransportState
{
    New,
    Connecting,
    Connected,
    Closed,
}

/// <summary>Settings for one <see cref="WebRtcTransport"/>, taken from the negotiated SDP.</summary>
public sealed record WebRtcTransportOptions
{
    public required IceCredentials LocalIce { get; init; }
    public required string RemoteIceUfrag { get; init; }
    public required string RemoteIcePassword { get; init; }
    public required DtlsCertificate Certificate { get; init; }
    /// <summary>The remote fingerprint from its SDP (RFC 8122), "sha-256 AB:CD:..".</summary>
    public required string RemoteFingerprint { get; init; }
    /// <summary>Our DTLS role: server when our SDP says <c>a=setup:passive</c> (RFC 5763 §5).</summary>
    public DtlsRole DtlsRole { get; init; } = DtlsRole.Server;
    public IceLiteOptions? Ice { get; init; }
    public DtlsEndpointOptions? Dtls { get; init; }
}

/// <summary>Settings for a client-role <see cref="WebRtcTransport"/> (WHIP/WHEP client), from our offer and the server's answer.</summary>
public sealed record WebRtcClientTransportOptions
{
    /// <summary>Our ICE credentials (the offer's ice-ufrag/ice-pwd).</summary>
    public required IceCredentials LocalIce { get; init; }
    /// <summary>The answer's ice-ufrag/ice-pwd.</summary>
    public required IceCredentials RemoteIce { get; init; }
    /// <summary>The answer's (single) host candidate: an ICE-lite server has exactly one per transport.</summary>
    public required PeerAddress RemoteCandidate { get; init; }
    public required DtlsCertificate Certificate { get; init; }
    /// <summary>The answer's a=fingerprint, "sha-256 AB:CD:..".</summary>
    public required string RemoteFingerprint { get; init; }
    /// <summary>Client when the answer says <c>a=setup:passive</c> (RFC 5763 §5), as every ICE-lite SFU does.</summary>
    public DtlsRole DtlsRole { get; init; } = DtlsRole.Client;
    public IceControllingOptions? Ice { get; init; }
    public DtlsEndpointOptions? Dtls { get; init; }
}

/// <summary>
/// One BUNDLEd, rtcp-muxed WebRTC 5-tuple, in either role. Server (the SFU on its shared UDP port): ICE-lite
/// (RFC 8445 §2.5) and, by default, DTLS server. Client (the load tester's WHIP/WHEP peers): the controlling ICE
/// agent against an ICE-lite server (it nominates), DTLS client once ICE connects (RFC 5763 §5: the answerer chose
/// passive). Then DTLS-SRTP (RFC 5764) and SRTP/SRTCP, demultiplexed per RFC 7983. Sans-IO: the owner passes
/// datagrams and time in; what goes out is written to an <see cref="IDatagramOutput"/> at the ICE-selected address
/// (docs/decisions.md: media goes to the address the USE-CANDIDATE request came from). The only thread is the DTLS
/// handshake's (see <see cref="DtlsEndpoint"/>); <see cref="WakeUp"/> tells the owner when it has produced output
/// so the owner drives <see cref="HandleTimeout"/> promptly. Not thread-safe: one driving thread at a time.
/// </summary>
public sealed class WebRtcTransport : IDisposable
{
    private readonly IDatagramOutput _output;
    private readonly IWebRtcTransportListener _listener;
    private readonly IIceAgent _ice;
    private readonly DtlsSrtpLink _link;
    private PeerAddress _remote;
    private PeerAddress _dtlsPeer;
    private string? _closeReason;
    // SRTP/SRTCP that arrived while our side of DTLS was still finishing: the peer has its keys as soon as it reads our
    // last flight, which we send before our own handshake thread reports the keys (under load, a second or more later).
    private readonly Queue<EarlyPacket> _early = new();
    private int _earlyBytes;

    /// <summary>At most this many packets (and <see cref="MaxEarlyBytes"/>) are held while DTLS finishes on our side.</summary>
    public const int MaxEarlyPackets = 1024;
    public const int MaxEarlyBytes = 1 << 20;

    private readonly record struct EarlyPacket(byte[] Buffer, int Length, long At, PeerAddress From, bool Rtcp);

    // The join's timeline (ticks of the caller's clock; Never until it happens), for Describe: when a session does
    // not connect, which step it is waiting on (issue 13's never-connecting mixer publisher).
    private readonly long _createdAt;
    private long _firstStunAt = MediaTime.Never, _nominatedAt = MediaTime.Never, _firstDtlsAt = MediaTime.Never, _connectedAt = MediaTime.Never;
    private long _stunReceived, _dtlsReceived, _dtlsDropped, _lastReceiveAt = MediaTime.Never, _lastTimeoutAt = MediaTime.Never;

    /// <summary>The server role: ICE-lite, answering the peer's checks; DTLS starts at once when we are its server.</summary>
    public WebRtcTransport(long nowTicks, WebRtcTransportOptions options, IDatagramOutput output, IWebRtcTransportListener listener)
        : this(nowTicks, options.LocalIce.Ufrag, LiteAgent(nowTicks, options), output, listener, options.DtlsRole, options.Certificate,
            options.RemoteFingerprint, options.Dtls ?? PreferGcm)
    {
    }

    /// <summary>The client role: checks are sent from <paramref name="nowTicks"/>; DTLS starts once ICE connects.</summary>
    public WebRtcTransport(long nowTicks, WebRtcClientTransportOptions options, IDatagramOutput output, IWebRtcTransportListener listener)
        : this(nowTicks, options.LocalIce.Ufrag, new IceControllingAgent(nowTicks, options.LocalIce, options.RemoteIce, options.RemoteCandidate, options.Ice),
            output, listener, options.DtlsRole, options.Certificate, options.RemoteFingerprint, options.Dtls)
    {
    }

    private WebRtcTransport(long nowTicks, string localUfrag, IIceAgent ice, IDatagramOutput output, IWebRtcTransportListener listener, DtlsRole dtlsRole,
        DtlsCertificate certificate, string remoteFingerprint, DtlsEndpointOptions? dtls)
    {
        LocalUfrag = localUfrag;
        _createdAt = nowTicks;
        _ice = ice;
        _output = output;
        _listener = listener;
        _link = new DtlsSrtpLink(dtlsRole, certificate, remoteFingerprint, dtls, () => WakeUp?.Invoke());
        State = WebRtcTransportState.Connecting;
        if (dtlsRole == DtlsRole.Server) _link.Start();
    }

    private static IceLiteAgent LiteAgent(long nowTicks, WebRtcTransportOptions options)
    {
        var ice = new IceLiteAgent(nowTicks, options.LocalIce, options.Ice);
        ice.SetRemoteCredentials(options.RemoteIceUfrag, options.RemoteIcePassword);
        return ice;
    }

    /// <summary>Invoked (possibly from the DTLS thread) when the transport has output to drain.</summary>
    public Action? WakeUp { get; set; }

    public WebRtcTransportState State { get; private set; }
    public string LocalUfrag { get; }
    public PeerAddress RemoteAddress => _remote;

    /// <summary>True when <paramref name="address"/> passed an authenticated ICE check (nominated or not).</summary>
    public bool IsValidatedAddress(PeerAddress address) => _ice.IsValidatedAddress(address);
    public SrtpProfile? Profile => _link.Profile;
    public string? CloseReason => _closeReason;
    public long PacketsReceived => _link.PacketsReceived;
    public long PacketsSent => _link.PacketsSent;
    public long BytesReceived => _link.BytesReceived;
    public long BytesSent => _link.BytesSent;
    public long UnprotectFailures => _link.UnprotectFailures;
    /// <summary>Packets that came before our DTLS keys and were delivered once the keys were in place.</summary>
    public long EarlyPacketsDelivered { get; private set; }
    /// <summary>Packets that came before our DTLS keys and were dropped (over the bound, or from an address not chosen).</summary>
    public long EarlyPacketsDropped { get; private set; }

    // The server prefers AEAD_AES_128_GCM over Chromium's first choice AES-CM: a third of the per-packet cost (srtp benchmarks).
    private static readonly DtlsEndpointOptions PreferGcm = new() { PreferLocalSrtpProfileOrder = true };

    /// <summary>SRTP overhead a caller must leave free after an RTP packet passed to <see cref="SendRtp"/>.</summary>
    public const int MaxProtectOverhead = 32;

    /// <summary>Handles one datagram from <paramref name="from"/>; the span may be decrypted in place.</summary>
    public void HandleReceive(long nowTicks, Span<byte> datagram, PeerAddress from)
    {
        if (State == WebRtcTransportState.Closed) return;
        _lastReceiveAt = nowTicks;
        switch (PacketDemux.Classify(datagram))
        {
            case PacketKind.Stun:
                if (_stunReceived++ == 0) _firstStunAt = nowTicks;
                _ice.HandleReceive(nowTicks, datagram, from);
                DrainIce(nowTicks);
                break;
            case PacketKind.Dtls:
                if (!_ice.IsValidatedAddress(from))
                {
                    _dtlsDropped++;
                    return;
                }
                if (_dtlsReceived++ == 0) _firstDtlsAt = nowTicks;
                // A controlling peer (Chromium) starts DTLS once a check succeeds, possibly before it nominates (RFC 8445 §8.1.1):
                // answer the flight where it came from rather than drop it and wait out DTLS retransmission.
                _dtlsPeer = from;
                _link.HandleDtls(nowTicks, datagram);
                DrainDtls(nowTicks);
                break;
            case PacketKind.Rtp:
                if (!_link.HasKeys) Hold(nowTicks, datagram, from, rtcp: false);
                else if (from == _remote && _link.TryUnprotectRtp(datagram, out int rtpLength))
                    _listener.OnRtp(this, nowTicks, datagram[..rtpLength]);
                break;
            case PacketKind.Rtcp:
                if (!_link.HasKeys) Hold(nowTicks, datagram, from, rtcp: true);
                else if (from == _remote && _link.TryUnprotectRtcp(datagram, out int rtcpLength))
                    _listener.OnRtcp(this, nowTicks, datagram[..rtcpLength]);
                break;
        }
    }

    public void HandleTimeout(long nowTicks)
    {
        if (State == WebRtcTransportState.Closed) return;
        _lastTimeoutAt = nowTicks;
        _ice.HandleTimeout(nowTicks);
        DrainIce(nowTicks);
        if (State == WebRtcTransportState.Closed || !_link.Started) return;
        _link.HandleTimeout(nowTicks);
        DrainDtls(nowTicks);
    }

    public long PollTimeout()
    {
        if (State == WebRtcTransportState.Closed) return MediaTime.Never;
        return Math.Min(_ice.PollTimeout(), _link.PollTimeout());
    }

    /// <summary>
    /// Protects an RTP packet in place (the buffer must have <see cref="MaxProtectOverhead"/> spare bytes after
    /// <paramref name="length"/>) and sends it to the selected address. False when not connected.
    /// </summary>
    public bool SendRtp(Span<byte> buffer, int length)
    {
        return State == WebRtcTransportState.Connected && _link.SendRtp(_output, _remote, buffer, length);
    }

    /// <summary>
    /// Lends a slot of the protecting output's queue for the next RTP packet to the selected address, to be written
    /// plain and handed back with <see cref="CommitRtp"/> (right away, exactly once). False when not connected or the
    /// output protects nowhere else than here: then use <see cref="SendRtp"/>.
    /// </summary>
    public bool TryBeginRtp(out OutputSlot slot)
    {
        if (State == WebRtcTransportState.Connected) return _link.TryBeginRtp(_output, _remote, out slot);
        slot = default;
        return false;
    }

    /// <summary>Sends the <paramref name="length"/> plain bytes written into a slot from <see cref="TryBeginRtp"/> (0: nothing).</summary>
    public void CommitRtp(in OutputSlot slot, int length) => _link.CommitRtp(slot, length);

    /// <summary>Protects an RTCP compound packet in place (same spare-room rule) and sends it.</summary>
    public bool SendRtcp(Span<byte> buffer, int length)
    {
        return State == WebRtcTransportState.Connected && _link.SendRtcp(_output, _remote, buffer, length);
    }

    /// <summary>When the transport connected (the caller's ticks), or <see cref="MediaTime.Never"/>.</summary>
    public long ConnectedAt => _connectedAt;

    /// <summary>
    /// The join so far, for logs and the room API: each step's time since creation, what came in, and the DTLS
    /// handshake thread's own state. "handshake Connected" while the transport is still Connecting means the
    /// outcome waits unread (nobody drained it after the handshake thread's wake-up).
    /// </summary>
    public string Describe(long nowTicks)
    {
        string At(long t) => t == MediaTime.Never ? "-" : $"+{(t - _createdAt) / MediaTime.TicksPerMillisecond} ms";
        var sb = new System.Text.StringBuilder(256);
        sb.Append(State).Append(" after ").Append((nowTicks - _createdAt) / MediaTime.TicksPerMillisecond).Append(" ms");
        if (_closeReason != null) sb.Append(" (").Append(_closeReason).Append(')');
        sb.Append("; stun ").Append(_stunReceived).Append(" first ").Append(At(_firstStunAt))
          .Append(", nominated ").Append(At(_nominatedAt)).Append(" remote ").Append(_remote.IsNone ? "(none)" : _remote.ToString())
          .Append("; dtls in ").Append(_dtlsReceived).Append(" first ").Append(At(_firstDtlsAt));
        if (_dtlsDropped > 0) sb.Append(", ").Append(_dtlsDropped).Append(" from unchecked addresses dropped");
        sb.Append(", handshake ").Append(_link.HandshakeState).Append(_link.Started ? "" : " (not started)")
          .Append("; connected ").Append(At(_connectedAt))
          .Append("; srtp in ").Append(PacketsReceived).Append(" out ").Append(PacketsSent)
          .Append(", early held ").Append(_early.Count).Append(" delivered ").Append(EarlyPacketsDelivered).Append(" dropped ").Append(EarlyPacketsDropped)
          .Append("; last datagram ").Append(At(_lastReceiveAt)).Append(", last timeout ").Append(At(_lastTimeoutAt))
          .Append(", wants a timeout ");
        long due = PollTimeout();
        if (due == MediaTime.Never) sb.Append("never");
        else sb.Append("in ").Append((due - nowTicks) / MediaTime.TicksPerMillisecond).Append(" ms");
        return sb.ToString();
    }

    /// <summary>Closes the transport (sends DTLS close_notify when connected) and reports it once.</summary>
    public void Close(long nowTicks, string reason)
    {
        if (State == WebRtcTransportState.Closed) return;
        _link.Close();
        DrainDtlsDatagrams();
        Finish(nowTicks, reason);
    }

    public void Dispose()
    {
        ReleaseEarly();
        _link.Dispose();
        _ice.Dispose();
    }

    /// <summary>Keeps an SRTP/SRTCP datagram from a checked address until our keys are in place (bounded; copies it).</summary>
    private void Hold(long nowTicks, ReadOnlySpan<byte> datagram, PeerAddress from, bool rtcp)
    {
        if (!_link.Started || !(from == _remote || from == _dtlsPeer || _ice.IsValidatedAddress(from))) return;
        if (_early.Count >= MaxEarlyPackets || _earlyBytes + datagram.Length > MaxEarlyBytes)
        {
            EarlyPacketsDropped++;
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        _early.Enqueue(new EarlyPacket(buffer, datagram.Length, nowTicks, from, rtcp));
        _earlyBytes += datagram.Length;
    }

    /// <summary>Our keys are in place: deliver what came early, in arrival order, with its arrival time.</summary>
    private void DeliverEarly()
    {
        while (_early.TryDequeue(out var p))
        {
            var datagram = p.Buffer.AsSpan(0, p.Length);
            if (State == WebRtcTransportState.Connected && p.From == _remote)
            {
                if (!p.Rtcp && _link.TryUnprotectRtp(datagram, out int n))
                {
                    EarlyPacketsDelivered++;
                    _listener.OnRtp(this, p.At, datagram[..n]);
                }
                else if (p.Rtcp && _link.TryUnprotectRtcp(datagram, out int m))
                {
                    EarlyPacketsDelivered++;
                    _listener.OnRtcp(this, p.At, datagram[..m]);
                }
            }
            else
            {
                EarlyPacketsDropped++;
            }
            ArrayPool<byte>.Shared.Return(p.Buffer);
        }
        _earlyBytes = 0;
    }

    private void ReleaseEarly()
    {
        while (_early.TryDequeue(out var p)) ArrayPool<byte>.Shared.Return(p.Buffer);
        _earlyBytes = 0;
    }

    private void DrainIce(long nowTicks)
    {
        while (_ice.TryPollTransmit(out var t))
        {
            _output.Send(t.Payload, t.Destination);
            t.Return();
        }
        while (_ice.TryPollEvent(out var e))
        {
            switch (e)
            {
                case IceConnected c:
                    _nominatedAt = nowTicks;
                    _remote = c.Address;
                    _link.Start();
                    break;
                case IceSelectedPathChanged p:
                    _remote = p.Current;
                    break;
                case IceDisconnected d:
                    Finish(nowTicks, $"ICE: {d.Reason}");
                    return;
            }
        }
    }

    private void DrainDtls(long nowTicks)
    {
        DrainDtlsDatagrams();
        DtlsSrtpOutcome outcome;
        while ((outcome = _link.PollOutcome(out string? reason)) != DtlsSrtpOutcome.None)
        {
            if (outcome != DtlsSrtpOutcome.Connected)
            {
                Finish(nowTicks, reason!);
                return;
            }
            // DTLS can complete before the controlling agent nominates a pair (it starts once a check
            // succeeds, RFC 8445 §8.1.1): media then goes to the validated address DTLS ran on (RFC 8445 §12
            // allows sending on a valid pair before nomination), not to no address at all. A later
            // nomination moves it (IceConnected / IceSelectedPathChanged).
            if (_remote.IsNone) _remote = _dtlsPeer;
            State = WebRtcTransportState.Connected;
            _connectedAt = nowTicks;
            _listener.OnConnected(this, nowTicks);
            DeliverEarly();
        }
    }

    private void DrainDtlsDatagrams() => _link.DrainDatagrams(_output, _remote.IsNone ? _dtlsPeer : _remote);

    private void Finish(long nowTicks, string reason)
    {
        if (State == WebRtcTransportState.Closed) return;
        State = WebRtcTransportState.Closed;
        _closeReason = reason;
        ReleaseEarly();
        _ice.Close();
        _listener.OnClosed(this, nowTicks, reason);
    }
}
