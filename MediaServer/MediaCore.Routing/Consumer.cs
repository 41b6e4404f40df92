using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing;

/// <summary>Counters of one consumer, for metrics.</summary>
public readonly record struct ConsumerStats(
    long PacketsSent,
    long BytesSent,
    long PacketsRetransmitted,
    long BytesRetransmitted,
    long NackedPackets,
    long NackMisses,
    long KeyFramesRequested,
    long SourceSwitches,
    long PacketsDropped,
    long PaddingSkipped,
    long RetransmissionsSuppressed = 0);

/// <summary>
/// A subscription: forwards one source producer's packets to one subscriber with the consumer's own SSRC,
/// payload type, sequence number, timestamp and VP8 picture id spaces. Switching the source producer or
/// the simulcast encoding is seamless for the receiver: sequence numbers stay contiguous, timestamps keep
/// increasing by the elapsed time, picture ids continue, and the switch happens only on a key frame of the
/// new source (which is requested, throttled per producer encoding). Not thread-safe: driven by its router.
/// </summary>
public partial class Consumer
{
    private const int MaxSegments = 8;
    private static readonly long ReselectIntervalTicks = TimeSpan.FromMilliseconds(250).Ticks;

    private readonly IRtpSink _sink;
    private readonly RtpExtensionMap _extensions;
    private readonly byte[] _midBytes;
    private readonly bool _twoByteExtensions;
    private readonly bool _needsKeyFrame;
    private readonly int _midId, _absSendTimeId, _transportWideCcId, _audioLevelId, _videoOrientationId, _playoutDelayId;

    private Producer? _source;
    private ProducerEncoding? _current;
    private ProducerEncoding? _target;
    private int _currentGeneration;
    private Producer? _subscribedA;
    private Producer? _subscribedB;
    private long _nextReselectAt = long.MinValue;
    private bool _resuming;

    // Output state (what the receiver has seen).
    private bool _started;
    private ulong _maxOutSeq;
    private uint _lastOutTimestamp;
    private long _lastOutAt;
    private int _lastOutPictureId = -1;
    private byte _lastOutTl0;
    private ushort _rtxSeq;
    private readonly ushort _initialSeq;
    private readonly uint _initialTimestamp;

    // Recent source-to-output mappings, newest at _segHead, so NACKed output seqs map back to the cache.
    private readonly Segment[] _segments = new Segment[MaxSegments];
    private int _segHead = -1;
    private int _segCount;

    private long _packetsSent, _bytesSent, _payloadBytesSent, _retransmitted, _bytesRetransmitted;
    private long _nacked, _nackMisses, _keyFramesRequested, _switches, _dropped, _paddingSkipped, _suppressed;
    private readonly RetransmissionGuard _guard = new();

    internal Consumer(Router router, ConsumerOptions options, IRtpSink sink)
    {
        Router = router;
        _sink = sink;
        Id = options.Id;
        ParticipantId = options.ParticipantId;
        Kind = options.Kind;
        IsContent = options.IsContent;
        Codec = options.Codec;
        ClockRate = options.ClockRate;
        Ssrc = options.Ssrc;
        PayloadType = options.PayloadType;
        if (options.RtxSsrc is { } rs && options.RtxPayloadType is { } rp)
        {
            RtxSsrc = rs;
            RtxPayloadType = rp;
        }
        _extensions = options.Extensions;
        _midBytes = options.Mid is { Length: > 0 } mid ? System.Text.Encoding.ASCII.GetBytes(mid) : [];
        _twoByteExtensions = _extensions.NeedsTwoByteForm || _midBytes.Length > 16;
        _midId = _extensions.GetId(RtpExtensionKind.Mid);
        _absSendTimeId = _extensions.GetId(RtpExtensionKind.AbsSendTime);
        _transportWideCcId = _extensions.GetId(RtpExtensionKind.TransportWideCc);
        _audioLevelId = _extensions.GetId(RtpExtensionKind.AudioLevel);
        _videoOrientationId = _extensions.GetId(RtpExtensionKind.VideoOrientation);
        _playoutDelayId = _extensions.GetId(RtpExtensionKind.PlayoutDelay);
        _needsKeyFrame = Kind == MediaKind.Video && KeyFrameDetector.IsVideo(Codec);
        _initialSeq = options.InitialSequenceNumber ?? (ushort)Random.Shared.Next(0, 0x8000);
        _initialTimestamp = options.InitialTimestamp ?? (uint)Random.Shared.NextInt64(0, uint.MaxValue);
        _rtxSeq = (ushort)Random.Shared.Next(0, 0x8000);
    }

