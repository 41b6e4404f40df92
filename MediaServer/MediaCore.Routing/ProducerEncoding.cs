using MediaCore.Protocol.Core;

namespace MediaCore.Routing;

/// <summary>
/// One encoding of a producer (a simulcast layer, or the only stream): its SSRCs, packet cache, received
/// bitrate and key frame request throttle.
/// </summary>
public sealed class ProducerEncoding
{
    private readonly long _inactiveAfterTicks;
    private SeqNoUnwrapper _unwrapper;
    private BitrateMeter _bitrate;
    private ReceptionStatistics _reception;
    private long _lastKeyFrameRequestAt = long.MinValue;
    private long _lastPacketAt = long.MinValue;

    internal ProducerEncoding(Producer producer, int index, ProducerEncodingOptions options, PacketCache cache, long inactiveAfterTicks,
        NackGenerator? nack)
    {
        Nack = nack;
        Producer = producer;
        Index = index;
        Rid = options.Rid;
        if (options.Ssrc is { } s) Ssrc = new Ssrc(s);
        SsrcSignalled = options.Ssrc != null;
        if (options.RtxSsrc is { } r) RtxSsrc = new Ssrc(r);
        Cache = cache;
        _inactiveAfterTicks = inactiveAfterTicks;
    }

    public Producer Producer { get; }
    /// <summary>Position in the producer's encodings, 0 = lowest quality.</summary>
    public int Index { get; }
    public string? Rid { get; }
    /// <summary>Media SSRC, once signalled or learned.</summary>
    public Ssrc? Ssrc { get; internal set; }
    /// <summary>RTX SSRC, once signalled or learned.</summary>
    public Ssrc? RtxSsrc { get; internal set; }
    internal PacketCache Cache { get; }
    internal NackGenerator? Nack { get; }
    /// <summary>Sequence numbers NACKed to the publisher so far.</summary>
    public long NacksSent { get; private set; }

    public long PacketsReceived { get; private set; }
    public long BytesReceived { get; private set; }
    public long KeyFramesReceived { get; private set; }
    public long KeyFramesRequested { get; private set; }
    /// <summary>Highest extended sequence number received.</summary>
    public SeqNo HighestSequenceNumber { get; private set; }
    /// <summary>Width and height of the last key frame when the codec tells it cheaply (VP8, H264 SPS), else 0.</summary>
    public int FrameWidth { get; internal set; }
    public int FrameHeight { get; internal set; }

    /// <summary>Received bitrate over about the last second.</summary>
    public long GetBitrate(long nowTicks) => _bitrate.GetBitsPerSecond(nowTicks);

    /// <summary>True while packets keep arriving (see <see cref="RouterOptions.EncodingInactiveAfter"/>).</summary>
    public bool IsActive(long nowTicks) => _lastPacketAt != long.MinValue && nowTicks - _lastPacketAt <= _inactiveAfterTicks;

    internal bool SsrcSignalled { get; }

    /// <summary>True once an RTCP sender report (RFC 3550 §6.4.1) arrived for the current stream.</summary>
    public bool HasSenderReport { get; private set; }
    /// <summary>Last sender report's NTP timestamp (64-bit, RFC 3550 §4) and matching RTP timestamp.</summary>
    public ulong SenderReportNtp { get; private set; }
    public uint SenderReportRtpTimestamp { get; private set; }

    internal void OnSenderReport(ulong ntp, uint rtpTimestamp)
    {
        HasSenderReport = true;
        SenderReportNtp = ntp;
        SenderReportRtpTimestamp = rtpTimestamp;
    }

    /// <summary>
    /// Maps <paramref name="rtpTimestamp"/> of this stream to the wallclock (NTP seconds) of its capture,
    /// using the last sender report; false without one.
    /// </summary>
    internal bool TryGetCaptureTime(uint rtpTimestamp, out double ntpSeconds)
    {
        ntpSeconds = 0;
        if (!HasSenderReport || Producer.ClockRate == 0) return false;
        ntpSeconds = NtpToSeconds(SenderReportNtp) + (int)(rtpTimestamp - SenderReportRtpTimestamp) / (double)Producer.ClockRate;
        return true;
    }

