using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;
using MediaCore.Routing.Audio;
using MediaCore.Server.Auth;
using MediaCore.Server.Sessions;
using MediaCore.Server.Timers;
using RoutingMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Mixing;

/// <summary>
/// A room's audio in mixed mode: taps every Opus packet the room's <see cref="Router"/> accepts
/// (<see cref="IProducerRtpObserver"/>), drives the room's <see cref="AudioMixer"/> from the timer wheel
/// (20 ms while anyone sends, not at all in an idle room), and writes the mix into each WHEP receiver's
/// audio track in place of forwarding. Everything runs under <see cref="MediaEngine.Gate"/>.
/// </summary>
internal sealed partial class RoomAudio : ITimerTarget, IProducerRtpObserver, IMixOutput
{
    private readonly MediaRoom _room;
    private readonly MediaEngine _engine;
    private readonly AudioMixingHub _hub;
    private readonly RoomAudioSettings _settings;
    private readonly Dictionary<Producer, MixParticipant> _sources = [];
    private readonly List<IMixListener> _receivers = [];
    private readonly Dictionary<MixParticipant, List<IMixListener>> _byParticipant = [];
    private AudioMixer? _mixer;
    private long _scheduled = MediaTime.Never;
    private long _nextLevelReport;
    private long _now;
    private bool _closed;

    public RoomAudio(MediaRoom room)
    {
        _room = room;
        _engine = room.Engine;
        _hub = room.Engine.Mixing;
        _settings = _hub.GetSettings(room.Id.Value);
        room.Router.AddObserver(this);
    }

    public RoomAudioMode Mode => _settings.Mode;
    public AudioMixer? Mixer => _mixer;

    /// <summary>A session joined the room: in mixed mode a WHEP session receives the mix instead of forwarded audio.</summary>
    public void OnSessionAdded(long nowTicks, PeerSession session)
    {
        if (_settings.Mode != RoomAudioMode.Mixed || session is not SubscriberSession subscriber) return;
        AddReceiver(nowTicks, subscriber);
    }

    /// <summary>A session left: drop its receiver and, once closed, its producers' sources.</summary>
    public void OnSessionRemoved(long nowTicks, PeerSession session)
    {
        if (_mixer == null) return;
        if (session is SubscriberSession subscriber)
        {
            for (int i = _receivers.Count - 1; i >= 0; i--)
            {
                if (_receivers[i] is not MixReceiver r || r.Session != subscriber) continue;
                _receivers.RemoveAt(i);
                var list = _byParticipant[r.Participant];
                list.Remove(r);
                if (list.Count == 0) _mixer.SetReceiving(r.Participant, false);
                Forget(r.Participant);
            }
            if (_receivers.Count == 0 && _settings.Mode == RoomAudioMode.Forwarded)
            {
                StopMixing();
                return;
            }
        }
        List<Producer>? closed = null;
        foreach (var (producer, _) in _sources)
            if (producer.IsClosed) (closed ??= []).Add(producer);
        if (closed == null) return;
        foreach (var producer in closed)
        {
            var p = _sources[producer];
            _sources.Remove(producer);
            Forget(p);
        }
    }

    /// <summary>The floor moved: the host and the floor holder are always mixed.</summary>
    public void OnFloorChanged()
    {
        if (_mixer == null) return;
        foreach (var p in _mixer.Participants) _mixer.SetFloor(p, IsFloor(p.Id));
    }

    /// <summary>
    /// Re-applies the room's settings after a room API change. N, mutes and pins act at once. A mode change
    /// applies to sessions that join afterwards: a live receiver keeps its delivery (mix or forwarded) until
    /// it re-subscribes, because its audio SSRC's sequence and timestamp spaces (RFC 3550 §5.1) cannot be
    /// handed between the mixer and a forwarding <see cref="Consumer"/> mid-stream (Chromium went silent).
    /// </summary>
    public void ApplySettings()
    {
        if (_mixer == null) return;
        if (_settings.Mode == RoomAudioMode.Forwarded && _receivers.Count == 0)
        {
            StopMixing();
            return;
        }
        _mixer.MaxSpeakers = _settings.MaxSpeakers;
        foreach (var p in _mixer.Participants) ApplyControls(p);
    }

