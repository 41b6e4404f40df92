using MediaCore.Protocol.Core;

namespace MediaCore.Routing.Audio;

/// <summary>
/// A top-N Opus audio mixer (an MCU for audio) whose per-tick cost depends on the number of selected
/// speakers, not on the number of participants. Sans-IO: the host feeds packets with <see cref="OnPacket"/>,
/// calls <see cref="Tick"/> when <see cref="PollTimeout"/> is due (every 20 ms while anyone sends; never
/// while the room is silent and idle), and sends what <see cref="IMixOutput"/> receives. No thread, timer or
/// clock of its own; not thread-safe (one caller at a time, e.g. under the room's media lock).
/// </summary>
/// <remarks>
/// Per frame: (1) the <see cref="SpeakerSelector"/> picks the N loudest from RFC 6464 levels read off the
/// packets, plus forced speakers (host, floor holder, pinned); nobody else is decoded, except a sender that
/// puts no RFC 6464 level on its packets (ffmpeg, SIP/RTP terminals): its stream is decoded every frame and
/// its level measured from the decoded audio, so it competes like everyone else. (2) Each selected
/// stream plays out of its <see cref="JitterBuffer"/>, a lost packet is recovered from the next one's
/// in-band FEC or concealed by Opus PLC. (3) The decoded frames are summed; every selected speaker that
/// receives gets the sum minus its own voice (N-1), limited and encoded by its own encoder; everyone else
/// gets one shared mix, limited and encoded once. With native libopus the steady-state tick allocates nothing.
/// </remarks>
public sealed class AudioMixer : IDisposable
{
    /// <summary>
    /// An Opus packet of 20 ms CELT fullband silence (RFC 6716 §3.1: TOC config 31, mono, one frame; the
    /// range-coded body 0xFF 0xFE decodes to silence), sent instead of encoding nothing.
    /// </summary>
    private static readonly byte[] SilenceFrame = [0xF8, 0xFF, 0xFE];
    private const int Frame = AudioMixerOptions.FrameSamples;
    private const int MaxPacket = 1500;
    private const int MissingLevelPackets = 25;

    private readonly AudioMixerOptions _options;
    private readonly IOpusCodecFactory _codecs;
    private readonly SpeakerSelector _selector;
    private readonly Dictionary<string, MixParticipant> _byId = new(StringComparer.Ordinal);
    private readonly List<MixParticipant> _participants = [];
    private readonly List<SpeakerState> _states = [];
    private readonly List<MixParticipant> _selected = [];
    private readonly Stack<IOpusFrameDecoder> _decoderPool = new();
    private readonly Stack<IOpusFrameEncoder> _encoderPool = new();
    private readonly Queue<MixerEvent> _events = new();
    private readonly float[] _total = new float[Frame];
    private readonly float[] _shared = new float[Frame];
    private readonly byte[] _packet = new byte[MaxPacket];
    private readonly Limiter _sharedLimiter = new();
    private readonly long _frameTicks = AudioMixerOptions.FrameTicks;
    private IOpusFrameEncoder? _sharedEncoder;
    private long _nextFrameAt;
    private long _frameIndex;
    private long _lastPacketAt = SpeakerState.LongAgo;
    private long _lastSilenceAt = long.MinValue;
    private bool _idle = true;
    private bool _talking;
    private int _maxSpeakers;

    public AudioMixer(AudioMixerOptions options, IOpusCodecFactory codecs)
    {
        _options = options;
        _codecs = codecs;
        _selector = new SpeakerSelector(options.Selection);
        _maxSpeakers = Math.Clamp(options.MaxSpeakers, 0, 16);
    }

    public AudioMixerOptions Options => _options;
    public IOpusCodecFactory Codecs => _codecs;
    public IReadOnlyList<MixParticipant> Participants => _participants;
    /// <summary>Who is in the mix now.</summary>
    public IReadOnlyList<MixParticipant> Selected => _selected;
    /// <summary>False while nobody has sent for <see cref="AudioMixerOptions.IdleAfter"/>: no ticks needed.</summary>
    public bool IsActive => !_idle;
    /// <summary>Frames mixed (encoded) and silence frames sent, for metrics.</summary>
    public long FramesMixed { get; private set; }
    public long SilenceFrames { get; private set; }
    /// <summary>Frames skipped because a tick came more than <see cref="AudioMixerOptions.MaxCatchUpFrames"/> late.</summary>
    public long FramesSkipped { get; private set; }

