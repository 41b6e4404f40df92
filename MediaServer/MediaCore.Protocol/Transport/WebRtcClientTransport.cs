using MediaCore.Protocol.Core;
using MediaCore.Protocol.Demux;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Transport;

/// <summary>What a <see cref="WebRtcClientTransport"/> tells its owner, on the thread that drives it.</summary>
public interface IWebRtcClientListener
{
    /// <summary>ICE succeeded and DTLS-SRTP keys are in place: media may flow.</summary>
    void OnConnected(WebRtcClientTransport transport, long nowTicks);

    /// <summary>A decrypted RTP packet (the caller's buffer, valid only during the call).</summary>
    void OnRtp(WebRtcClientTransport transport, long nowTicks, Span<byte> packet);

    /// <summary>A decrypted RTCP compound packet.</summary>
    void OnRtcp(WebRtcClientTransport transport, long nowTicks, ReadOnlySpan<byte> compound);

    /// <summary>The transport is finished (ICE timeout, consent lost, DTLS failure, close); it sends nothing more.</summary>
    void OnClosed(WebRtcClientTransport transport, long nowTicks, string reason);
}

/// <summary>Settings for one <see cref="WebRtcClientTransport"/>, from our offer and the server's answer.</summary>
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
/// The client-role twin of <see cref="WebRtcTransport"/>: a WHIP/WHEP client's one BUNDLEd, rtcp-muxed
/// 5-tuple. ICE as the controlling agent against an ICE-lite server (RFC 8445 §2.5: the full agent
/// nominates), DTLS as client once ICE connects (RFC 5763 §5: the answerer chose passive), then
/// SRTP/SRTCP, demultiplexed by first byte (RFC 7983). Sans-IO, same shape as the server transport:
/// the owner passes datagrams and time in and drains output through an <see cref="IDatagramOutput"/>.
/// The DTLS handshake runs on <see cref="DtlsEndpoint"/>'s short-lived thread; <see cref="WakeUp"/>
/// tells the owner when it has produced output. Not thread-safe: one driving thread at a time.
/// </summary>
public sealed class WebRtcClientTransport : IDisposable
{
    private readonly WebRtcClientTransportOptions _options;
    private readonly IDatagramOutput _output;
    private readonly IWebRtcClientListener _listener;
    private readonly IceControllingAgent _ice;
    private readonly DtlsSrtpLink _link;
    private PeerAddress _remote;

    /// <summary>Creates the transport; the first ICE check is due at <paramref name="nowTicks"/>.</summary>
    public WebRtcClientTransport(long nowTicks, WebRtcClientTransportOptions options, IDatagramOutput output, IWebRtcClientListener listener)
    {
        _options = options;
        _output = output;
        _listener = listener;
        _ice = new IceControllingAgent(nowTicks, options.LocalIce, options.RemoteIce, options.RemoteCandidate, options.Ice);
        _link = new DtlsSrtpLink(options.DtlsRole, options.Certificate, options.RemoteFingerprint, options.Dtls, () => WakeUp?.Invoke());
        State = WebRtcTransportState.Connecting;
    }

    /// <summary>Invoked (possibly from the DTLS thread) when the transport has output to drain; only schedule work.</summary>
    public Action? WakeUp { get; set; }

    public WebRtcTransportState State { get; private set; }
    public PeerAddress RemoteAddress => _remote;
    public SrtpProfile? Profile => _link.Profile;
    public string? CloseReason { get; private set; }
    public long PacketsReceived => _link.PacketsReceived;
    public long PacketsSent => _link.PacketsSent;
    public long BytesReceived => _link.BytesReceived;
    public long BytesSent => _link.BytesSent;
    public long UnprotectFailures => _link.UnprotectFailures;

    /// <summary>SRTP overhead a caller must leave free after a packet passed to <see cref="SendRtp"/>.</summary>
    public const int MaxProtectOverhead = WebRtcTransport.MaxProtectOverhead;

    /// <summary>Handles one datagram; the span may be decrypted in place.</summary>
    public void HandleReceive(long nowTicks, Span<byte> datagram, PeerAddress from)
    {
        if (State == WebRtcTransportState.Closed) return;
        switch (PacketDemux.Classify(datagram))
        {
            case PacketKind.Stun:
                _ice.HandleReceive(nowTicks, datagram, from);
                DrainIce(nowTicks);
                break;
            case PacketKind.Dtls:
                if (from != _remote) return;
                _link.HandleDtls(nowTicks, datagram);
                DrainDtls(nowTicks);
                break;
            case PacketKind.Rtp:
                if (from == _remote && _link.TryUnprotectRtp(datagram, out int rtpLength))
                    _listener.OnRtp(this, nowTicks, datagram[..rtpLength]);
                break;
            case PacketKind.Rtcp:
                if (from == _remote && _link.TryUnprotectRtcp(datagram, out int rtcpLength))
                    _listener.OnRtcp(this, nowTicks, datagram[..rtcpLength]);
                break;
        }
    }

    /// <summary>Runs ICE checks/consent and the DTLS deadline, and drains DTLS output.</summary>
    public void HandleTimeout(long nowTicks)
    {
        if (State == WebRtcTransportState.Closed) return;
        _ice.HandleTimeout(nowTicks);
        DrainIce(nowTicks);
        if (State == WebRtcTransportState.Closed) return;
        if (_link.Started)
        {
            _link.HandleTimeout(nowTicks);
            DrainDtls(nowTicks);
        }
    }

    /// <summary>When <see cref="HandleTimeout"/> is next due, or <see cref="MediaTime.Never"/>.</summary>
    public long PollTimeout()
    {
        if (State == WebRtcTransportState.Closed) return MediaTime.Never;
        return Math.Min(_ice.PollTimeout(), _link.PollTimeout());
    }

    /// <summary>Protects an RTP packet in place (leave <see cref="MaxProtectOverhead"/> spare bytes) and sends it.</summary>
    public bool SendRtp(Span<byte> buffer, int length)
    {
        return State == WebRtcTransportState.Connected && _link.SendRtp(_output, _remote, buffer, length);
    }

    /// <summary>Protects an RTCP compound packet in place (same spare-room rule) and sends it.</summary>
    public bool SendRtcp(Span<byte> buffer, int length)
    {
        return State == WebRtcTransportState.Connected && _link.SendRtcp(_output, _remote, buffer, length);
    }

    /// <summary>Closes the transport (DTLS close_notify when connected) and reports it once.</summary>
    public void Close(long nowTicks, string reason)
    {
        if (State == WebRtcTransportState.Closed) return;
        _link.Close();
        DrainDtlsDatagrams();
        Finish(nowTicks, reason);
    }

    public void Dispose()
    {
        _link.Dispose();
        _ice.Dispose();
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
            State = WebRtcTransportState.Connected;
            _listener.OnConnected(this, nowTicks);
        }
    }

    private void DrainDtlsDatagrams() => _link.DrainDatagrams(_output, _remote);

    private void Finish(long nowTicks, string reason)
    {
        if (State == WebRtcTransportState.Closed) return;
        State = WebRtcTransportState.Closed;
        CloseReason = reason;
        _ice.Close();
        _listener.OnClosed(this, nowTicks, reason);
    }
}
