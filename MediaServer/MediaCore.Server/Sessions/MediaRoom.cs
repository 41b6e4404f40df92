using MediaCore.Routing;
using MediaCore.Server.Auth;
using MediaCore.Server.Mixing;
using MediaCore.Server.Rooms;

namespace MediaCore.Server.Sessions;

/// <summary>A meeting on this node: its <see cref="Router"/> and the sessions in it. Used under <see cref="MediaEngine.Gate"/>.</summary>
public sealed class MediaRoom
{
    private readonly Dictionary<string, PeerSession> _sessions = new(StringComparer.Ordinal);

    internal MediaRoom(RoomId id, MediaEngine engine)
    {
        Id = id;
        Engine = engine;
        Router = new Router();
        Audio = new RoomAudio(this);
    }

    public RoomId Id { get; }
    public MediaEngine Engine { get; }
    public Router Router { get; }
    /// <summary>The room's audio mixer wiring (mixed rooms; see Mixing/).</summary>
    internal RoomAudio Audio { get; }
    public IReadOnlyCollection<PeerSession> Sessions => _sessions.Values;
    public bool IsEmpty => _sessions.Count == 0;

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

    /// <summary>
    /// The program follows the host's video first (DESIGN.md "Meetings"); until a floor API sets a speaker,
    /// the newest publishing speaker holds the floor, so handing over is "B publishes, A leaves".
    /// </summary>
    private void UpdateFloor(long nowTicks)
    {
        string? host = null, speaker = null;
        DateTimeOffset newest = DateTimeOffset.MinValue;
        foreach (var s in _sessions.Values)
        {
            if (s is not PublisherSession) continue;
            if (s.Participant.Role == ParticipantRole.Host) host ??= s.Participant.Id;
            else if (s.JoinedAt >= newest) { newest = s.JoinedAt; speaker = s.Participant.Id; }
        }
        Router.SetProgramFloor(nowTicks, host, speaker);
        Router.RefreshSelectors(nowTicks);
        Audio.OnFloorChanged();
    }
}