    public Router Router { get; }
    public string Id { get; }
    public string ParticipantId { get; }
    public MediaKind Kind { get; }
    /// <summary>A content slot (see <see cref="ConsumerOptions.IsContent"/>).</summary>
    public bool IsContent { get; }
    public CodecKind Codec { get; }
    public uint ClockRate { get; }
    public Ssrc Ssrc { get; }
    public PayloadType PayloadType { get; }
    public Ssrc? RtxSsrc { get; }
    public PayloadType? RtxPayloadType { get; }
    public bool IsClosed { get; private set; }
    /// <summary>While paused nothing is forwarded; resuming waits for a key frame.</summary>
    public bool IsPaused { get; private set; }

    /// <summary>The producer this consumer should forward (what <see cref="SetSource"/> asked for).</summary>
    public Producer? Source => _source;
    /// <summary>The encoding packets are forwarded from right now (null before the first key frame).</summary>
    public ProducerEncoding? CurrentEncoding => _current;
    /// <summary>The encoding the consumer is switching to (equals <see cref="CurrentEncoding"/> when settled).</summary>
    public ProducerEncoding? TargetEncoding => _target;

    public ConsumerStats Stats => new(_packetsSent, _bytesSent, _retransmitted, _bytesRetransmitted, _nacked,
        _nackMisses, _keyFramesRequested, _switches, _dropped, _paddingSkipped, _suppressed);

    /// <summary>
    /// The subscriber's round-trip time (from its RTCP receiver reports, RFC 3550 §6.4.1): a NACK for a packet
    /// already resent within this time is not answered again (see <see cref="RetransmissionGuard"/>). Zero
    /// (the default, "unknown") answers every NACK.
    /// </summary>
    public TimeSpan RoundTripTime { get; set; }

    /// <summary>
    /// Chooses the producer to forward (null: none). Video switches on the new source's next key frame,
    /// which is requested now; until then the previous source keeps flowing. False when the producer is of
    /// another kind/codec, closed, or in another router.
    /// </summary>
    public bool SetSource(long nowTicks, Producer? producer)
    {
        if (IsClosed) return false;
        if (producer != null && (producer.Kind != Kind || producer.Codec != Codec || producer.Router != Router || producer.IsClosed))
            return false;
        if (producer == _source) return true;
        _source = producer;
        Reselect(nowTicks, force: true);
        return true;
    }

    /// <summary>Stops forwarding until <see cref="Resume"/>.</summary>
    public void Pause() => IsPaused = true;

    /// <summary>
    /// Resumes forwarding; video restarts at the next key frame, which is requested. Either way the output goes on
    /// from the last sequence number sent (a new segment at the next packet): what the source sent while paused leaves
    /// no gap for the receiver to count as loss or NACK, and the timestamp advances by the time paused (RFC 3550 §5.1).
    /// </summary>
    public void Resume(long nowTicks)
    {
        if (!IsPaused) return;
        IsPaused = false;
        if (_current != null)
        {
            _target ??= _current;
            _current = null;
            _resuming = true;
            UpdateSubscriptions();
            RequestTargetKeyFrame(nowTicks);
        }
        Reselect(nowTicks, force: true);
    }

    /// <summary>The subscriber asked for a key frame (RTCP PLI/FIR): pass it to the source, throttled.</summary>
    public void RequestKeyFrame(long nowTicks)
    {
        var enc = _target ?? _current;
        if (enc != null && enc.RequestKeyFrame(nowTicks, Router.KeyFrameIntervalTicks)) _keyFramesRequested++;
    }

    /// <summary>Detaches from the router's producers; nothing is sent afterwards.</summary>
    public void Close()
    {
        if (IsClosed) return;
        IsClosed = true;
        _source = null;
        _current = _target = null;
        UpdateSubscriptions();
        Router.OnConsumerClosed(this);
    }

    /// <summary>
    /// RTCP sender report values for this consumer's SSRC (RFC 3550 §6.4.1): the RTP timestamp
    /// extrapolated to <paramref name="nowTicks"/>, and packet/payload octet counts. False before any packet.
    /// </summary>
    public bool TryGetSenderInfo(long nowTicks, out RtpTimestamp rtpTimestamp, out uint packetCount, out uint octetCount)
    {
        packetCount = (uint)_packetsSent;
        octetCount = (uint)_payloadBytesSent;
        if (!_started)
        {
            rtpTimestamp = default;
            return false;
        }
        long elapsed = Math.Max(0, nowTicks - _lastOutAt);
        rtpTimestamp = new RtpTimestamp(_lastOutTimestamp).Add(elapsed * ClockRate / TimeSpan.TicksPerSecond);
        return true;
    }

