using System.Buffers.Binary;
using MediaCore.LoadTest.Media;
using MediaCore.LoadTest.Net;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Transport;
using RtpExtensionUris = MediaCore.Protocol.Sdp.RtpExtensionUris;

namespace MediaCore.LoadTest.Peers;

/// <summary>
/// A WHIP publisher: sends the cached VP8 clip (RFC 7741 packetization, picture ids, 30 fps) and Opus
/// (20 ms frames) in real time, answers NACK with RTX (RFC 4588) from a packet history, jumps to the next
/// key frame on PLI (a pre-encoded stream's way to honour RFC 4585 §6.3.1), and sends sender reports.
/// </summary>
internal sealed class PublisherPeer : Peer
{
    private const int MaxPayload = 1100;
    private const int History = 1024;
    private static readonly long VideoInterval = TimeSpan.TicksPerSecond / MediaClip.VideoFps;
    private static readonly long AudioInterval = MediaTime.FromMilliseconds(MediaClip.AudioFrameMs);

    private readonly MediaClip _clip;
    private readonly SendClock? _sendClock;
    private readonly bool _sendVideo;
    private readonly uint _audioSsrc, _videoSsrc, _rtxSsrc;
    private readonly byte[] _packet = new byte[1500 + Spare];
    private readonly byte[][] _history = new byte[History][];
    private readonly int[] _historyLength = new int[History];
    private readonly ushort[] _historySeq = new ushort[History];
    private readonly NtpClock _ntp;
    private byte _opusPt, _vp8Pt, _rtxPt;
    private int _midId, _absId, _twccId, _levelId;
    private string _audioMid = "0", _videoMid = "1";
    private ushort _audioSeq, _videoSeq, _rtxSeq, _twccSeq;
    private uint _audioTs, _videoTs;
    private uint _audioPackets, _audioOctets, _videoPackets, _videoOctets;
    private int _videoIndex, _audioIndex;
    private ushort _pictureId;
    private long _nextVideo = long.MaxValue, _nextAudio = long.MaxValue;

    public PublisherPeer(Worker worker, SiteStats stats, DtlsCertificate certificate, MediaClip clip, SendClock? sendClock, bool sendVideo)
        : base(worker, stats, certificate)
    {
        _clip = clip;
        _sendClock = sendClock;
        _sendVideo = sendVideo;
        _audioSsrc = Ssrc;
        _videoSsrc = (uint)Random.Shared.Next(1, int.MaxValue);
        _rtxSsrc = (uint)Random.Shared.Next(1, int.MaxValue);
        _audioTs = (uint)Random.Shared.Next();
        _videoTs = (uint)Random.Shared.Next();
        _pictureId = (ushort)Random.Shared.Next(0, 0x7FFF);
        _ntp = new NtpClock(DateTimeOffset.UtcNow, worker.NowTicks);
        for (int i = 0; i < History; i++) _history[i] = new byte[1500 + Spare];
    }

    protected override string Kind => "whip";

    /// <summary>Whether this publisher sends video (a room's main publisher) or only its audio.</summary>
    public bool SendsVideo => _sendVideo;

    protected override OfferOptions BuildOffer(IceCredentials ice, MediaCore.Protocol.Dtls.DtlsFingerprint fingerprint, IceCandidate candidate) => new()
    {
        IceUfrag = ice.Ufrag,
        IcePwd = ice.Password,
        Fingerprint = fingerprint,
        Candidates = [candidate],
        Direction = MediaDirection.SendOnly,
        VideoSections = _sendVideo ? 1 : 0,
        VideoCodecs = [SdpCodec.VP8],
        AudioStream = new SendStream(new Ssrc(_audioSsrc), null, "loadtest", "site", "audio"),
        VideoStream = new SendStream(new Ssrc(_videoSsrc), new Ssrc(_rtxSsrc), "loadtest", "site", "video"),
        SessionId = (ulong)Random.Shared.NextInt64(1, long.MaxValue),
    };

    protected override void OnNegotiated(NegotiatedSession session)
    {
        foreach (var m in session.Media)
        {
            if (m.Rejected || m.Codecs.Count == 0) continue;
            if (m.Kind == MediaKind.Audio)
            {
                _opusPt = m.Codecs[0].PayloadType.Value;
                _audioMid = m.Mid;
                _levelId = m.ExtensionId(RtpExtensionUris.AudioLevel);
            }
            else
            {
                _vp8Pt = m.Codecs[0].PayloadType.Value;
                _rtxPt = m.Codecs[0].RtxPayloadType?.Value ?? 0;
                _videoMid = m.Mid;
            }
            _midId = m.ExtensionId(RtpExtensionUris.Mid);
            _absId = m.ExtensionId(RtpExtensionUris.AbsSendTime);
            _twccId = m.ExtensionId(RtpExtensionUris.TransportWideCc);
        }
    }