    /// <summary>N: loudest speakers mixed besides the forced ones (0..16).</summary>
    public int MaxSpeakers
    {
        get => _maxSpeakers;
        set => _maxSpeakers = Math.Clamp(value, 0, 16);
    }

    /// <summary>Adds (or returns the existing) participant <paramref name="id"/>.</summary>
    public MixParticipant AddParticipant(string id, bool isObserver = false)
    {
        if (_byId.TryGetValue(id, out var existing)) return existing;
        var p = new MixParticipant(id, isObserver, _options);
        _byId.Add(id, p);
        _participants.Add(p);
        _states.Add(p.State);
        return p;
    }

    public MixParticipant? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Removes a participant; its codecs return to the pools.</summary>
    public void RemoveParticipant(MixParticipant p)
    {
        if (p.Removed || !_byId.Remove(p.Id)) return;
        p.Removed = true;
        p.UpdateEligible();
        int i = _participants.IndexOf(p);
        _participants.RemoveAt(i);
        _states.RemoveAt(i);
        if (p.WasSelected)
        {
            p.State.Selected = false;
            _selected.Remove(p);
            Deselect(p);
            Report(_lastPacketAt);
        }
        ReleaseDecoder(p);
        p.Jitter.Clear();
    }

    /// <summary>A host's mute: the participant is dropped from the mix at the next frame.</summary>
    public void SetMuted(MixParticipant p, bool muted)
    {
        p.IsMuted = muted;
        p.UpdateEligible();
    }

    /// <summary>Pinned participants are mixed whenever they send, besides the N loudest.</summary>
    public void SetPinned(MixParticipant p, bool pinned)
    {
        p.IsPinned = pinned;
        p.UpdateForced();
    }

    /// <summary>The room's host and floor holder are mixed whenever they send.</summary>
    public void SetFloor(MixParticipant p, bool floor)
    {
        p.IsFloor = floor;
        p.UpdateForced();
    }

    /// <summary>Whether the participant has a receiver for the mix (its N-1 mix is encoded only then).</summary>
    public void SetReceiving(MixParticipant p, bool receiving)
    {
        if (p.IsReceiving == receiving) return;
        p.IsReceiving = receiving;
        if (!p.WasSelected) return;
        if (receiving) AcquireEncoder(p);
        else ReleaseEncoder(p);
    }

    /// <summary>
    /// What <paramref name="p"/> sends (Opus by default; G.711 for SIP terminals) and whether it takes the mix as
    /// PCM instead of Opus. A change of source codec drops its decoder (the next frame gets the right one).
    /// </summary>
    public void SetCodecs(MixParticipant p, MixSourceCodec source, bool receivesPcm)
    {
        if (p.SourceCodec != source)
        {
            ReleaseDecoder(p);
            p.SourceCodec = source;
            p.Jitter.Restart();
        }
        p.ReceivesPcm = receivesPcm;
        if (receivesPcm) ReleaseEncoder(p);
    }

    /// <summary>
    /// One Opus packet from participant <paramref name="p"/>: <paramref name="audioLevel"/> is the RFC 6464
    /// level (0..127), or -1 when the packet has no audio-level extension. O(1) and allocation-free: the
    /// packet is only buffered; decoding happens at the tick, and only if the participant is selected.
    /// </summary>
    public void OnPacket(long nowTicks, MixParticipant p, ushort sequenceNumber, int audioLevel, ReadOnlySpan<byte> opus)
    {
        if (p.Removed || p.IsObserver) return;
        p.PacketsReceived++;
        p.State.LastPacketAt = nowTicks;
        if (audioLevel >= 0)
        {
            SpeakerSelector.OnLevel(p.State, nowTicks, audioLevel);
            p.PacketsWithoutLevel = 0;
            p.LacksAudioLevel = false;
        }
        else if (++p.PacketsWithoutLevel == MissingLevelPackets)
        {
            // Senders may omit the extension on a few packets; a stream without it for half a second lacks it.
            p.LacksAudioLevel = true;
            Enqueue(new AudioLevelMissing(p.Id));
        }
        p.Jitter.Insert(nowTicks, sequenceNumber, opus);
        _lastPacketAt = nowTicks;
        if (_idle)
        {
            _idle = false;
            _nextFrameAt = nowTicks + _frameTicks;
        }
    }

