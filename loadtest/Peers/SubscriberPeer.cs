using MediaCore.LoadTest.Media;
using MediaCore.LoadTest.Net;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Feedback;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Transport;

namespace MediaCore.LoadTest.Peers;

/// <summary>
/// A WHEP subscriber: receives the room's program (Opus + VP8), keeps RFC 3550 reception statistics
/// (loss, jitter), NACKs lost video packets and counts the RTX that fill them (RFC 4585 §6.2.1, RFC 4588),
/// asks for a key frame by PLI until one arrives, sends receiver reports and a REMB, and measures the
/// end-to-end delay of each recognised frame against its publisher's send time (same clock, loopback).
/// </summary>
internal sealed class SubscriberPeer : Peer
{
    private static readonly long PliRetry = MediaTime.FromMilliseconds(1000);

    private readonly FrameIndex _frames;
    private readonly Func<SendClock?> _sendClock;
    private readonly Dictionary<uint, ReceiveStatistics> _stats = [];
    private NackGenerator? _nack;
    private uint _videoSsrc, _rtxSsrc, _audioSsrc;
    private byte _vp8Pt, _rtxPt, _opusPt;
    private long _nextPli = long.MaxValue;
    private readonly ReceivedWindow _videoWindow = new();

    public SubscriberPeer(Worker worker, SiteStats stats, DtlsCertificate certificate, FrameIndex frames, Func<SendClock?> sendClock)
        : base(worker, stats, certificate)
    {
        _frames = frames;
        _sendClock = sendClock;
    }

    protected override string Kind => "whep";

    protected override OfferOptions BuildOffer(IceCredentials ice, MediaCore.Protocol.Dtls.DtlsFingerprint fingerprint, IceCandidate candidate) => new()
    {
        IceUfrag = ice.Ufrag,
        IcePwd = ice.Password,
        Fingerprint = fingerprint,
        Candidates = [candidate],
        Direction = MediaDirection.RecvOnly,
        VideoCodecs = [SdpCodec.VP8],
        SessionId = (ulong)Random.Shared.NextInt64(1, long.MaxValue),
    };

    protected override void OnNegotiated(NegotiatedSession session)
    {
        foreach (var m in session.Media)
        {
            if (m.Rejected || m.Codecs.Count == 0) continue;
            var source = m.RemoteSources.Count > 0 ? m.RemoteSources[0] : null;
            if (m.Kind == MediaKind.Audio)
            {
                _opusPt = m.Codecs[0].PayloadType.Value;
                _audioSsrc = source?.Ssrc.Value ?? 0;
            }
            else
            {
                _vp8Pt = m.Codecs[0].PayloadType.Value;
                _rtxPt = m.Codecs[0].RtxPayloadType?.Value ?? 0;
                _videoSsrc = source?.Ssrc.Value ?? 0;
                _rtxSsrc = source?.RtxSsrc?.Value ?? 0;
            }
        }
        if (_videoSsrc != 0) _nack = new NackGenerator(Ssrc, _videoSsrc);
    }

    protected override void OnMediaReady(long nowTicks)
    {
        // The server asks the publisher for a key frame on connect; ask again if none comes within a second.
        if (_videoSsrc != 0) _nextPli = nowTicks + PliRetry;
    }

    public override void OnRtp(WebRtcTransport transport, long nowTicks, Span<byte> datagram)
    {
        if (!RtpPacket.TryParse(datagram, out var packet)) return;
        uint ssrc = packet.Ssrc.Value;
        if (ssrc == _rtxSsrc && _rtxSsrc != 0)
        {
            Stats.RtxReceived++;
            if (RtxPacket.TryReadOriginalSequenceNumber(packet, out ushort osn))
            {
                _nack?.OnPacket(nowTicks, osn);
                if (_videoWindow.MarkRecovered(osn)) Stats.RtxRecovered++;
            }
            return;
        }
        bool video = ssrc == _videoSsrc;
        if (!video && ssrc != _audioSsrc) return;
        if (Stats.FirstMediaAtTicks == 0) Stats.FirstMediaAtTicks = nowTicks;
        Stats.PacketsReceived++;
        if (!_stats.TryGetValue(ssrc, out var rs))
        {
            rs = new ReceiveStatistics(ssrc, video ? 90000 : 48000);
            _stats[ssrc] = rs;
        }
        rs.OnPacket(nowTicks, packet.SequenceNumber, packet.Timestamp.Value);
        var payload = packet.Payload;
        var clock = _sendClock();
        if (video)
        {
            _nack?.OnPacket(nowTicks, packet.SequenceNumber);
            _videoWindow.MarkReceived(packet.SequenceNumber);
            if (Vp8Start(payload, out int descriptorLength))
            {
                var frame = payload[descriptorLength..];
                if (frame.Length > 0 && (frame[0] & 1) == 0 && Stats.FirstKeyFrameAtTicks == 0)
                {
                    Stats.FirstKeyFrameAtTicks = nowTicks;
                    _nextPli = long.MaxValue;
                }
                if (clock != null && _frames.TryFindVideo(frame, out int index)) AddDelay(nowTicks, clock.VideoSentAt(index));
            }
        }
        else if (clock != null && _frames.TryFindAudio(payload, out int index))
        {
            AddDelay(nowTicks, clock.AudioSentAt(index));
        }
    }

