using System.Diagnostics.CodeAnalysis;
using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Transport;
using MediaCore.Routing.Audio;
using MediaCore.Server.Sessions;
using RtpExtensionUris = MediaCore.Protocol.Rtp.RtpExtensionUris;

namespace MediaCore.Server.Mixing;

/// <summary>
/// One WHEP session's mixed audio track: the negotiated SSRC, payload type and header extensions of its
/// audio m-line, and its own RTP sequence and timestamp spaces (RFC 3550 §5.1: random initial values).
/// Writes each mix frame as an RTP packet into its own buffer and hands it to the session's transport,
/// which SRTP-protects it in place and sends it. Sends an RTCP sender report for the track every second
/// (RFC 3550 §6.4.1), as the forwarding consumers do.
/// </summary>
internal sealed class MixReceiver : IMixListener
{
    private const int SamplesPerFrame = AudioMixerOptions.FrameSamples;
    private static readonly long ReportInterval = TimeSpan.FromSeconds(1).Ticks;

    private readonly byte[] _buffer = new byte[1500 + WebRtcTransport.MaxProtectOverhead];
    private readonly byte[] _mid;
    private readonly int _midId;
    private readonly int _levelId;
    private readonly PayloadType _payloadType;
    private readonly Ssrc _ssrc;
    private readonly uint _timestampBase = (uint)Random.Shared.NextInt64(0, uint.MaxValue);
    private ushort _seq = (ushort)Random.Shared.Next(0, 0x8000);
    private readonly NtpClock _ntp;
    private long _octets;
    private uint _lastTimestamp;
    private long _lastSentAt;
    private long _nextReportAt;

    private readonly AudioMixingHub _hub;

    private MixReceiver(SubscriberSession session, NegotiatedMedia media, NegotiatedCodec codec, long nowTicks, AudioMixingHub hub)
    {
        Session = session;
        _hub = hub;
        _ntp = new NtpClock(DateTimeOffset.UtcNow, nowTicks);
        _nextReportAt = nowTicks + ReportInterval;
        _ssrc = media.LocalSend!.Ssrc;
        _payloadType = codec.PayloadType;
        _midId = media.ExtensionId(RtpExtensionUris.Mid);
        _levelId = media.ExtensionId(RtpExtensionUris.AudioLevel);
        _mid = Encoding.ASCII.GetBytes(media.Mid);
        if (_midId is < 1 or > 14 || _mid.Length is < 1 or > 16) _midId = 0;
        if (_levelId is < 1 or > 14) _levelId = 0;
    }

    public SubscriberSession Session { get; }
    public MixParticipant Participant { get; set; } = null!;
    /// <summary>The last frame sent (so the shared frame skips receivers that got their N-1 frame).</summary>
    public long LastFrameIndex { get; private set; } = -1;
    public long PacketsSent { get; private set; }

    /// <summary>Finds the session's first sending Opus audio m-line.</summary>
    public static bool TryCreate(SubscriberSession session, AudioMixingHub hub, long nowTicks, [NotNullWhen(true)] out MixReceiver? receiver, out string? why)
    {
        receiver = null;
        foreach (var m in session.Negotiated.Media)
        {
            if (m.Rejected || m.Kind != MediaKind.Audio || m.LocalSend == null) continue;
            foreach (var c in m.Codecs)
            {
                if (c.Codec != SdpCodec.Opus) continue;
                receiver = new MixReceiver(session, m, c, nowTicks, hub);
                why = null;
                return true;
            }
        }
        why = "no audio m-line with Opus that we send on";
        return false;
    }

    /// <summary>One frame as RTP: one-byte extensions (RFC 8285 §4.2) mid and the mix's audio level (RFC 6464).</summary>
    public void Send(long nowTicks, in MixFrame frame)
    {
        LastFrameIndex = frame.Index;
        var buffer = _buffer.AsSpan(0, _buffer.Length - WebRtcTransport.MaxProtectOverhead);
        bool hasExtension = _midId != 0 || _levelId != 0;
        var timestamp = new RtpTimestamp(_timestampBase).Add(frame.Index * SamplesPerFrame);
        int pos = RtpPacketWriter.WriteFixedHeader(buffer, frame.Marker, _payloadType, _seq, timestamp, _ssrc, [], hasExtension);
        if (hasExtension)
        {
            var ext = new RtpExtensionWriter(buffer[pos..], twoByte: false);
            if (_midId != 0) ext.TryAdd(_midId, _mid);
            if (_levelId != 0) ext.Reserve(_levelId, 1)[0] = RtpExtensionValues.EncodeAudioLevel(!frame.IsSilence, frame.AudioLevel);
            pos += ext.Finish();
        }
        if (pos + frame.Payload.Length > buffer.Length) return;
        frame.Payload.CopyTo(buffer[pos..]);
        pos += frame.Payload.Length;
        if (Session.Transport.SendRtp(_buffer, pos))
        {
            _seq++;
            PacketsSent++;
            _octets += frame.Payload.Length;
            _hub.CountSent(pos);
            _lastTimestamp = timestamp.Value;
            _lastSentAt = nowTicks;
        }
    }

    /// <summary>RFC 3550 §6.4.1 sender report, once a second after the first packet.</summary>
    public void MaybeSendReport(long nowTicks)
    {
        if (nowTicks < _nextReportAt || PacketsSent == 0) return;
        _nextReportAt = nowTicks + ReportInterval;
        // The RTP clock runs on while the mix is silent (DTX): extrapolate from the last packet.
        var timestamp = new RtpTimestamp(_lastTimestamp).Add((nowTicks - _lastSentAt) * 48_000 / TimeSpan.TicksPerSecond);
        var sr = new SenderReportWriter(_ssrc.Value, new SenderInfo(_ntp.ToNtp(nowTicks), timestamp.Value, (uint)PacketsSent, (uint)_octets));
        var buffer = _buffer.AsSpan(0, _buffer.Length - WebRtcTransport.MaxProtectOverhead);
        int n = sr.WriteTo(buffer);
        Session.Transport.SendRtcp(_buffer, n);
    }
}
