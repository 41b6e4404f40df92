using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Sip;
using MediaCore.Protocol.Srtp;
using MediaCore.Routing.Audio;
using MediaCore.Server.Auth;
using MediaCore.Server.Mixing;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Sip;

/// <summary>
/// The media of one SIP call: an RTP/AVP audio stream (RFC 3550/3551), or RTP/SAVP with SDES keys (RFC 4568, protected by
/// the same <see cref="SrtpContext"/> as WebRTC), on its own UDP port pair, plus its H.264 video (<see cref="SipVideoMedia"/>).
/// The terminal's packets go into the room's mixer as a source without RFC 6464 level (the mixer measures it);
/// the room's mix comes back encoded for the terminal (G.711 from the mix's PCM, or the Opus mix as is). RFC 4733
/// telephone-events are read for the room commands (<c>*1</c> raise hand, <c>*6</c> mute/unmute). Media is sent
/// to where the terminal's RTP comes from once it sends (symmetric RTP, for terminals behind NAT), until then to
/// the SDP address.
/// </summary>
internal sealed class SipCallMedia : IMixListener, IDisposable
{
    private readonly byte[] _buffer = new byte[1500];
    private readonly byte[] _codes = new byte[AudioMixerOptions.FrameSamples / NarrowbandResampler.Ratio];
    private readonly Ssrc _ssrc = new((uint)Random.Shared.NextInt64(1, uint.MaxValue));
    private readonly uint _timestampBase = (uint)Random.Shared.NextInt64(0, uint.MaxValue);
    private ushort _seq = (ushort)Random.Shared.Next(0, 0x8000);
    private G711FrameEncoder? _encoder;
    private IPEndPoint _remote;
    private bool _latched;
    private long _lastEvent = -1;
    private readonly byte[] _rtcp = new byte[256];
    private readonly NtpClock _ntp;
    private readonly string _cname = "mediacore-" + SessionIds.New()[..8];
    private long _octets;
    private uint _lastTimestamp;
    private long _lastSentAt;
    private long _nextReportAt;
    private SrtpContext? _inbound;
    private SrtpContext? _outbound;
    private char _previousDigit;
    private long _previousDigitAt;

    public SipCallMedia(SipCall call, MediaRoom room, Socket rtp, Socket rtcp, SipMediaSession session, long nowTicks)
    {
        Call = call;
        Room = room;
        Rtp = rtp;
        Rtcp = rtcp;
        Session = session;
        _remote = session.RemoteRtp;
        LastPacketAt = nowTicks;
        _ntp = new NtpClock(DateTimeOffset.UtcNow, nowTicks);
        _nextReportAt = nowTicks + ReportInterval;
        if (session.Codec != SipAudioCodec.Opus) _encoder = new G711FrameEncoder(session.Law);
        Rekey(session.Srtp);
    }

    /// <summary>SDES-SRTP contexts (RFC 4568 §6.1): the terminal's key unprotects what it sends, ours protects what we send.</summary>
    private void Rekey(SipSrtpKeys? keys)
    {
        _inbound?.Dispose();
        _outbound?.Dispose();
        (_inbound, _outbound) = keys is null ? (null, null) : keys.CreateContexts();
    }

    /// <summary>Datagrams on the RTP port, whatever they carry.</summary>
    public long DatagramsReceived { get; private set; }

    /// <summary>SRTP packets that failed authentication or replay checks (dropped).</summary>
    public long SrtpFailures { get; private set; }

    /// <summary>RTCP sender reports every 5 s (RFC 3550 §6.2's minimum interval), on the audio and the video stream.</summary>
    public static readonly long ReportInterval = 5 * TimeSpan.TicksPerSecond;
    public long ReportsSent { get; private set; }

    public SipCall Call { get; }
    public MediaRoom Room { get; }
    public Socket Rtp { get; }
    public Socket Rtcp { get; }
    public SipMediaSession Session { get; private set; }
    public int Port => ((IPEndPoint)Rtp.LocalEndPoint!).Port;
    public MixParticipant Participant { get; set; } = null!;
    public long LastFrameIndex { get; private set; } = -1;
    public long LastPacketAt { get; private set; }
    public long PacketsReceived { get; private set; }
    public long PacketsSent { get; private set; }
    /// <summary>Muted by the terminal itself (<c>*6</c>): its audio stays out of the mix.</summary>
    public bool SelfMuted { get; private set; }
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    /// <summary>The call's session id in the room's participant list and webhooks (<c>sip-</c> and 128 random bits).</summary>
    public string SessionId { get; } = "sip-" + SessionIds.New();
    /// <summary>
    /// The call as a session: the terminal's site, role speaker, kind publisher (it sends its audio into the room and
    /// hears the mix), so a SIP village site counts for meeting sessions like a browser site.
    /// </summary>
    public SessionInfo Info => new(SessionId, Room.Id, SessionKind.Publisher, Call.Account.ParticipantId, ParticipantRole.Speaker);
    /// <summary>The terminal's audio SSRC (last seen), 0 before its first packet.</summary>
    public uint RemoteSsrc { get; private set; }

