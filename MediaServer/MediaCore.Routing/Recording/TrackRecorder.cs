using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Matroska;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Routing.Recording;

/// <summary>Tuning of <see cref="TrackRecorder"/>; the defaults keep a crash's loss under 2 s.</summary>
public sealed record TrackRecorderOptions
{
    /// <summary>Longest cluster: a crash loses at most the cluster being built.</summary>
    public TimeSpan ClusterDuration { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How long the first cluster may wait for the publisher's first RTCP sender report.</summary>
    public TimeSpan SenderReportWait { get; init; } = TimeSpan.FromMilliseconds(1500);
    /// <summary>How long a hole in the sequence numbers is waited for (a NACK's answer) before it becomes a gap.</summary>
    public TimeSpan VideoHoleWait { get; init; } = TimeSpan.FromMilliseconds(300);
    public TimeSpan AudioHoleWait { get; init; } = TimeSpan.FromMilliseconds(60);
    public int VideoReorderSlots { get; init; } = 512;
    public int AudioReorderSlots { get; init; } = 64;
    public int MaxPacketSize { get; init; } = 1500;
}

/// <summary>
/// Records one producer's track into one Matroska/WebM file, without transcoding: packets are put back in
/// order (<see cref="RtpReorderBuffer"/>), frames rebuilt (<see cref="FrameAssembler"/>), video starts at a
/// key frame (one is asked for) and restarts at one after a loss, and frames are placed on the recording's
/// clock through the publisher's RTCP sender reports (<see cref="SenderClock"/>). Frames are written a
/// cluster (≤ <see cref="TrackRecorderOptions.ClusterDuration"/>) at a time, so the file on disk is always
/// playable up to its last cluster. Sans-IO: time comes in as <c>nowTicks</c>, bytes go out through
/// <see cref="IRecordingFile"/>. Per packet it allocates nothing.
/// </summary>
public sealed class TrackRecorder
{
    private readonly Producer _producer;
    private readonly SenderClock _clock;
    private readonly long _originTicks;
    private readonly DateTimeOffset _originUtc;
    private readonly IRecordingFileFactory _files;
    private readonly TrackRecorderOptions _options;
    private readonly RtpReorderBuffer _reorder;
    private readonly FrameAssembler _frames;
    private readonly MatroskaClusterBuilder _cluster;
    private readonly long _holeWaitTicks;
    private readonly long _clusterMs;
    private readonly List<MatroskaCuePoint> _cues = [];
    private SeqNoUnwrapper _seq;
    private IRecordingFile? _file;
    private MatroskaLayout? _layout;
    private ProducerEncoding? _encoding;
    private bool _needKeyFrame;
    private long _lastKeyFrameAsk = long.MinValue;
    // Extended RTP time: frame time in the track = (ext - _rtp0) / clock rate.
    private long _lastRtp = long.MinValue;
    private uint _lastRtpWire;
    private long _rtp0;
    private long _firstFrameAt;
    private long _anchorMs = long.MinValue;
    private long _clusterStartMs;
    private long _lastFrameMs = long.MinValue;
    private long _prevFrameMs = long.MinValue;
    private long _lastWrittenMs = long.MinValue;
    private long _firstWrittenMs = long.MinValue;
    // Placed by arrival for want of a sender report: the clusters written so far are re-stamped once one comes.
    private bool _provisional;
    private readonly List<(long TimestampOffset, long TimestampMs, int Cue)> _provisionalClusters = new(MaxProvisionalClusters);
    private readonly byte[] _patch = new byte[8];
    private bool _closed;
    /// <summary>Clusters (about 1 s each) that can be re-stamped when the first sender report comes late.</summary>
    private const int MaxProvisionalClusters = 30;