    /// <summary>When <see cref="Tick"/> is next due; <see cref="MediaTime.Never"/> while idle.</summary>
    public long PollTimeout() => _idle ? MediaTime.Never : _nextFrameAt;

    /// <summary>
    /// Mixes every frame due by <paramref name="nowTicks"/> (normally one) into <paramref name="output"/>.
    /// Returns the number of frames produced (mixed or silence).
    /// </summary>
    public int Tick(long nowTicks, IMixOutput output)
    {
        if (_idle || nowTicks < _nextFrameAt) return 0;
        long late = (nowTicks - _nextFrameAt) / _frameTicks;
        if (late > _options.MaxCatchUpFrames)
        {
            // The host stalled: mixing the backlog now would only burst stale audio. Skip to the present.
            _frameIndex += late;
            _nextFrameAt += late * _frameTicks;
            FramesSkipped += late;
        }
        int frames = 0;
        while (nowTicks >= _nextFrameAt)
        {
            if (MixFrame(_nextFrameAt, output)) frames++;
            _nextFrameAt += _frameTicks;
            _frameIndex++;
        }
        if (_selected.Count == 0 && nowTicks - _lastPacketAt > _options.IdleAfter.Ticks)
        {
            _idle = true;
            _talking = false;
        }
        return frames;
    }

    public bool TryPollEvent(out MixerEvent e) => _events.TryDequeue(out e!);

    /// <summary>The current speakers with levels (allocates; for periodic reports off the hot path).</summary>
    public IReadOnlyList<ActiveSpeaker> SnapshotSpeakers()
    {
        var list = new List<ActiveSpeaker>(_selected.Count);
        foreach (var p in _selected) list.Add(new ActiveSpeaker(p.Id, (int)MathF.Round(p.State.LevelDbov), p.State.SelectedByForce));
        return list;
    }

    private bool MixFrame(long now, IMixOutput output)
    {
        EstimateMissingLevels(now);
        if (_selector.Update(now, _states, _maxSpeakers)) ApplySelection(now);

        bool any = false;
        foreach (var p in _selected) any |= p.DecodedThisFrame ? p.Contributes : Decode(p, now);
        foreach (var p in _participants) p.DecodedThisFrame = false;
        if (!any)
        {
            _talking = false;
            if (_lastSilenceAt != long.MinValue && now - _lastSilenceAt < _options.SilenceFrameInterval.Ticks) return false;
            _lastSilenceAt = now;
            SilenceFrames++;
            output.OnSharedFrame(new MixFrame(_frameIndex, marker: false, isSilence: true, 127, SilenceFrame));
            return true;
        }

        var total = _total.AsSpan();
        total.Clear();
        foreach (var p in _selected)
        {
            if (!p.Contributes) continue;
            var pcm = p.Pcm.AsSpan();
            for (int i = 0; i < Frame; i++) total[i] += pcm[i];
        }
        bool marker = !_talking;
        _talking = true;
        _lastSilenceAt = long.MinValue;
        FramesMixed++;

        // N-1: each selected speaker that listens hears everyone but itself.
        foreach (var p in _selected)
        {
            if (p.Encoder == null && !(p.ReceivesPcm && p.IsReceiving)) continue;
            var mix = p.Mix.AsSpan();
            if (p.Contributes)
            {
                var own = p.Pcm.AsSpan();
                for (int i = 0; i < Frame; i++) mix[i] = total[i] - own[i];
            }
            else
            {
                total.CopyTo(mix);
            }
            p.Limiter.Process(mix);
            if (p.Encoder == null)
            {
                output.OnSpeakerFrame(p, new MixFrame(_frameIndex, marker, false, LevelOf(mix), default, mix));
                continue;
            }
            int n = p.Encoder.Encode(mix, _packet);
            if (n > 0) output.OnSpeakerFrame(p, new MixFrame(_frameIndex, marker, false, LevelOf(mix), _packet.AsSpan(0, n), mix));
        }

        var shared = _shared.AsSpan();
        total.CopyTo(shared);
        _sharedLimiter.Process(shared);
        _sharedEncoder ??= _codecs.CreateEncoder(_options.Encoder);
        int len = _sharedEncoder.Encode(shared, _packet);
        if (len > 0) output.OnSharedFrame(new MixFrame(_frameIndex, marker, false, LevelOf(shared), _packet.AsSpan(0, len), shared));
        return true;
    }