    /// <summary>Picks the encoding of <paramref name="source"/> to forward; null for none.</summary>
    /// <remarks>A plain consumer takes the highest active encoding (the only one when not simulcast).</remarks>
    protected virtual ProducerEncoding? SelectEncoding(long nowTicks, Producer source)
    {
        var encodings = source.Encodings;
        for (int i = encodings.Count - 1; i >= 0; i--)
            if (encodings[i].IsActive(nowTicks)) return encodings[i];
        return _target != null && _target.Producer == source ? _target : encodings[^1];
    }

    /// <summary>
    /// Re-runs encoding selection (at most every 250 ms unless <paramref name="force"/>); when the choice
    /// changes to an encoding not yet flowing, asks its publisher for a key frame.
    /// </summary>
    protected void Reselect(long nowTicks, bool force)
    {
        if (!force && nowTicks < _nextReselectAt) return;
        _nextReselectAt = nowTicks + ReselectIntervalTicks;
        var wanted = _source == null ? null : SelectEncoding(nowTicks, _source);
        if (wanted == _target) return;
        _target = wanted;
        if (_target == null) _current = null;
        else if (_target != _current) RequestTargetKeyFrame(nowTicks);
        UpdateSubscriptions();
    }

    private void RequestTargetKeyFrame(long nowTicks)
    {
        // Audio has no key frames: it switches at the next packet of the new source.
        if (_needsKeyFrame && _target != null && _target.RequestKeyFrame(nowTicks, Router.KeyFrameIntervalTicks))
            _keyFramesRequested++;
    }

    /// <summary>The router detaches a closing producer: drop it as current/target source.</summary>
    internal void OnProducerClosed(Producer producer)
    {
        if (_source == producer) _source = null;
        if (_current?.Producer == producer) _current = null;
        if (_target?.Producer == producer) _target = null;
        UpdateSubscriptions();
    }

    // Keeps the consumer registered with exactly the producers of its current and target encodings, so
    // the old source keeps flowing until the new one's key frame arrives.
    private void UpdateSubscriptions()
    {
        var a = _current?.Producer;
        var b = _target?.Producer;
        if (b == a) b = null;
        if (_subscribedA != null && _subscribedA != a && _subscribedA != b) _subscribedA.RemoveConsumer(this);
        if (_subscribedB != null && _subscribedB != a && _subscribedB != b) _subscribedB.RemoveConsumer(this);
        a?.AddConsumer(this);
        b?.AddConsumer(this);
        _subscribedA = a;
        _subscribedB = b;
    }

    /// <summary>Fan-out entry: one packet of <paramref name="encoding"/>, already cached by the router.</summary>
    internal void OnProducerPacket(long nowTicks, ProducerEncoding encoding, in SourcePacket src, Span<byte> scratch)
    {
        if (IsClosed || IsPaused) return;
        if (nowTicks >= _nextReselectAt) Reselect(nowTicks, force: false);
        if (encoding != _current || encoding.Generation != _currentGeneration)
        {
            if (encoding != _target) return;
            if (_needsKeyFrame && !src.KeyFrame)
            {
                if (_current == null) _dropped++;
                RequestTargetKeyFrame(nowTicks);
                return;
            }
            BeginSegment(nowTicks, encoding, src);
        }
        ref var seg = ref _segments[_segHead];
        if (src.Seq.Value < seg.SourceStart)
        {
            _dropped++; // older than the switch point: the receiver already moved on
            return;
        }
        ulong outSeq = src.Seq.Value + seg.SeqDelta;
        if (src.Rtp.Payload.IsEmpty && _started && outSeq == _maxOutSeq + 1)
        {
            SkipPadding(src.Seq);
            return;
        }
        // Where the sink lends its send slot, the rewrite goes straight there (one copy of the payload, not two).
        bool lent = _sink.TryBeginRtp(out var slot);
        int length;
        try
        {
            length = Rewrite(nowTicks, seg, src, lent ? slot.Buffer : scratch);
        }
        catch
        {
            // A lent slot holds its queue until it is handed back: never leave it behind.
            if (lent) _sink.CommitRtp(slot, 0);
            throw;
        }
        if (length <= 0)
        {
            if (lent) _sink.CommitRtp(slot, 0);
            _dropped++;
            return;
        }
        if (!_started || outSeq > _maxOutSeq)
        {
            _maxOutSeq = outSeq;
            _lastOutTimestamp = src.Rtp.Timestamp.Value + seg.TimestampDelta;
            _lastOutAt = nowTicks;
            if (seg.HasPictureId && src.HasVp8)
            {
                if (src.Vp8.HasPictureId) _lastOutPictureId = (src.Vp8.PictureId + seg.PictureIdDelta) & 0x7FFF;
                if (src.Vp8.HasTl0PicIdx) _lastOutTl0 = (byte)(src.Vp8.Tl0PicIdx + seg.Tl0Delta);
            }
        }
        _started = true;
        _packetsSent++;
        _bytesSent += length;
        _payloadBytesSent += src.Rtp.Payload.Length;
        if (lent) _sink.CommitRtp(slot, length);
        else _sink.SendRtp(scratch, length);
    }

