using MediaCore.Routing;
using MediaCore.Server.Auth;
using MediaCore.Server.Mixing;
using MediaCore.Server.Rooms;
using MediaCore.Server.Snapshots;

namespace MediaCore.Server.Sessions;

/// <summary>A meeting on this node: its <see cref="Router"/> and the sessions in it. Used under <see cref="MediaEngine.Gate"/>.</summary>
public sealed class MediaRoom
{
    private readonly Dictionary<string, PeerSession> _sessions = new(StringComparer.Ordinal);
    private readonly List<Ingest.RtpIngest> _ingests = [];
    private readonly List<Playback.FilePublisher> _playbacks = [];
    private readonly List<Sip.SipCallMedia> _sipCalls = [];

    internal MediaRoom(RoomId id, MediaEngine engine)
    {
        Id = id;
        Engine = engine;
        Router = new Router();
        Router.AddObserver(KeyFrames);
        Audio = new RoomAudio(this);
    }

    public RoomId Id { get; }
    public MediaEngine Engine { get; }
    public Router Router { get; }
    /// <summary>Latest key frame per video producer, for snapshots.</summary>
    public KeyFrameCapture KeyFrames { get; } = new();
    /// <summary>The room's audio mixer wiring (mixed rooms; see Mixing/).</summary>
    internal RoomAudio Audio { get; }
    public IReadOnlyCollection<PeerSession> Sessions => _sessions.Values;
    /// <summary>Plain-RTP ingests publishing here (ffmpeg, cameras); they keep the room alive like sessions.</summary>
    public IReadOnlyList<Ingest.RtpIngest> Ingests => _ingests;
    /// <summary>SIP calls in this room (terminals); they keep the room alive like sessions.</summary>
    internal IReadOnlyList<Sip.SipCallMedia> SipCalls => _sipCalls;

    internal void AddSipCall(Sip.SipCallMedia call) => _sipCalls.Add(call);

    /// <summary>A SIP call in the room receives the program video (H.264 only): WHIP publishers are then asked for H.264.</summary>
    internal bool HasSipVideoTerminal
    {
        get
        {
            foreach (var c in _sipCalls) if (c.Video?.Session.TerminalReceives == true) return true;
            return false;
        }
    }

    internal void RemoveSipCall(Sip.SipCallMedia call) => _sipCalls.Remove(call);

    public bool IsEmpty => _sessions.Count == 0 && _ingests.Count == 0 && _sipCalls.Count == 0 && RelayedTracks == 0 && _playbacks.Count == 0;

    /// <summary>Tracks relayed in from other nodes (Cluster/RelayLink); they keep the room alive until released.</summary>
    public int RelayedTracks { get; private set; }

    internal void AddRelayedTrack() => RelayedTracks++;

    /// <summary>File publishers (Playback/) playing into the room; they keep it alive while they play.</summary>
    public IReadOnlyList<Playback.FilePublisher> Playbacks => _playbacks;

    /// <summary>Ingests and file publishers: the room's publishers that are not sessions.</summary>
    public IEnumerable<IRoomFeed> Feeds => _ingests.Concat<IRoomFeed>(_playbacks);

    internal void AddFilePublisher(Playback.FilePublisher publisher)
    {
        _playbacks.Add(publisher);
        Engine.Events?.FeedStarted(publisher);
    }

    internal void RemoveFilePublisher(Playback.FilePublisher publisher)
    {
        if (_playbacks.Remove(publisher)) Engine.Events?.FeedEnded(publisher);
    }

    internal void RemoveRelayedTrack() => RelayedTracks--;

    /// <summary>True when a WHEP subscriber of this node is in the room (relayed tracks are kept for them).</summary>
    internal bool HasLocalSubscribers
    {
        get
        {
            foreach (var s in _sessions.Values) if (s.Kind == Signalling.SessionKind.Subscriber) return true;
            return false;
        }
    }

    internal void AddIngest(Ingest.RtpIngest ingest)
    {
        _ingests.Add(ingest);
        Engine.Events?.FeedStarted(ingest);
    }

    internal void RemoveIngest(Ingest.RtpIngest ingest)
    {
        if (_ingests.Remove(ingest)) Engine.Events?.FeedEnded(ingest);
    }

    internal PeerSession? Find(string sessionId) => _sessions.GetValueOrDefault(sessionId);

    internal void Add(long nowTicks, PeerSession session)
    {
        _sessions.Add(session.Id, session);
        UpdateFloor(nowTicks);
        Audio.OnSessionAdded(nowTicks, session);
    }

    internal void Remove(long nowTicks, PeerSession session)
    {
        if (!_sessions.Remove(session.Id)) return;
        UpdateFloor(nowTicks);
        Audio.OnSessionRemoved(nowTicks, session);
    }

    /// <summary>The participant the host gave the floor to (room API), or null.</summary>
    public string? FloorHolder { get; private set; }

    internal void SetFloor(long nowTicks, string? participantId)
    {
        FloorHolder = participantId;
        UpdateFloor(nowTicks);
    }

    /// <summary>Tracks came or went other than by a session (relayed from another node): the program may change hands.</summary>
    internal void RefreshFloor(long nowTicks) => UpdateFloor(nowTicks);

    /// <summary>
    /// Program order (docs/architecture.md, "The media model"): the floor holder, then the host, then other publishers. The host
    /// gives the floor through the room API; without a host publishing, the newest speaker holds it, so
    /// handing over needs no API call ("B publishes, A leaves").
    /// </summary>
    private void UpdateFloor(long nowTicks)
    {
        string? host = null, newestSpeaker = null;
        bool holderPublishes = false;
        DateTimeOffset newest = DateTimeOffset.MinValue;
        // The holder may publish on another node of a cluster (its tracks relayed here) or through an ingest.
        if (FloorHolder != null)
        {
            foreach (var p in Router.Producers) holderPublishes |= !p.IsClosed && p.ParticipantId == FloorHolder;
        }
        foreach (var s in _sessions.Values)
        {
            if (s is not PublisherSession) continue;
            holderPublishes |= s.Participant.Id == FloorHolder;
            if (s.Participant.Role == ParticipantRole.Host) host ??= s.Participant.Id;
            else if (s.JoinedAt >= newest) { newest = s.JoinedAt; newestSpeaker = s.Participant.Id; }
        }
        string? speaker = holderPublishes ? FloorHolder : host == null ? newestSpeaker : null;
        Router.SetProgramFloor(nowTicks, host, speaker);
        Router.RefreshSelectors(nowTicks);
        Audio.OnFloorChanged();
    }
}