    /// <summary>The RTP timestamp this stream had (or would have) at wallclock <paramref name="ntpSeconds"/>.</summary>
    internal bool TryGetRtpTimestampAt(double ntpSeconds, out uint rtpTimestamp)
    {
        rtpTimestamp = 0;
        if (!HasSenderReport) return false;
        double delta = (ntpSeconds - NtpToSeconds(SenderReportNtp)) * Producer.ClockRate;
        if (Math.Abs(delta) > int.MaxValue) return false;
        rtpTimestamp = SenderReportRtpTimestamp + (uint)(int)Math.Round(delta);
        return true;
    }

    private static double NtpToSeconds(ulong ntp) => (ntp >> 32) + (uint)ntp / 4294967296.0;
    /// <summary>Bumped when the stream restarts under a new SSRC: consumers then re-sync at a key frame.</summary>
    internal int Generation { get; private set; }

    /// <summary>
    /// A plain-RTP sender (ffmpeg, a hardware terminal) that restarts picks a new SSRC and sequence space:
    /// adopt it once the old stream has gone quiet (RFC 3550 §8.2 treats it as a new source).
    /// </summary>
    internal void Restart(Ssrc ssrc)
    {
        Ssrc = ssrc;
        RtxSsrc = null;
        _unwrapper = default;
        _reception = default;
        HighestSequenceNumber = default;
        Cache.Clear();
        Nack?.Reset();
        HasSenderReport = false;
        Generation++;
    }

    internal SeqNo Unwrap(ushort seq) => _unwrapper.Unwrap(seq);
    internal SeqNo PeekUnwrap(ushort seq) => _unwrapper.Peek(seq);

    /// <summary>When the current run of packets began (after inactivity); bitrate is reliable a second later.</summary>
    public long ActiveSince { get; private set; }

    /// <summary>
    /// RTCP reception report values for this encoding's media SSRC (RFC 3550 §6.4.1); each call starts a new
    /// fraction-lost interval, so call it once per receiver report.
    /// </summary>
    public ReceptionReport TakeReceptionReport() => _reception.TakeReport();

    internal void OnPacket(long nowTicks, SeqNo seq, uint rtpTimestamp, int bytes, bool keyFrame, bool repaired)
    {
        _reception.OnPacket(nowTicks, seq, rtpTimestamp, Producer.ClockRate, inOrder: !repaired && seq > HighestSequenceNumber);
        if (!IsActive(nowTicks)) ActiveSince = nowTicks;
        PacketsReceived++;
        BytesReceived += bytes;
        if (keyFrame) KeyFramesReceived++;
        if (seq > HighestSequenceNumber) HighestSequenceNumber = seq;
        _bitrate.Add(nowTicks, bytes);
        _lastPacketAt = nowTicks;
    }

    /// <summary>Feeds loss detection and sends the NACKs that are due.</summary>
    internal void DetectLoss(long nowTicks, SeqNo seq, long keyFrameIntervalTicks)
    {
        if (Nack == null || Producer.RetransmissionRequester is not { } requester || Ssrc is not { } ssrc) return;
        if (!Nack.OnPacket(nowTicks, seq)) RequestKeyFrame(nowTicks, keyFrameIntervalTicks);
        if (Nack.MissingCount == 0) return;
        Span<ushort> due = stackalloc ushort[64];
        int n = Nack.CollectDue(nowTicks, Producer.RoundTripTime.Ticks, due);
        if (n == 0) return;
        NacksSent += n;
        requester.RequestRetransmission(Producer, ssrc, due[..n]);
    }

    /// <summary>Asks the publisher for a key frame unless one was asked for within the throttle interval.</summary>
    internal bool RequestKeyFrame(long nowTicks, long intervalTicks)
    {
        if (_lastKeyFrameRequestAt != long.MinValue && nowTicks - _lastKeyFrameRequestAt < intervalTicks) return false;
        var requester = Producer.KeyFrameRequester;
        if (requester == null || Ssrc is not { } ssrc) return false;
        _lastKeyFrameRequestAt = nowTicks;
        KeyFramesRequested++;
        requester.RequestKeyFrame(Producer, ssrc);
        return true;
    }
}