    /// <summary>
    /// Generic NACK (RFC 4585 §6.2.1) from the subscriber: resends each listed packet still in the
    /// cache, rewritten exactly as first sent; as RTX (RFC 4588) with its own sequence numbers when RTX
    /// was negotiated, else as the plain packet.
    /// </summary>
    public void OnNack(long nowTicks, ReadOnlySpan<ushort> sequenceNumbers)
    {
        foreach (ushort seq in sequenceNumbers) Retransmit(nowTicks, seq);
    }

    /// <summary>One NACK FCI entry (RFC 4585 §6.2.1): PID plus the bitmask of the 16 following packets.</summary>
    public void OnNack(long nowTicks, ushort pid, ushort blp)
    {
        Retransmit(nowTicks, pid);
        for (int i = 0; i < 16; i++)
            if ((blp & (1 << i)) != 0) Retransmit(nowTicks, (ushort)(pid + i + 1));
    }

    private void Retransmit(long nowTicks, ushort wire)
    {
        _nacked++;
        if (!_started || IsClosed || _segCount == 0)
        {
            _nackMisses++;
            return;
        }
        ulong outSeq = (ulong)((long)_maxOutSeq + (short)(wire - (ushort)_maxOutSeq));
        if (outSeq > _maxOutSeq || !TryFindSegment(outSeq, out int index))
        {
            _nackMisses++;
            return;
        }
        if (!_guard.TryAcquire(outSeq, nowTicks, RoundTripTime.Ticks))
        {
            _suppressed++;
            return;
        }
        ref var seg = ref _segments[index];
        var srcSeq = new SeqNo(outSeq - seg.SeqDelta);
        if (seg.Encoding.Producer.IsClosed || seg.Generation != seg.Encoding.Generation
            || !seg.Encoding.Cache.TryGet(nowTicks, srcSeq, out var cached)
            || !RtpPacket.TryParse(cached, out var packet))
        {
            _nackMisses++;
            return;
        }
        var src = new SourcePacket(seg.Encoding.Producer, packet, srcSeq);
        var scratch = Router.Scratch;
        int length = Rewrite(nowTicks, seg, src, scratch);
        if (length <= 0)
        {
            _nackMisses++;
            return;
        }
        if (RtxSsrc is { } rtxSsrc && RtxPayloadType is { } rtxPt)
        {
            length = RtxPacket.WrapInPlace(scratch, length, rtxPt, rtxSsrc, _rtxSeq++);
            if (length <= 0 || length + Router.SinkSpareBytes > scratch.Length)
            {
                _nackMisses++;
                return;
            }
        }
        _retransmitted++;
        _bytesRetransmitted += length;
        _sink.SendRtp(scratch, length);
    }

    // A padding-only packet (RFC 3550 §5.1, e.g. a bandwidth probe on the media SSRC) carries nothing for
    // the receiver: skip it without leaving a sequence gap, by remapping the source from the next packet on.
    // Consecutive padding extends the same remap; older packets keep their mapping for NACKs.
    private void SkipPadding(SeqNo seq)
    {
        ref var seg = ref _segments[_segHead];
        _paddingSkipped++;
        if (seg.OutputStart == _maxOutSeq + 1)
        {
            seg.SourceStart = seq.Value + 1;
            seg.SeqDelta = seg.OutputStart - seg.SourceStart;
            return;
        }
        var next = seg;
        next.SourceStart = seq.Value + 1;
        next.OutputStart = _maxOutSeq + 1;
        next.SeqDelta = next.OutputStart - next.SourceStart;
        _segHead = (_segHead + 1) % MaxSegments;
        _segments[_segHead] = next;
        if (_segCount < MaxSegments) _segCount++;
    }