    protected override void OnMediaReady(long nowTicks)
    {
        _nextAudio = nowTicks;
        if (_sendVideo && _vp8Pt != 0) _nextVideo = nowTicks;
    }

    protected override long NextDue() => Math.Min(_nextVideo, _nextAudio);

    protected override void OnTick(long nowTicks)
    {
        // A worker that fell far behind skips frames rather than bursting them, as a capture device does: the skipped
        // frames' time passes (RTP timestamps and the clip move on by it), so what is sent stays on the wall clock and
        // audio stays on video (a stretched stream would put the flash-and-beep clip's sound late). Picture ids stay
        // consecutive: a skipped frame was never sent, not lost.
        if (nowTicks - _nextAudio > 10 * AudioInterval)
        {
            long skipped = (nowTicks - _nextAudio) / AudioInterval;
            _nextAudio += skipped * AudioInterval;
            _audioTs += (uint)(skipped * 48 * MediaClip.AudioFrameMs);
            _audioIndex = (int)((_audioIndex + skipped) % (_sendClock != null ? _clip.Audio : _clip.OtherAudio).Length);
            Stats.FramesSkipped += skipped;
        }
        if (nowTicks - _nextVideo > 10 * VideoInterval)
        {
            long skipped = (nowTicks - _nextVideo) / VideoInterval;
            _nextVideo += skipped * VideoInterval;
            _videoTs += (uint)(skipped * (90000 / MediaClip.VideoFps));
            _videoIndex = (int)((_videoIndex + skipped) % _clip.Video.Length);
            Stats.FramesSkipped += skipped;
        }
        while (nowTicks >= _nextAudio)
        {
            SendAudio(nowTicks);
            _nextAudio += AudioInterval;
        }
        while (nowTicks >= _nextVideo)
        {
            SendVideo(nowTicks);
            _nextVideo += VideoInterval;
        }
    }

    private void SendAudio(long nowTicks)
    {
        // The room's main publisher sends the indexed clip; sites publishing their own audio send the other one.
        var audio = _sendClock != null ? _clip.Audio : _clip.OtherAudio;
        var frame = audio[_audioIndex];
        _sendClock?.AudioSent(_audioIndex, nowTicks);
        if (Stats.FirstAudioSentTicks == 0) Stats.FirstAudioSentTicks = nowTicks;
        Stats.LastAudioSentTicks = nowTicks;
        _audioIndex = (_audioIndex + 1) % audio.Length;
        int length = WritePacket(_packet, nowTicks, _opusPt, _audioSeq++, _audioTs, _audioSsrc, marker: false, _audioMid,
            audioLevel: true, ReadOnlySpan<byte>.Empty, frame);
        _audioTs += 48 * MediaClip.AudioFrameMs;
        _audioPackets++;
        _audioOctets += (uint)frame.Length;
        if (Transport!.SendRtp(_packet, length)) Stats.PacketsSent++;
    }

    private void SendVideo(long nowTicks)
    {
        var frame = _clip.Video[_videoIndex];
        _sendClock?.VideoSent(_videoIndex, nowTicks);
        if (Stats.FirstVideoSentTicks == 0) Stats.FirstVideoSentTicks = nowTicks;
        Stats.LastVideoSentTicks = nowTicks;
        _videoIndex = (_videoIndex + 1) % _clip.Video.Length;
        _pictureId = (ushort)((_pictureId + 1) & 0x7FFF);
        Span<byte> descriptor = stackalloc byte[4];
        int offset = 0;
        var data = frame.Data;
        while (offset < data.Length)
        {
            int chunk = Math.Min(MaxPayload, data.Length - offset);
            // RFC 7741 §4.2: X=1, S=1 on the first packet of the frame, PID=0; I=1; M=1 + 15-bit PictureID.
            descriptor[0] = (byte)(0x80 | (offset == 0 ? 0x10 : 0));
            descriptor[1] = 0x80;
            descriptor[2] = (byte)(0x80 | (_pictureId >> 8));
            descriptor[3] = (byte)_pictureId;
            bool last = offset + chunk == data.Length;
            ushort seq = _videoSeq++;
            int length = WritePacket(_packet, nowTicks, _vp8Pt, seq, _videoTs, _videoSsrc, last, _videoMid, audioLevel: false,
                descriptor, data.AsSpan(offset, chunk));
            int slot = seq % History;
            _packet.AsSpan(0, length).CopyTo(_history[slot]);
            _historyLength[slot] = length;
            _historySeq[slot] = seq;
            _videoPackets++;
            _videoOctets += (uint)(chunk + 4);
            if (Transport!.SendRtp(_packet, length)) Stats.PacketsSent++;
            offset += chunk;
        }
        _videoTs += 90000 / MediaClip.VideoFps;
    }