    // Senders without RFC 6464 levels: decode this frame now and take its level from the PCM (RFC 6464 §3
    // defines the level as -dBov of the audio, which is what LevelOf measures), before selection runs.
    private void EstimateMissingLevels(long now)
    {
        foreach (var p in _participants)
        {
            if (!p.LacksAudioLevel || !p.State.Eligible)
            {
                // Levels came back (or the participant may not be mixed): stop decoding it for estimation.
                if (p.Decoder != null && !p.WasSelected) ReleaseDecoder(p);
                continue;
            }
            if (p.Decoder == null)
            {
                AcquireDecoder(p);
                p.Jitter.Restart();
            }
            if (Decode(p, now)) SpeakerSelector.OnLevel(p.State, now, LevelOf(p.Pcm));
            p.DecodedThisFrame = true;
        }
    }

    // Plays 20 ms of p out of its jitter buffer into p.Pcm; false when p had nothing to play.
    private bool Decode(MixParticipant p, long now)
    {
        var decoder = p.Decoder!;
        var buffer = p.Decoded.AsSpan();
        int count = p.DecodedCount;
        bool audible = count > 0;
        while (count < Frame)
        {
            var pop = p.Jitter.Pop(now, out var packet);
            int n;
            switch (pop)
            {
                case JitterPop.Packet:
                    int samples = SamplesOf(p, packet);
                    n = samples > 0 && samples <= buffer.Length - count
                        ? decoder.Decode(packet, buffer.Slice(count, samples), fec: false)
                        : -1;
                    if (n > 0)
                    {
                        p.LastPacketSamples = n;
                    }
                    else
                    {
                        DecodeFailure(p);
                        n = Conceal(p, buffer.Slice(count));
                    }
                    break;
                case JitterPop.Fec:
                    // RFC 6716 §4.2.7 / opus_decode(decode_fec=1): frame_size is the lost packet's duration.
                    n = decoder.Decode(packet, buffer.Slice(count, Math.Min(p.LastPacketSamples, buffer.Length - count)), fec: true);
                    if (n > 0) p.FramesRecoveredByFec++;
                    else n = Conceal(p, buffer.Slice(count));
                    break;
                case JitterPop.Lost:
                    n = Conceal(p, buffer.Slice(count));
                    break;
                default:
                    buffer[count..Frame].Clear();
                    n = Frame - count;
                    count += n;
                    goto done;
            }
            audible = true;
            count += n;
        }
    done:
        buffer[..Frame].CopyTo(p.Pcm);
        int rest = count - Frame;
        if (rest > 0) buffer.Slice(Frame, rest).CopyTo(buffer);
        p.DecodedCount = rest;
        p.Contributes = audible;
        return audible;
    }

    private static int SamplesOf(MixParticipant p, ReadOnlySpan<byte> packet)
        => p.SourceCodec == MixSourceCodec.Opus
            ? OpusPacketInfo.TryParse(packet, out var info) ? info.Samples : -1
            : G711FrameDecoder.SamplesOf(packet);

    private static int Conceal(MixParticipant p, Span<float> free)
    {
        p.FramesConcealed++;
        int want = Math.Min(p.LastPacketSamples, free.Length);
        int n = p.Decoder!.Decode(ReadOnlySpan<byte>.Empty, free[..want], fec: false);
        if (n > 0) return n;
        free[..want].Clear();
        return want;
    }

