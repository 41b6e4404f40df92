using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Sip;
using MediaCore.Protocol.Srtp;
using MediaCore.Routing;
using MediaCore.Server.Sessions;

namespace MediaCore.Server.Sip;

/// <summary>
/// The H.264 video of one SIP call (RFC 6184 over RTP/AVP, or RTP/SAVP with SDES keys of its own, RFC 4568/3711) on its own
/// UDP port pair. The terminal's camera is a
/// <see cref="Producer"/> of its site in the room (subscribers, snapshots, recording and the program see it like a
/// browser's camera); the terminal receives the room's program video through a <see cref="Consumer"/> of codec H.264
/// fed by a <see cref="ProgramSelector"/> (never its own site), i.e. H.264 publishers are forwarded as they are.
/// Key frame requests both ways are RTCP PLI (RFC 4585 §6.3.1) on the RTCP port: the router's to the terminal's camera,
/// and the terminal's (PLI or FIR) to the program's publisher. The terminal's receiver reports about the program drive a
/// loss-based bandwidth estimate (the loss-based half of Google congestion control, draft-ietf-rmcat-gcc §6: above 10 %
/// loss the estimate drops by half the loss, below 2 % it grows 5 %), which picks the simulcast layer the program is
/// forwarded from, as transport-cc estimates do for browsers; a terminal sends neither REMB nor transport-cc. Like audio, media goes back to where the terminal's video comes
/// from once it sends (symmetric RTP), until then to the SDP address. Used under the engine's lock except the sockets; with
/// SRTP both contexts are used only under that lock (receive paths unprotect inside it, the router's sends protect in it).
/// </summary>
internal sealed class SipVideoMedia : IRtpSink, IKeyFrameRequester, IDisposable
{
    private readonly MediaRoom _room;
    private readonly string _participantId;
    private readonly string _id;
    private readonly Ssrc _ssrc = new((uint)Random.Shared.NextInt64(1, uint.MaxValue));
    private readonly byte[] _rtcp = new byte[PictureLossIndication.Size + 32]; // + SRTCP index and tag (at most 4 + 16 octets)
    private SrtpContext? _inbound;
    private SrtpContext? _outbound;
    private SipVideoSession _session;
    private IPEndPoint _remote;
    private IPEndPoint? _remoteRtcp;
    private bool _latched;
    private Producer? _producer;
    private SimulcastConsumer? _consumer;
    /// <summary>Loss-based estimate bounds and start (the top layer until the terminal reports loss).</summary>
    internal const long MinBitrate = 150_000, MaxBitrate = 6_000_000;
    private long _estimate = MaxBitrate;
    private ProgramSelector? _selector;
    private bool _detached;

    public SipVideoMedia(string id, MediaRoom room, string participantId, Socket rtp, Socket rtcp, SipVideoSession session)
    {
        _id = id;
        _room = room;
        _participantId = participantId;
        Rtp = rtp;
        Rtcp = rtcp;
        _session = session;
        _remote = session.RemoteRtp;
        Rekey(session.Srtp);
    }

    private void Rekey(SipSrtpKeys? keys)
    {
        _inbound?.Dispose();
        _outbound?.Dispose();
        (_inbound, _outbound) = keys is null ? (null, null) : keys.CreateContexts();
    }

    /// <summary>SRTP or SRTCP packets that failed authentication (dropped).</summary>
    public long SrtpFailures { get; private set; }

    /// <summary>Protects an RTCP compound in place for the terminal when the video is SRTP (caller holds the engine's lock); true when it may be sent.</summary>
    public bool TryProtectRtcp(Span<byte> buffer, int length, out int protectedLength)
    {
        if (_outbound == null)
        {
            protectedLength = length;
            return true;
        }
        return _outbound.TryProtectRtcpInPlace(buffer, length, out protectedLength);
    }