    private int WritePacket(Span<byte> buffer, long nowTicks, byte pt, ushort seq, uint ts, uint ssrc, bool marker, string mid,
        bool audioLevel, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload)
    {
        bool ext = _midId != 0 || _absId != 0 || _twccId != 0;
        int pos = RtpPacketWriter.WriteFixedHeader(buffer, marker, new PayloadType(pt), seq, new RtpTimestamp(ts), new Ssrc(ssrc),
            ReadOnlySpan<uint>.Empty, hasExtension: ext);
        if (ext)
        {
            var w = new RtpExtensionWriter(buffer[pos..], twoByte: false);
            Span<byte> value = stackalloc byte[3];
            if (_midId != 0)
            {
                Span<byte> midBytes = stackalloc byte[8];
                int n = System.Text.Encoding.ASCII.GetBytes(mid, midBytes);
                w.TryAdd(_midId, midBytes[..n]);
            }
            if (_absId != 0)
            {
                RtpExtensionValues.WriteAbsSendTime(value, RtpExtensionValues.AbsSendTimeFromTicks(nowTicks));
                w.TryAdd(_absId, value);
            }
            if (_twccId != 0)
            {
                RtpExtensionValues.WriteTransportWideSeq(value, _twccSeq++);
                w.TryAdd(_twccId, value[..2]);
            }
            if (audioLevel && _levelId != 0)
            {
                value[0] = RtpExtensionValues.EncodeAudioLevel(true, 30);
                w.TryAdd(_levelId, value[..1]);
            }
            pos += w.Finish();
        }
        prefix.CopyTo(buffer[pos..]);
        pos += prefix.Length;
        payload.CopyTo(buffer[pos..]);
        return pos + payload.Length;
    }

    /// <summary>The RTP time at <paramref name="nowTicks"/> of a stream whose next frame, <paramref name="nextTs"/>, is due at <paramref name="nextDue"/>.</summary>
    internal static uint RtpNow(uint nextTs, long nextDue, long nowTicks, int clockRate)
    {
        if (nextDue == long.MaxValue) return nextTs;
        long ahead = Math.Max(0, nextDue - nowTicks) * clockRate / TimeSpan.TicksPerSecond;
        return unchecked(nextTs - (uint)ahead);
    }

    /// <summary>A WHIP publisher receives no media.</summary>
    public override void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> packet) { }

    protected override void OnRtcpPacket(long nowTicks, in RtcpPacket packet)
    {
        if (packet.PacketType == RtcpPacketType.TransportFeedback && packet.Format == RtcpFeedbackFormat.GenericNack)
        {
            if (!GenericNack.TryParse(packet.Raw, out var nack)) return;
            Stats.NacksReceived++;
            foreach (ushort seq in nack) Retransmit(seq);
        }
        else if (packet.PacketType == RtcpPacketType.PayloadFeedback &&
                 packet.Format is RtcpFeedbackFormat.PictureLossIndication or RtcpFeedbackFormat.FullIntraRequest)
        {
            Stats.PlisReceived++;
            // The flash-and-beep clip keeps its picture on its sound (a jump would move every later flash off its beep):
            // it answers a PLI with its next regular key frame (one a second), as an encoder with a fixed GOP would.
            if (!(_clip.IsFlashBeep && _sendClock != null)) _videoIndex = _clip.NextKeyFrame(_videoIndex);
        }
    }

    private void Retransmit(ushort seq)
    {
        int slot = seq % History;
        if (_rtxPt == 0 || _historySeq[slot] != seq || _historyLength[slot] == 0) return;
        int length = RtxPacket.Wrap(_history[slot].AsSpan(0, _historyLength[slot]), _packet, new PayloadType(_rtxPt), new Ssrc(_rtxSsrc), _rtxSeq++);
        Transport!.SendRtp(_packet, length);
    }

    /// <summary>
    /// RFC 3550 §6.4.1: one SR per SSRC so receivers can map RTP time to wall-clock time. The RTP timestamp is the stream's
    /// at this instant: the next frame's timestamp is due at its send time, so now is that minus the time still to go
    /// (each frame's timestamp is its scheduled send time, its capture time here). Receivers that line up audio and video
    /// by these reports (the recorder) then see them exactly as the clip has them.
    /// </summary>
    protected override void OnReport(long nowTicks)
    {
        ulong ntp = _ntp.ToNtp(nowTicks);
        var sr = new SenderReportWriter(_audioSsrc, new SenderInfo(ntp, RtpNow(_audioTs, _nextAudio, nowTicks, 48_000), _audioPackets, _audioOctets));
        SendRtcp(sr.WriteTo(RtcpBuffer));
        if (_vp8Pt != 0 && _sendVideo)
        {
            var v = new SenderReportWriter(_videoSsrc, new SenderInfo(ntp, RtpNow(_videoTs, _nextVideo, nowTicks, 90_000), _videoPackets, _videoOctets));
            SendRtcp(v.WriteTo(RtcpBuffer));
        }
    }
}
