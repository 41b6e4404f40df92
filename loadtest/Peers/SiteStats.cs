namespace MediaCore.LoadTest.Peers;

/// <summary>
/// Counters of one simulated peer. Written by its worker thread only; the reporter reads them once a second
/// (a torn read of a long is impossible on x64, a value one packet stale is fine).
/// </summary>
internal sealed class SiteStats
{
    public const int DelayBucketMs = 1, DelayBuckets = 2000;

    public required string Site { get; init; }
    public required string Room { get; init; }
    public required string Role { get; init; }
    public required bool Publishes { get; init; }

    public long PostStartedAtTicks;
    public long ConnectedAtTicks;
    public long FirstMediaAtTicks;
    public long FirstKeyFrameAtTicks;
    public string? Failure;
    /// <summary>Sessions this peer started again after the server went silent or its transport failed.</summary>
    public int Reconnects;
    public string? LastReconnectReason;

    public long DatagramsReceived;
    public long SendFailures;
    public long PacketsReceived;      // media RTP (audio + video, not RTX)
    public long PacketsExpected;      // from sequence numbers (RFC 3550 App. A.3)
    public long RtxReceived;
    public long RtxRecovered;         // RTX that filled a hole
    public long NacksSent;
    public long PlisSent;
    public long PacketsSent;          // publishers
    /// <summary>Publishers: worker-clock ticks of the first and last audio and video frame sent (the publishing time of each track).</summary>
    public long FirstAudioSentTicks, LastAudioSentTicks, FirstVideoSentTicks, LastVideoSentTicks;
    /// <summary>Publishers: frames not sent because the worker fell more than 10 frames behind (a loaded machine).</summary>
    public long FramesSkipped;
    public long NacksReceived;        // publishers: NACK packets from the server
    public long PlisReceived;         // publishers
    public double JitterMs;           // RFC 3550 jitter of the video stream (or audio when no video)
    public double MaxJitterMs;

    /// <summary>End-to-end delay histogram: 1 ms buckets up to 2 s (the last bucket holds the rest).</summary>
    public readonly int[] Delay = new int[DelayBuckets];
    public long DelaySamples;

    public void AddDelay(double ms)
    {
        int b = (int)Math.Clamp(ms / DelayBucketMs, 0, DelayBuckets - 1);
        Delay[b]++;
        DelaySamples++;
    }

    /// <summary>Residual loss: expected packets neither received nor recovered by RTX.</summary>
    public long Lost => Math.Max(0, PacketsExpected - PacketsReceived - RtxRecovered);

    public double? JoinMs => FirstMediaAtTicks > 0 ? (FirstMediaAtTicks - PostStartedAtTicks) / (double)TimeSpan.TicksPerMillisecond : null;
    public double? ConnectMs => ConnectedAtTicks > 0 ? (ConnectedAtTicks - PostStartedAtTicks) / (double)TimeSpan.TicksPerMillisecond : null;
    public double? KeyFrameWaitMs => FirstKeyFrameAtTicks > 0 && ConnectedAtTicks > 0
        ? (FirstKeyFrameAtTicks - ConnectedAtTicks) / (double)TimeSpan.TicksPerMillisecond : null;
}

/// <summary>
/// When each frame of the clip was last sent by a room's publisher, so a subscriber can compute the
/// end-to-end delay of what it receives on the same clock: the SFU rewrites SSRC, sequence numbers,
/// timestamps and abs-send-time, but never the codec payload, so a frame is recognised by a hash of its
/// first bytes (frames whose hash is not unique in the clip are skipped).
/// </summary>
internal sealed class SendClock
{
    private readonly long[] _video;
    private readonly long[] _audio;

    public SendClock(int videoFrames, int audioFrames)
    {
        _video = new long[videoFrames];
        _audio = new long[audioFrames];
    }

    public void VideoSent(int index, long ticks) => Volatile.Write(ref _video[index], ticks);
    public void AudioSent(int index, long ticks) => Volatile.Write(ref _audio[index], ticks);
    public long VideoSentAt(int index) => Volatile.Read(ref _video[index]);
    public long AudioSentAt(int index) => Volatile.Read(ref _audio[index]);
}