    public TrackRecorder(Producer producer, SenderClock clock, long originTicks, DateTimeOffset originUtc, IRecordingFileFactory files,
        TrackRecorderOptions? options = null)
    {
        _producer = producer;
        _clock = clock;
        _originTicks = originTicks;
        _originUtc = originUtc;
        _files = files;
        _options = options ?? new TrackRecorderOptions();
        bool video = producer.Kind == MediaKind.Video;
        _reorder = new RtpReorderBuffer(video ? _options.VideoReorderSlots : _options.AudioReorderSlots, _options.MaxPacketSize);
        _frames = new FrameAssembler(producer.Codec);
        _cluster = new MatroskaClusterBuilder(video ? 512 * 1024 : 16 * 1024);
        _holeWaitTicks = (video ? _options.VideoHoleWait : _options.AudioHoleWait).Ticks;
        _clusterMs = (long)_options.ClusterDuration.TotalMilliseconds;
        _needKeyFrame = video;
    }

    /// <summary>Codecs this recorder can store without transcoding.</summary>
    public static bool Supports(CodecKind codec) => codec is CodecKind.Opus or CodecKind.Vp8 or CodecKind.H264;

    public Producer Producer => _producer;
    /// <summary>The file, once the first frame was written (video: once the first key frame arrived).</summary>
    public IRecordingFile? File => _file;
    /// <summary>
    /// The first frame's time on the recording clock (ms): the file's first timestamp, or -1. It stays put when a later
    /// sender report moves the track's anchor (the file's own timestamps carry that move).
    /// </summary>
    public long StartMs => _firstWrittenMs == long.MinValue ? -1 : _firstWrittenMs;
    /// <summary>From the first frame to the end of the last on the recording clock, ms.</summary>
    public long DurationMs
    {
        get
        {
            if (_lastFrameMs == long.MinValue || _anchorMs == long.MinValue) return _lastFrameMs == long.MinValue ? 0 : _lastFrameMs + LastFrameGap();
            long end = Math.Max(_lastWrittenMs, _anchorMs + _lastFrameMs) + LastFrameGap();
            return Math.Max(0, end - StartMs);
        }
    }
    public long Frames { get; private set; }
    /// <summary>Holes in the sequence numbers that were given up on (each a gap in the file).</summary>
    public long Gaps { get; private set; }
    public long KeyFrameRequests { get; private set; }
    /// <summary>
    /// How far (ms) the clusters written before the track's first sender report were moved when it came (0: none
    /// were, or the report came in time); the track's place was then known only by arrival.
    /// </summary>
    public long LateSenderReportShiftMs { get; private set; }
    /// <summary>True while the track is placed by arrival time because no sender report came yet.</summary>
    public bool PlacedByArrival => _provisional;
    public long BrokenFrames => _frames.BrokenFrames;
    public bool IsClosed => _closed;

    /// <summary>One packet of the producer (from the router's observer tap, after RTX repair).</summary>
    public void OnRtp(long nowTicks, ProducerEncoding encoding, in RtpPacket packet)
    {
        if (_closed) return;
        // Simulcast: record the best layer only.
        if (encoding.Index != _producer.Encodings.Count - 1 || packet.PayloadType != _producer.PayloadType) return;
        _encoding = encoding;
        _clock.Observe(nowTicks, encoding, packet.Timestamp.Value);
        if (_needKeyFrame) AskKeyFrame(nowTicks);
        var seq = _seq.Unwrap(packet.SequenceNumber);
        while (!_reorder.Fits(seq) && _reorder.TryPop(nowTicks, _holeWaitTicks, force: true, out var forced, out bool g))
            Process(nowTicks, forced, g);
        if (!_reorder.Insert(nowTicks, seq, packet.Buffer)) return;
        Drain(nowTicks, force: false);
    }

    /// <summary>Writes what is buffered, the Cues and the final sizes, and closes the file.</summary>
    public void Finish(long nowTicks)
    {
        if (_closed) return;
        _closed = true;
        Drain(nowTicks, force: true);
        if (_file == null) return;
        if (_cluster.BlockCount > 0) FlushCluster();
        var trailer = MatroskaTrailer.Build(_layout!, _file.Length, _cues, DurationMs, out var patches);
        if (trailer.Length > 0) _file.Append(trailer);
        foreach (var p in patches) _file.Patch(p.Offset, p.Data);
        _file.Close();
    }