    public Socket Rtp { get; }
    public Socket Rtcp { get; }
    public int Port => ((IPEndPoint)Rtp.LocalEndPoint!).Port;
    public SipVideoSession Session => _session;
    /// <summary>The terminal's camera in the room, while it sends.</summary>
    public Producer? Producer => _producer;
    /// <summary>The program video going to the terminal, while it receives.</summary>
    public Consumer? Consumer => _consumer;
    public long PacketsReceived { get; private set; }
    /// <summary>Datagrams on the video RTP port, whatever they carry (other payload types are dropped).</summary>
    public long DatagramsReceived { get; private set; }
    public long PacketsSent { get; private set; }
    public long KeyFramesRequested { get; private set; }
    /// <summary>Receiver report blocks about the program received from the terminal.</summary>
    public long ReportsReceived { get; private set; }
    /// <summary>The terminal's last reported fraction of program packets lost (0-255 = 0-100 %, RFC 3550 §6.4.1), or null.</summary>
    public byte? LastFractionLost { get; private set; }
    /// <summary>The terminal's last reported interarrival jitter of the program, in 90 kHz units, or null.</summary>
    public uint? LastJitter { get; private set; }
    /// <summary>The loss-based bandwidth estimate for the program video, in bits per second.</summary>
    public long EstimatedBitrate => _estimate;
    /// <summary>Where RTCP for the video goes: the port the terminal's video RTCP comes from, else RTP port + 1 (RFC 3550 §11).</summary>
    public IPEndPoint RtcpDestination => _remoteRtcp ?? new IPEndPoint(_remote.Address, _remote.Port + 1);

    /// <summary>
    /// Creates the program consumer the session calls for (caller holds the engine's lock). The camera's producer comes with
    /// its first packet: a terminal that offers sendrecv but never sends must not hold a black slot in the program.
    /// </summary>
    public void Attach(long nowTicks)
    {
        var router = _room.Router;
        if (_session.TerminalReceives && _consumer == null)
        {
            _consumer = router.CreateSimulcastConsumer(nowTicks, new ConsumerOptions
            {
                Id = _id + "-program", ParticipantId = _participantId, Kind = Protocol.Sdp.MediaKind.Video, Codec = CodecKind.H264,
                ClockRate = 90000, Ssrc = _ssrc, PayloadType = _session.PayloadType,
            }, this);
            _consumer.SetAvailableBitrate(nowTicks, _estimate);
            _selector = router.CreateProgramSelector(nowTicks, [_consumer], _participantId);
        }
        router.RefreshSelectors(nowTicks);
    }

    /// <summary>A re-INVITE changed the video (hold, address, direction). Caller holds the engine's lock.</summary>
    public void Update(long nowTicks, SipVideoSession session)
    {
        if (!session.RemoteRtp.Equals(_session.RemoteRtp)) { _remote = session.RemoteRtp; _remoteRtcp = null; _latched = false; }
        bool hold = !session.TerminalReceives;
        if (!ReferenceEquals(session.Srtp, _session.Srtp)) Rekey(session.Srtp);
        _session = session;
        if (_consumer != null)
        {
            if (hold) _consumer.Pause();
            else _consumer.Resume(nowTicks);
        }
        else if (!_detached) Attach(nowTicks);
    }

    /// <summary>Removes the producer and the consumer (caller holds the engine's lock).</summary>
    public void Detach(long nowTicks)
    {
        if (_selector != null) _room.Router.RemoveProgramSelector(_selector);
        if (_consumer != null)
        {
            Metrics.MediaEngineCollector.Retire(_consumer);
            _room.Router.RemoveConsumer(_consumer);
        }
        if (_producer != null)
        {
            Metrics.MediaEngineCollector.Retire(_producer);
            _room.Router.RemoveProducer(nowTicks, _producer);
            _room.KeyFrames.Forget(_producer);
        }
        _selector = null;
        _consumer = null;
        _producer = null;
        _detached = true; // a datagram still in flight must not bring the camera back
        _room.Router.RefreshSelectors(nowTicks);
    }

    /// <summary>One datagram on the video RTP port (receive loop; takes the engine's lock).</summary>
    public void OnRtpDatagram(long nowTicks, Span<byte> datagram, IPEndPoint from)
    {
        DatagramsReceived++;
        lock (_room.Engine.Gate)
        {
            if (_detached) return;
            if (_inbound != null)
            {
                if (_inbound.UnprotectRtpInPlace(datagram, out int length) != SrtpResult.Ok) { SrtpFailures++; return; }
                datagram = datagram[..length];
            }
            if (!RtpPacket.TryParse(datagram, out var packet) || packet.PayloadType != _session.PayloadType) return;
            PacketsReceived++;
            if (!_latched || !_remote.Equals(from))
            {
                _remote = new IPEndPoint(from.Address, from.Port);
                _latched = true;
            }
            if (_producer == null && _session.TerminalSends)
            {
                _producer = _room.Router.CreateProducer(nowTicks, new ProducerOptions
                {
                    Id = _id + "-video", ParticipantId = _participantId, Kind = Protocol.Sdp.MediaKind.Video, Codec = CodecKind.H264,
                    ClockRate = 90000, PayloadType = _session.PayloadType, KeyFrameRequester = this,
                });
            }
            if (_producer != null) _room.Router.OnRtp(nowTicks, _producer, datagram);
        }
    }