    /// <summary>The call's H.264 video (its own port pair), when the terminal offered video we accepted.</summary>
    public SipVideoMedia? Video { get; set; }

    /// <summary>The call's tracks for the room API: the terminal's audio and camera (packets received from it).</summary>
    public IReadOnlyList<TrackDto> Tracks()
    {
        var list = new List<TrackDto>(2)
        {
            new("audio", null, Session.Codec switch { SipAudioCodec.Pcmu => "PCMU", SipAudioCodec.Pcma => "PCMA", _ => "Opus" },
                RemoteSsrc == 0 ? [] : [RemoteSsrc], [], PacketsReceived),
        };
        if (Video?.Producer is { } camera)
            list.Add(new("video", null, "H264", camera.Encodings.Where(e => e.Ssrc != null).Select(e => e.Ssrc!.Value.Value).ToList(), [], camera.PacketsReceived));
        return list;
    }

    /// <summary>Joins the room's mix (caller holds the engine's lock).</summary>
    public void Attach()
    {
        var source = Session.Codec switch { SipAudioCodec.Pcmu => MixSourceCodec.Pcmu, SipAudioCodec.Pcma => MixSourceCodec.Pcma, _ => MixSourceCodec.Opus };
        // A mixer participant of its own per call, so a site's browser and its SIP terminal do not share one.
        Room.Audio.AddListener(this, $"{Call.Account.ParticipantId}/sip-{Call.LocalTag[..6]}", source, pcm: Session.Codec != SipAudioCodec.Opus);
    }

    /// <summary>A re-INVITE's new session (hold/resume, a new address or codec). Caller holds the engine's lock.</summary>
    public void Update(SipMediaSession session)
    {
        bool codecChanged = session.Codec != Session.Codec;
        // A re-INVITE's answer carries a fresh key of ours (RFC 4568 §7.1.4), and the terminal may have changed its own.
        if (!ReferenceEquals(session.Srtp, Session.Srtp)) Rekey(session.Srtp);
        if (!session.RemoteRtp.Equals(Session.RemoteRtp)) { _remote = session.RemoteRtp; _latched = false; }
        Session = session;
        if (codecChanged)
        {
            Room.Audio.RemoveListener(this);
            _encoder = session.Codec != SipAudioCodec.Opus ? new G711FrameEncoder(session.Law) : null;
            Attach();
        }
    }

    /// <summary>Leaves the mix (caller holds the engine's lock).</summary>
    public void Detach() => Room.Audio.RemoveListener(this);

    /// <summary>One datagram on the RTP port (receive loop; takes the engine's lock for the mixer).</summary>
    public char? OnDatagram(long nowTicks, Span<byte> datagram, IPEndPoint from)
    {
        DatagramsReceived++;
        if (_inbound != null)
        {
            if (_inbound.UnprotectRtpInPlace(datagram, out int length) != SrtpResult.Ok) { SrtpFailures++; return null; }
            datagram = datagram[..length];
        }
        if (!RtpPacket.TryParse(datagram, out var packet)) return null;
        LastPacketAt = nowTicks;
        PacketsReceived++;
        if (!_latched || !_remote.Equals(from))
        {
            _remote = new IPEndPoint(from.Address, from.Port);
            _latched = true;
        }
        if (packet.PayloadType == Session.PayloadType)
        {
            RemoteSsrc = packet.Ssrc.Value;
            if (SelfMuted || Session.OnHold) return null;
            lock (Room.Engine.Gate) Room.Audio.OnListenerAudio(nowTicks, Participant, packet.SequenceNumber, packet.Payload);
            return null;
        }
        if (Session.TelephoneEventPayloadType is { } te && packet.PayloadType == te) return OnTelephoneEvent(packet);
        return null;
    }

    // RFC 4733 §2.3: event (8 bits), E|R|volume, duration; one event spans packets with the same timestamp.
    private char? OnTelephoneEvent(in RtpPacket packet)
    {
        var p = packet.Payload;
        if (p.Length < 4) return null;
        long ts = packet.Timestamp.Value;
        if (ts == _lastEvent) return null;
        _lastEvent = ts;
        return p[0] switch
        {
            <= 9 => (char)('0' + p[0]),
            10 => '*',
            11 => '#',
            >= 12 and <= 15 => (char)('A' + p[0] - 12),
            _ => null,
        };
    }