    /// <summary>Stops without finishing (the file stays as a crash would leave it; for tests of recovery).</summary>
    public void Abandon()
    {
        _closed = true;
        _file?.Close();
    }

    private void Drain(long nowTicks, bool force)
    {
        while (_reorder.TryPop(nowTicks, _holeWaitTicks, force, out var p, out bool gap)) Process(nowTicks, p, gap);
    }

    private void Process(long nowTicks, ReadOnlySpan<byte> datagram, bool gapBefore)
    {
        if (!RtpPacket.TryParse(datagram, out var packet)) return;
        if (gapBefore)
        {
            Gaps++;
            if (_producer.Kind == MediaKind.Video) _needKeyFrame = true;
        }
        if (!_frames.Push(packet, gapBefore, out var frame, out uint rtp, out bool key)) return;
        if (_producer.Kind == MediaKind.Video && _needKeyFrame)
        {
            if (!key)
            {
                AskKeyFrame(nowTicks);
                return;
            }
            _needKeyFrame = false;
        }
        if (_file == null && !Open(key)) return;
        WriteFrame(nowTicks, rtp, key, frame);
    }

    private void AskKeyFrame(long nowTicks)
    {
        var interval = _producer.Router.KeyFrameIntervalTicks;
        if (_lastKeyFrameAsk != long.MinValue && nowTicks - _lastKeyFrameAsk < interval) return;
        _lastKeyFrameAsk = nowTicks;
        if (_encoding != null && _encoding.RequestKeyFrame(nowTicks, interval)) KeyFrameRequests++;
    }

    private bool Open(bool key)
    {
        MatroskaTrack track;
        switch (_producer.Codec)
        {
            case CodecKind.Opus:
                track = new MatroskaTrack { Codec = MatroskaCodec.Opus, Origin = _originUtc };
                break;
            case CodecKind.Vp8:
                track = new MatroskaTrack { Codec = MatroskaCodec.Vp8, Width = _encoding?.FrameWidth ?? 0, Height = _encoding?.FrameHeight ?? 0, Origin = _originUtc };
                break;
            case CodecKind.H264:
                // The avcC needs SPS and PPS; Chromium sends both with every IDR.
                if (!key || _frames.SpsLength < 4 || _frames.PpsLength < 1)
                {
                    _needKeyFrame = true;
                    return false;
                }
                track = new MatroskaTrack
                {
                    Codec = MatroskaCodec.H264, Width = _encoding?.FrameWidth ?? 0, Height = _encoding?.FrameHeight ?? 0, Origin = _originUtc,
                    CodecPrivate = MatroskaHeader.AvcDecoderConfiguration(_frames.Sps, _frames.Pps),
                };
                break;
            default:
                return false;
        }
        var header = MatroskaHeader.Create(track, out var layout);
        _file = _files.Create(_producer, track);
        _file.Append(header);
        _layout = layout;
        return true;
    }

    private void WriteFrame(long nowTicks, uint rtpWire, bool key, ReadOnlySpan<byte> frame)
    {
        long ext;
        if (_lastRtp == long.MinValue)
        {
            ext = rtpWire;
            _rtp0 = ext;
            _firstFrameAt = nowTicks;
        }
        else
        {
            ext = _lastRtp + (int)(rtpWire - _lastRtpWire);
        }
        long ms = (ext - _rtp0) * 1000 / _producer.ClockRate;
        if (_lastFrameMs != long.MinValue && ms <= _lastFrameMs && _producer.Kind == MediaKind.Video) return; // timestamps went back
        if (_lastFrameMs != long.MinValue && ms < _lastFrameMs) return;
        _lastRtp = ext;
        _lastRtpWire = rtpWire;

        if (_cluster.BlockCount > 0)
        {
            long span = ms - _clusterStartMs;
            bool waitingForAnchor = _anchorMs == long.MinValue && _encoding is { HasSenderReport: false }
                && nowTicks - _firstFrameAt < _options.SenderReportWait.Ticks;
            bool full = span >= _clusterMs && !waitingForAnchor;
            bool newGop = key && _producer.Kind == MediaKind.Video && span >= 200 && !waitingForAnchor;
            if (full || newGop || span > 30_000 || span < 0) FlushCluster();
        }
        if (_cluster.BlockCount == 0) _clusterStartMs = ms;
        _cluster.Append((int)(ms - _clusterStartMs), key, frame);
        Frames++;
        _prevFrameMs = _lastFrameMs;
        _lastFrameMs = ms;
    }

