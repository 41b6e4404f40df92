using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Sip;
using MediaCore.Routing.Audio;
using MediaCore.Server.Mixing;
using MediaCore.Server.Sessions;

namespace MediaCore.Server.Sip;

/// <summary>
/// The media of one SIP call: a plain RTP/AVP audio stream (RFC 3550/3551, no SRTP) on its own UDP port pair.
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
        if (session.Codec != SipAudioCodec.Opus) _encoder = new G711FrameEncoder(session.Law);
        Endpoint = new MediaEndpoint("sip-" + call.LocalTag, call.Account.ParticipantId, MediaEndpoint.Sip, StartedAt);
    }

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
    /// <summary>The terminal as the room directory lists it (kind <c>sip</c>; id = the SIP dialog's local tag).</summary>
    public MediaEndpoint Endpoint { get; }

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
    public char? OnDatagram(long nowTicks, ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
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
        if (_encoder != null)
        {
            int samples = _codes.Length;
            if (frame.Pcm.IsEmpty) _codes.AsSpan().Fill(G711.Silence(_encoder.Law));
            else samples = _encoder.Encode(frame.Pcm, _codes);
            var ts = new RtpTimestamp(_timestampBase).Add(frame.Index * samples);
            pos = RtpPacketWriter.WriteFixedHeader(_buffer, frame.Marker, Session.PayloadType, _seq, ts, _ssrc, [], hasExtension: false);
            _codes.AsSpan(0, samples).CopyTo(_buffer.AsSpan(pos));
            pos += samples;
        }
        else
        {
            if (frame.Payload.IsEmpty || frame.Payload.Length > _buffer.Length - 12) return;
            var ts = new RtpTimestamp(_timestampBase).Add(frame.Index * AudioMixerOptions.FrameSamples);
            pos = RtpPacketWriter.WriteFixedHeader(_buffer, frame.Marker, Session.PayloadType, _seq, ts, _ssrc, [], hasExtension: false);
            frame.Payload.CopyTo(_buffer.AsSpan(pos));
            pos += frame.Payload.Length;
        }
        try
        {
            Rtp.SendTo(_buffer.AsSpan(0, pos), SocketFlags.None, _remote);
            _seq++;
            PacketsSent++;
        }
        catch (SocketException)
        {
            // ICMP port unreachable from a terminal that went away: the media timeout ends the call.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void MaybeSendReport(long nowTicks)
    {
    }

    public void Dispose()
    {
        Rtp.Dispose();
        Rtcp.Dispose();
    }
}