    /// <summary>One datagram on the video RTCP port: the terminal's PLI or FIR asks the program's publisher for a key frame.</summary>
    public void OnRtcpDatagram(long nowTicks, Span<byte> datagram, IPEndPoint from)
    {
        lock (_room.Engine.Gate)
        {
            if (_inbound != null)
            {
                if (_inbound.UnprotectRtcpInPlace(datagram, out int length) != SrtpResult.Ok) { SrtpFailures++; return; }
                datagram = datagram[..length];
            }
            _remoteRtcp = new IPEndPoint(from.Address, from.Port);
            var reader = new RtcpCompoundReader(datagram);
            while (reader.TryReadNext(out var packet))
            {
                if (packet.PacketType == RtcpPacketType.ReceiverReport && ReceiverReport.TryParse(packet.Raw, out var rr))
                {
                    if (_consumer != null) Metrics.MediaMetrics.ObserveReceiverReport(packet.Raw, [_consumer]);
                    OnReportBlocks(nowTicks, rr.ReportBlocks);
                    continue;
                }
                if (packet.PacketType == RtcpPacketType.SenderReport && SenderReport.TryParse(packet.Raw, out var sr))
                {
                    OnReportBlocks(nowTicks, sr.ReportBlocks);
                    continue;
                }
                if (packet.PacketType != RtcpPacketType.PayloadFeedback) continue;
                if ((PictureLossIndication.TryParse(packet.Raw, out _) || FullIntraRequest.TryParse(packet.Raw, out _)) && _consumer != null)
                    _consumer.RequestKeyFrame(nowTicks);
            }
        }
    }

    // Report blocks about the program (our SSRC) update the loss-based estimate and the consumer's layer. Under the engine's lock.
    private void OnReportBlocks(long nowTicks, ReportBlockList blocks)
    {
        foreach (var block in blocks)
        {
            if (_consumer == null || block.Ssrc != _ssrc.Value) continue;
            ReportsReceived++;
            LastFractionLost = block.FractionLost;
            LastJitter = block.Jitter;
            double loss = block.FractionLost / 256.0;
            long estimate = loss > 0.10 ? (long)(_estimate * (1 - 0.5 * loss)) : loss < 0.02 ? (long)(_estimate * 1.05) : _estimate;
            _estimate = Math.Clamp(estimate, MinBitrate, MaxBitrate);
            _consumer.SetAvailableBitrate(nowTicks, _estimate);
        }
    }

    // IRtpSink: a rewritten program packet (router thread, under the engine's lock).
    public void SendRtp(Span<byte> buffer, int length)
    {
        if (_outbound != null && !_outbound.TryProtectRtpInPlace(buffer, length, out length)) return;
        try
        {
            Rtp.SendTo(buffer[..length], SocketFlags.None, _remote);
            PacketsSent++;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A terminal that went away: the call's media timeout ends it.
        }
    }

    // IKeyFrameRequester: the router wants a key frame from the terminal's camera (a subscriber joined or lost packets).
    public void RequestKeyFrame(Producer producer, Ssrc mediaSsrc)
    {
        KeyFramesRequested++;
        if (!_session.KeyFrameFeedback) return; // RFC 4585 §4.2: only feedback the terminal negotiated
        new PictureLossIndication(_ssrc.Value, mediaSsrc.Value).WriteTo(_rtcp);
        if (!TryProtectRtcp(_rtcp, PictureLossIndication.Size, out int length)) return;
        try
        {
            Rtcp.SendTo(_rtcp.AsSpan(0, length), SocketFlags.None, RtcpDestination);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        Rtp.Dispose();
        Rtcp.Dispose();
        _inbound?.Dispose();
        _outbound?.Dispose();
    }
}