    /// <summary>
    /// Feeds a digit (RTP event or SIP INFO) to the two-key room commands; returns the command completed:
    /// "hand" for <c>*1</c>, "mute" for <c>*6</c> (toggled here), or null.
    /// </summary>
    public string? OnDigit(long nowTicks, char digit)
    {
        bool afterStar = _previousDigit == '*' && nowTicks - _previousDigitAt < 3 * TimeSpan.TicksPerSecond;
        _previousDigit = digit;
        _previousDigitAt = nowTicks;
        if (!afterStar) return null;
        _previousDigit = '\0';
        switch (digit)
        {
            case '1':
                return "hand";
            case '6':
                SelfMuted = !SelfMuted;
                return "mute";
            default:
                return null;
        }
    }

    /// <summary>A mix frame for the terminal (mixer tick, under the engine's lock).</summary>
    public void Send(long nowTicks, in MixFrame frame)
    {
        LastFrameIndex = frame.Index;
        if (Session.OnHold) return; // RFC 3264 §8.4: a held call gets no media
        int pos;
        RtpTimestamp ts;
        if (_encoder != null)
        {
            int samples = _codes.Length;
            if (frame.Pcm.IsEmpty) _codes.AsSpan().Fill(G711.Silence(_encoder.Law));
            else samples = _encoder.Encode(frame.Pcm, _codes);
            ts = new RtpTimestamp(_timestampBase).Add(frame.Index * samples);
            pos = RtpPacketWriter.WriteFixedHeader(_buffer, frame.Marker, Session.PayloadType, _seq, ts, _ssrc, [], hasExtension: false);
            _codes.AsSpan(0, samples).CopyTo(_buffer.AsSpan(pos));
            pos += samples;
        }
        else
        {
            if (frame.Payload.IsEmpty || frame.Payload.Length > _buffer.Length - 12 - 16) return;
            ts = new RtpTimestamp(_timestampBase).Add(frame.Index * AudioMixerOptions.FrameSamples);
            pos = RtpPacketWriter.WriteFixedHeader(_buffer, frame.Marker, Session.PayloadType, _seq, ts, _ssrc, [], hasExtension: false);
            frame.Payload.CopyTo(_buffer.AsSpan(pos));
            pos += frame.Payload.Length;
        }
        int payloadBytes = pos - 12;
        if (_outbound != null && !_outbound.TryProtectRtpInPlace(_buffer, pos, out pos)) return;
        try
        {
            Rtp.SendTo(_buffer.AsSpan(0, pos), SocketFlags.None, _remote);
            _seq++;
            PacketsSent++;
            _octets += payloadBytes;
            _lastTimestamp = ts.Value;
            _lastSentAt = nowTicks;
        }
        catch (SocketException)
        {
            // ICMP port unreachable from a terminal that went away: the media timeout ends the call.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// RFC 3550 §6.4.1 sender reports (compound with SDES CNAME, §6.1) for the audio we send and the program video, to the
    /// RTCP port of each stream (RTP port + 1, §11). Mixer tick, under the engine's lock.
    /// </summary>
    public void MaybeSendReport(long nowTicks)
    {
        if (nowTicks < _nextReportAt) return;
        _nextReportAt = nowTicks + ReportInterval;
        if (Session.OnHold) return;
        ulong ntp = _ntp.ToNtp(nowTicks);
        var to = new IPEndPoint(_remote.Address, _remote.Port + 1);
        if (PacketsSent > 0)
        {
            // The RTP clock runs on between packets: extrapolate from the last one sent.
            var timestamp = new RtpTimestamp(_lastTimestamp).Add((nowTicks - _lastSentAt) * Session.ClockRate / TimeSpan.TicksPerSecond);
            int n = RtcpReports.WriteCompound(_rtcp, _ssrc.Value, new SenderInfo(ntp, timestamp.Value, (uint)PacketsSent, (uint)_octets), [], _cname);
            // SRTCP (RFC 3711 §3.4) when the call is SDES-SRTP.
            if (_outbound == null || _outbound.TryProtectRtcpInPlace(_rtcp, n, out n)) SendRtcp(Rtcp, _rtcp.AsSpan(0, n), to);
        }
        if (Video?.Consumer is { } program && program.TryGetSenderInfo(nowTicks, out var videoTs, out uint packets, out uint octets) && packets > 0)
        {
            int n = RtcpReports.WriteCompound(_rtcp, program.Ssrc.Value, new SenderInfo(ntp, videoTs.Value, packets, octets), [], _cname);
            if (Video.TryProtectRtcp(_rtcp, n, out n)) SendRtcp(Video.Rtcp, _rtcp.AsSpan(0, n), Video.RtcpDestination);
        }
    }

    private void SendRtcp(Socket socket, ReadOnlySpan<byte> data, IPEndPoint to)
    {
        try
        {
            socket.SendTo(data, SocketFlags.None, to);
            ReportsSent++;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        Rtp.Dispose();
        Rtcp.Dispose();
        Video?.Dispose();
        _inbound?.Dispose();
        _outbound?.Dispose();
    }
}