    private void FlushCluster()
    {
        long mapped = long.MinValue;
        if (_encoding != null && _clock.TryMap(_encoding, (uint)(_rtp0 + _clusterStartMs * _producer.ClockRate / 1000), out long local))
            mapped = (local - _originTicks) / TimeSpan.TicksPerMillisecond - _clusterStartMs;
        if (_anchorMs == long.MinValue)
        {
            // No sender report in time: place the first frame by its arrival, and re-stamp when a report comes.
            _provisional = mapped == long.MinValue;
            _anchorMs = mapped != long.MinValue ? mapped : (_firstFrameAt - _originTicks) / TimeSpan.TicksPerMillisecond;
            _anchorMs = Math.Max(0, _anchorMs);
        }
        else if (_provisional && mapped != long.MinValue)
        {
            SettleProvisional(mapped);
        }
        else if (mapped != long.MinValue && Math.Abs(mapped - _anchorMs) > 20)
        {
            _anchorMs = Math.Max(0, mapped); // the publisher's RTP clock drifted from its wallclock: follow the reports
        }
        long timestamp = _anchorMs + _clusterStartMs;
        if (_lastWrittenMs != long.MinValue && timestamp <= _lastWrittenMs) timestamp = _lastWrittenMs + 1;
        if (_firstWrittenMs == long.MinValue) _firstWrittenMs = timestamp;
        long clusterOffset = _file!.Length;
        long position = clusterOffset - _layout!.SegmentDataStart;
        var bytes = _cluster.Complete(timestamp);
        _file.Append(bytes);
        int cue = -1;
        if (_cluster.StartsWithKeyFrame || _producer.Kind == MediaKind.Audio)
        {
            cue = _cues.Count;
            _cues.Add(new MatroskaCuePoint(timestamp, position));
        }
        if (_provisional)
        {
            if (_provisionalClusters.Count < MaxProvisionalClusters) _provisionalClusters.Add((clusterOffset + MatroskaClusterBuilder.TimestampOffset, timestamp, cue));
            else _provisional = false; // no report for half a minute: the sender sends none; arrival it is
        }
        _lastWrittenMs = timestamp + _cluster.LastRelativeMs;
        _cluster.Reset();
    }

    /// <summary>
    /// The track's first sender report came after its first clusters were written by arrival time: move those clusters
    /// (their Timestamp elements are patched in place, 8 bytes each) to where the report places them, so the track
    /// lines up with the publisher's other tracks from its first frame, not only from now on.
    /// </summary>
    private void SettleProvisional(long mapped)
    {
        _provisional = false;
        long shift = Math.Max(0, mapped) - _anchorMs;
        if (_provisionalClusters.Count > 0) shift = Math.Max(shift, -_provisionalClusters[0].TimestampMs); // never before time 0
        _anchorMs += shift;
        if (shift == 0 || _provisionalClusters.Count == 0) return;
        foreach (var (offset, ts, cue) in _provisionalClusters)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(_patch, (ulong)(ts + shift));
            _file!.Patch(offset, _patch);
            if (cue >= 0) _cues[cue] = _cues[cue] with { TimeMs = ts + shift };
        }
        _provisionalClusters.Clear();
        _firstWrittenMs += shift;
        _lastWrittenMs += shift;
        LateSenderReportShiftMs = shift;
    }

    private long LastFrameGap()
        => _prevFrameMs == long.MinValue ? (_producer.Kind == MediaKind.Audio ? 20 : 33) : Math.Clamp(_lastFrameMs - _prevFrameMs, 0, 1000);
}