    /// <summary>The room is gone: stop ticking and release the codecs.</summary>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        _room.Router.RemoveObserver(this);
        _engine.Timers.Cancel(this);
        _mixer?.Dispose();
        _mixer = null;
    }

    /// <summary>Every accepted producer packet (router, under the media lock): Opus from publishers feeds the mixer.</summary>
    public void OnRtp(long nowTicks, Producer producer, ProducerEncoding encoding, in RtpPacket packet)
    {
        if (_mixer == null || producer.Kind != RoutingMediaKind.Audio || producer.Codec != CodecKind.Opus
            || packet.PayloadType != producer.PayloadType) return;
        if (!_sources.TryGetValue(producer, out var p))
        {
            p = Join(producer.ParticipantId);
            _sources[producer] = p;
        }
        int level = -1;
        if (producer.Extensions.TryGet(packet, RtpExtensionKind.AudioLevel, out var value)
            && RtpExtensionValues.TryReadAudioLevel(value, out _, out byte l))
            level = l;
        bool wasActive = _mixer.IsActive;
        _mixer.OnPacket(nowTicks, p, packet.SequenceNumber, level, packet.Payload);
        if (!wasActive) Reschedule();
    }

    /// <summary>Timer wheel (timer thread): mix the due frames and send them.</summary>
    public void HandleTimeout(long nowTicks)
    {
        lock (_engine.Gate)
        {
            _scheduled = MediaTime.Never;
            if (_closed || _mixer == null) return;
            _now = nowTicks;
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            _mixer.Tick(nowTicks, this);
            Metrics.MediaMetrics.MixerTickSeconds.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            foreach (var r in _receivers) r.MaybeSendReport(nowTicks);
            DrainEvents(nowTicks);
            Reschedule();
        }
    }

    public void OnSpeakerFrame(MixParticipant speaker, in MixFrame frame)
    {
        if (!_byParticipant.TryGetValue(speaker, out var list)) return;
        foreach (var r in list) r.Send(_now, frame);
    }

    public void OnSharedFrame(in MixFrame frame)
    {
        foreach (var r in _receivers)
            if (r.LastFrameIndex != frame.Index) r.Send(_now, frame);
    }

    /// <summary>
    /// A listener that is also a source outside the router (a SIP terminal): joins the mix as
    /// <paramref name="participantId"/> sending <paramref name="source"/>, and receives the mix (as PCM when
    /// <paramref name="pcm"/>, for its own encoder). Starts the mixer if needed, whatever the room's mode.
    /// </summary>
    public MixParticipant AddListener(IMixListener listener, string participantId, MixSourceCodec source, bool pcm)
    {
        if (_mixer == null) StartMixing();
        var p = Join(participantId);
        _mixer!.SetCodecs(p, source, pcm);
        listener.Participant = p;
        _receivers.Add(listener);
        if (!_byParticipant.TryGetValue(p, out var list)) _byParticipant[p] = list = [];
        list.Add(listener);
        _mixer.SetReceiving(p, true);
        return p;
    }

    /// <summary>Removes a listener added by <see cref="AddListener"/>; its participant leaves the mix.</summary>
    public void RemoveListener(IMixListener listener)
    {
        if (_mixer == null || !_receivers.Remove(listener)) return;
        var p = listener.Participant;
        if (_byParticipant.TryGetValue(p, out var list))
        {
            list.Remove(listener);
            if (list.Count == 0) _mixer.SetReceiving(p, false);
        }
        Forget(p);
        if (_receivers.Count == 0 && _settings.Mode == RoomAudioMode.Forwarded) StopMixing();
    }

    /// <summary>One audio packet of a listener-source (<see cref="AddListener"/>): no RFC 6464 level, measured by the mixer.</summary>
    public void OnListenerAudio(long nowTicks, MixParticipant p, ushort sequenceNumber, ReadOnlySpan<byte> payload)
    {
        if (_mixer == null || _closed) return;
        bool wasActive = _mixer.IsActive;
        _mixer.OnPacket(nowTicks, p, sequenceNumber, -1, payload);
        if (!wasActive) Reschedule();
    }

    private void AddReceiver(long nowTicks, SubscriberSession subscriber)
    {
        if (!MixReceiver.TryCreate(subscriber, _hub, nowTicks, out var receiver, out string? why))
        {
            LogNoMixTrack(_engine.Logger, subscriber.Id, _room.Id.Value, why);
            return;
        }
        if (_mixer == null) StartMixing();
        subscriber.StopAudioForwarding(nowTicks);
        var p = Join(subscriber.Participant.Id);
        receiver.Participant = p;
        _receivers.Add(receiver);
        if (!_byParticipant.TryGetValue(p, out var list)) _byParticipant[p] = list = [];
        list.Add(receiver);
        _mixer!.SetReceiving(p, true);
    }

    private void StartMixing()
    {
        _mixer = new AudioMixer(_hub.Options.ToMixerOptions(_settings.MaxSpeakers), _hub.Codecs);
        LogMixing(_engine.Logger, _room.Id.Value, _settings.MaxSpeakers, _hub.Codecs.Description);
    }

    private void StopMixing()
    {
        // Listener-sources (SIP terminals) keep the mixer: they have no forwarded audio to fall back on.
        foreach (var r in _receivers)
            if (r is not MixReceiver) return;
        _receivers.Clear();
        _byParticipant.Clear();
        _sources.Clear();
        _engine.Timers.Cancel(this);
        _scheduled = MediaTime.Never;
        _mixer?.Dispose();
        _mixer = null;
        LogForwarding(_engine.Logger, _room.Id.Value);
    }

    private MixParticipant Join(string participantId)
    {
        var p = _mixer!.Find(participantId);
        if (p != null) return p;
        p = _mixer.AddParticipant(participantId, isObserver: RoleOf(participantId) == ParticipantRole.Observer);
        _mixer.SetFloor(p, IsFloor(participantId));
        ApplyControls(p);
        return p;
    }

    // A participant with neither a source nor a receiver leaves the mixer.
    private void Forget(MixParticipant p)
    {
        if (_mixer == null) return;
        if (_byParticipant.TryGetValue(p, out var list) && list.Count > 0) return;
        foreach (var (_, s) in _sources)
            if (s == p) return;
        _byParticipant.Remove(p);
        _mixer.RemoveParticipant(p);
    }

    private void ApplyControls(MixParticipant p)
    {
        _mixer!.SetMuted(p, _settings.Muted.Contains(p.Id));
        _mixer.SetPinned(p, _settings.Pinned.Contains(p.Id));
    }

    // The host and a floor holder the host named (room API) are always mixed. Without a host the video
    // program follows the newest publisher, but that is no reason to mix it: it competes by level like
    // everyone else, so a silent or noisy site that joins last does not take a place.
    private bool IsFloor(string participantId)
        => participantId == _room.Router.HostParticipantId || (_room.FloorHolder != null && participantId == _room.FloorHolder);

    private ParticipantRole? RoleOf(string participantId)
    {
        foreach (var s in _room.Sessions)
            if (s.Participant.Id == participantId) return s.Participant.Role;
        return null;
    }

    private void Reschedule()
    {
        if (_closed || _mixer == null) return;
        long due = _mixer.PollTimeout();
        if (due == _scheduled) return;
        _scheduled = due;
        if (due == MediaTime.Never) _engine.Timers.Cancel(this);
        else _engine.Timers.Schedule(this, due);
    }

    private void DrainEvents(long nowTicks)
    {
        string room = _room.Id.Value;
        while (_mixer!.TryPollEvent(out var e))
        {
            switch (e)
            {
                case ActiveSpeakersChanged changed:
                    if (_engine.Logger.IsEnabled(LogLevel.Debug))
                        LogSpeakers(_engine.Logger, room, string.Join(", ", changed.Speakers.Select(s => $"{s.ParticipantId} {s.Level} dBov")));
                    _hub.Publish(room, "speakers", new SpeakerEventDto(room, changed.Speakers));
                    _nextLevelReport = nowTicks + _hub.Options.LevelReportInterval.Ticks;
                    break;
                case AudioLevelMissing missing:
                    LogNoAudioLevel(_engine.Logger, missing.ParticipantId, room);
                    break;
                case DecodeFailed failed:
                    LogDecodeFailed(_engine.Logger, failed.ParticipantId, room, failed.Failures);
                    break;
            }
        }
        // Levels of the current speakers, repeated while they speak (allocates once per interval, off the tick's hot path).
        if (nowTicks >= _nextLevelReport && _mixer.Selected.Count > 0)
        {
            _nextLevelReport = nowTicks + _hub.Options.LevelReportInterval.Ticks;
            if (_hub.HasListeners(room)) _hub.Publish(room, "levels", new SpeakerEventDto(room, _mixer.SnapshotSpeakers()));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {Room} mixes audio (N = {Speakers}, {Codec})")]
    private static partial void LogMixing(ILogger logger, string room, int speakers, string codec);

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {Room} forwards audio (mixer stopped)")]
    private static partial void LogForwarding(ILogger logger, string room);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Room {Room} speakers: {Speakers}")]
    private static partial void LogSpeakers(ILogger logger, string room, string speakers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Participant {Participant} in room {Room} sends Opus without the RFC 6464 audio level (urn:ietf:params:rtp-hdrext:ssrc-audio-level): its level is measured from the decoded audio (one decode per 20 ms frame)")]
    private static partial void LogNoAudioLevel(ILogger logger, string participant, string room);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Participant {Participant} in room {Room}: {Failures} Opus packets failed to decode (concealed)")]
    private static partial void LogDecodeFailed(ILogger logger, string participant, string room, long failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId} in room {Room} gets no mix: {Reason}")]
    private static partial void LogNoMixTrack(ILogger logger, string sessionId, string room, string? reason);
}

/// <summary>The <c>data</c> of an active-speaker event.</summary>
public sealed record SpeakerEventDto(string Room, IReadOnlyList<ActiveSpeaker> Speakers);