    private void DecodeFailure(MixParticipant p)
    {
        long n = ++p.DecodeFailures;
        if (n == 1 || n == 10 || n == 100 || n % 1000 == 0) Enqueue(new DecodeFailed(p.Id, n));
    }

    // Attaches codecs to newly selected speakers and releases the deselected ones' (only on a change).
    private void ApplySelection(long now)
    {
        _selected.Clear();
        foreach (var p in _participants)
        {
            if (p.State.Selected)
            {
                _selected.Add(p);
                if (!p.WasSelected) Select(p);
            }
            else if (p.WasSelected)
            {
                Deselect(p);
            }
        }
        Report(now);
    }

    private void Select(MixParticipant p)
    {
        p.WasSelected = true;
        p.Limiter.Reset();
        // A stream already decoded for its level keeps its decoder and playout position.
        if (p.Decoder == null)
        {
            AcquireDecoder(p);
            p.Jitter.Restart();
        }
        if (p.IsReceiving) AcquireEncoder(p);
    }

    private void Deselect(MixParticipant p)
    {
        p.WasSelected = false;
        if (!p.LacksAudioLevel || p.Removed) ReleaseDecoder(p);
        ReleaseEncoder(p);
    }

    private void AcquireDecoder(MixParticipant p)
    {
        p.Decoder = p.SourceCodec switch
        {
            MixSourceCodec.Pcmu => new G711FrameDecoder(Protocol.Codecs.G711Law.MuLaw),
            MixSourceCodec.Pcma => new G711FrameDecoder(Protocol.Codecs.G711Law.ALaw),
            _ => _decoderPool.Count > 0 ? _decoderPool.Pop() : _codecs.CreateDecoder(),
        };
        p.Decoder.Reset();
        p.DecodedCount = 0;
    }

    private void ReleaseDecoder(MixParticipant p)
    {
        if (p.Decoder is G711FrameDecoder) p.Decoder.Dispose();
        else if (p.Decoder != null) _decoderPool.Push(p.Decoder);
        p.Decoder = null;
    }

    private void AcquireEncoder(MixParticipant p)
    {
        if (p.Encoder != null || p.ReceivesPcm) return;
        p.Encoder = _encoderPool.Count > 0 ? _encoderPool.Pop() : _codecs.CreateEncoder(_options.Encoder);
        p.Encoder.Reset();
        p.Limiter.Reset();
    }

    private void ReleaseEncoder(MixParticipant p)
    {
        if (p.Encoder != null) _encoderPool.Push(p.Encoder);
        p.Encoder = null;
    }

    private void Report(long now)
    {
        var speakers = new ActiveSpeaker[_selected.Count];
        for (int i = 0; i < speakers.Length; i++)
        {
            var p = _selected[i];
            speakers[i] = new ActiveSpeaker(p.Id, (int)MathF.Round(p.State.LevelDbov), p.State.SelectedByForce);
        }
        Enqueue(new ActiveSpeakersChanged(now, speakers));
    }

    private void Enqueue(MixerEvent e)
    {
        // A host that never drains events must not make the mixer grow.
        if (_events.Count >= 256) _events.Dequeue();
        _events.Enqueue(e);
    }

    // RFC 6464 §3 level of a frame: -dBov of its RMS, 0..127.
    private static byte LevelOf(ReadOnlySpan<float> frame)
    {
        float sum = 0f;
        foreach (float s in frame) sum += s * s;
        float rms = MathF.Sqrt(sum / frame.Length);
        if (rms <= 1e-7f) return 127;
        float dbov = 20f * MathF.Log10(rms);
        return (byte)Math.Clamp((int)MathF.Round(-dbov), 0, 127);
    }

    public void Dispose()
    {
        foreach (var p in _participants)
        {
            p.Decoder?.Dispose();
            p.Encoder?.Dispose();
        }
        while (_decoderPool.TryPop(out var d)) d.Dispose();
        while (_encoderPool.TryPop(out var e)) e.Dispose();
        _sharedEncoder?.Dispose();
    }
}