    private bool TryFindSegment(ulong outSeq, out int index)
    {
        for (int i = 0; i < _segCount; i++)
        {
            int at = (_segHead - i + MaxSegments) % MaxSegments;
            if (outSeq >= _segments[at].OutputStart)
            {
                index = at;
                return true;
            }
        }
        index = -1;
        return false;
    }

    private void BeginSegment(long nowTicks, ProducerEncoding encoding, in SourcePacket src)
    {
        var seg = new Segment { Encoding = encoding, Generation = encoding.Generation, SourceStart = src.Seq.Value };
        int srcPid = -1;
        byte srcTl0 = 0;
        if (src.HasVp8 && src.Vp8.HasPictureId)
        {
            srcPid = src.Vp8.PictureId;
            srcTl0 = src.Vp8.Tl0PicIdx;
            seg.HasPictureId = true;
        }
        if (!_started && _segCount == 0)
        {
            seg.OutputStart = 0x10000UL + _initialSeq;
            seg.TimestampDelta = _initialTimestamp - src.Rtp.Timestamp.Value;
        }
        else
        {
            // RFC 3550 §5.1: timestamps must advance with time across the switch; estimate the gap from
            // the time since the last forwarded packet, unless sender reports give the capture time.
            seg.OutputStart = _maxOutSeq + 1;
            long elapsed = Math.Max(0, nowTicks - _lastOutAt);
            uint step = (uint)Math.Max(1, elapsed * ClockRate / TimeSpan.TicksPerSecond);
            seg.TimestampDelta = _lastOutTimestamp + step - src.Rtp.Timestamp.Value;
            if (_segCount > 0 && TryAlignByCaptureTime(_segments[_segHead], encoding, src.Rtp.Timestamp.Value, step, out uint aligned))
                seg.TimestampDelta = aligned;
            if (!_resuming) _switches++;
        }
        if (seg.HasPictureId && _lastOutPictureId >= 0)
        {
            seg.PictureIdDelta = (_lastOutPictureId + 1 - srcPid) & 0x7FFF;
            seg.Tl0Delta = (byte)(_lastOutTl0 + 1 - srcTl0);
        }
        seg.SeqDelta = seg.OutputStart - src.Seq.Value;
        _segHead = (_segHead + 1) % MaxSegments;
        _segments[_segHead] = seg;
        if (_segCount < MaxSegments) _segCount++;
        _current = encoding;
        _currentGeneration = encoding.Generation;
        _resuming = false;
        UpdateSubscriptions();
    }

    // Same producer, both streams with sender reports: express the new stream's timestamp on the previous
    // stream's timeline (same capture instant), then apply the previous mapping. Accepted only when the
    // result moves forward and stays within a second of the arrival-time estimate.
    private bool TryAlignByCaptureTime(in Segment previous, ProducerEncoding next, uint sourceTimestamp, uint estimatedStep, out uint delta)
    {
        delta = 0;
        var prev = previous.Encoding;
        if (prev.Producer != next.Producer || previous.Generation != prev.Generation) return false;
        if (!next.TryGetCaptureTime(sourceTimestamp, out double capture)) return false;
        if (!prev.TryGetRtpTimestampAt(capture, out uint onPreviousTimeline)) return false;
        uint output = onPreviousTimeline + previous.TimestampDelta;
        int advance = (int)(output - _lastOutTimestamp);
        if (advance <= 0 || advance > (long)estimatedStep + ClockRate) return false;
        delta = output - sourceTimestamp;
        return true;
    }

    /// <summary>How one source encoding maps onto the output from a switch point on.</summary>
    private struct Segment
    {
        public ProducerEncoding Encoding;
        public int Generation;
        public ulong SourceStart;
        public ulong OutputStart;
        public ulong SeqDelta;          // output = source + delta (mod 2^64)
        public uint TimestampDelta;     // output = source + delta (mod 2^32)
        public bool HasPictureId;
        public int PictureIdDelta;      // mod 2^15
        public byte Tl0Delta;           // mod 2^8
    }
}