    private void AddDelay(long nowTicks, long sentTicks)
    {
        if (sentTicks <= 0 || sentTicks > nowTicks) return;
        double ms = (nowTicks - sentTicks) / (double)TimeSpan.TicksPerMillisecond;
        // A match older than a second is the same frame of an earlier loop of the clip: no measurement.
        if (ms < 1000) Stats.AddDelay(ms);
    }

    /// <summary>RFC 7741 §4.2: the start of a frame is S=1 with partition index 0; returns the descriptor length.</summary>
    private static bool Vp8Start(ReadOnlySpan<byte> payload, out int length)
    {
        length = 0;
        if (payload.Length < 1) return false;
        byte b0 = payload[0];
        int pos = 1;
        if ((b0 & 0x80) != 0)
        {
            if (payload.Length < 2) return false;
            byte x = payload[1];
            pos = 2;
            if ((x & 0x80) != 0) pos += payload.Length > pos && (payload[pos] & 0x80) != 0 ? 2 : 1;
            if ((x & 0x40) != 0) pos++;
            if ((x & 0x30) != 0) pos++;
        }
        length = pos;
        return (b0 & 0x10) != 0 && (b0 & 0x07) == 0 && pos <= payload.Length;
    }

    protected override long NextDue() => Math.Min(_nextPli, _nack?.PollTimeout() ?? long.MaxValue);

    protected override void OnTick(long nowTicks)
    {
        if (_nack != null)
        {
            _nack.HandleTimeout(nowTicks);
            while (_nack.TryPollNack(RtcpBuffer, out int n))
            {
                SendRtcp(n);
                Stats.NacksSent++;
            }
            if (_nack.TryPollKeyFrameRequest()) SendPli();
        }
        if (nowTicks >= _nextPli)
        {
            _nextPli = nowTicks + PliRetry;
            SendPli();
        }
    }

    private void SendPli()
    {
        var pli = new PictureLossIndication(Ssrc, _videoSsrc);
        SendRtcp(pli.WriteTo(RtcpBuffer));
        Stats.PlisSent++;
    }

    protected override void OnRtcpPacket(long nowTicks, in RtcpPacket packet)
    {
        if (packet.PacketType == RtcpPacketType.SenderReport && SenderReport.TryParse(packet.Raw, out var sr)
            && _stats.TryGetValue(sr.Ssrc, out var rs))
        {
            rs.OnSenderReport(nowTicks, sr.NtpTimestamp);
        }
    }

    /// <summary>Once a second: RR (RFC 3550 §6.4.2) for each source, a REMB so the server never thins the stream, and the stats.</summary>
    protected override void OnReport(long nowTicks)
    {
        Span<ReportBlock> blocks = stackalloc ReportBlock[2];
        int count = 0;
        long expected = 0;
        foreach (var rs in _stats.Values)
        {
            if (count < blocks.Length && rs.TryCreateReportBlock(nowTicks, out var block)) blocks[count++] = block;
            expected += rs.CumulativeLost + rs.PacketsReceived;
            if (rs.Ssrc == _videoSsrc || _videoSsrc == 0)
            {
                double jitter = rs.Jitter * 1000.0 / (rs.Ssrc == _videoSsrc ? 90000 : 48000);
                Stats.JitterMs = jitter;
                if (jitter > Stats.MaxJitterMs) Stats.MaxJitterMs = jitter;
            }
        }
        Stats.PacketsExpected = expected;
        if (count > 0)
        {
            var rr = new ReceiverReportWriter(Ssrc, blocks[..count]);
            SendRtcp(rr.WriteTo(RtcpBuffer));
        }
        if (_videoSsrc != 0)
        {
            Span<uint> ssrcs = [_videoSsrc];
            var remb = new RembWriter(Ssrc, 10_000_000, ssrcs);
            SendRtcp(remb.WriteTo(RtcpBuffer));
        }
    }
}

/// <summary>
/// Which of the last 4096 video sequence numbers arrived, so a retransmission counts as a recovery only
/// when the original never came (RFC 4588 §8.3: a receiver may get both) and late RTX still counts.
/// </summary>
internal sealed class ReceivedWindow
{
    private const int Size = 4096;
    private readonly long[] _seen = new long[Size];
    private long _highest = -1;

    public void MarkReceived(ushort seq) => Mark(seq);

    /// <summary>True when <paramref name="osn"/> was missing (a real recovery), false for a duplicate or one too old.</summary>
    public bool MarkRecovered(ushort osn) => Mark(osn);

    private bool Mark(ushort seq)
    {
        long ext = _highest < 0 ? seq : _highest + (short)(ushort)(seq - (ushort)_highest);
        if (_highest >= 0 && ext <= _highest - Size) return false;
        if (ext > _highest) _highest = ext;
        int slot = (int)(ext & (Size - 1));
        if (_seen[slot] == ext + 1) return false;
        _seen[slot] = ext + 1;
        return true;
    }
}
