using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;

namespace MediaCore.Server.Sessions;

/// <summary>Floor and per-subscription controls: raise-hand grants, patrol source switching.</summary>
public sealed partial class SessionManager
{
    /// <summary>The room's floor holder, or null (no floor, or no such room).</summary>
    public string? GetFloor(RoomId room)
    {
        lock (engine.Gate) return engine.FindRoom(room)?.FloorHolder;
    }

    /// <summary>
    /// Ends the WHIP sessions of <paramref name="participantId"/> that publish with role
    /// <paramref name="role"/> (a revoked grant: an audience token may no longer publish); returns how many.
    /// </summary>
    public int ClosePublishers(RoomId room, string participantId, ParticipantRole role)
    {
        lock (engine.Gate)
        {
            var r = engine.FindRoom(room);
            if (r == null) return 0;
            long now = engine.Clock.NowTicks;
            var closing = r.Sessions.Where(s => s is PublisherSession && s.Participant.Id == participantId && s.Participant.Role == role).ToList();
            foreach (var s in closing) s.Close(now);
            return closing.Count;
        }
    }

    /// <summary>
    /// Ends the audience WHIP sessions whose participant is not in <paramref name="granted"/> and that started before
    /// <paramref name="joinedBefore"/> (a grant revoked on another node of a cluster; a session started after the queue was
    /// read may rest on a newer grant). Returns the participants whose sessions ended.
    /// </summary>
    public IReadOnlyList<string> CloseUngrantedAudience(RoomId room, IReadOnlySet<string> granted, DateTimeOffset joinedBefore)
    {
        lock (engine.Gate)
        {
            var r = engine.FindRoom(room);
            if (r == null) return [];
            long now = engine.Clock.NowTicks;
            var closing = r.Sessions.Where(s => s is PublisherSession && s.Participant.Role == ParticipantRole.Audience
                && !granted.Contains(s.Participant.Id) && s.JoinedAt < joinedBefore).ToList();
            foreach (var s in closing) s.Close(now);
            return [.. closing.Select(s => s.Participant.Id).Distinct(StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// Fixes the video source of <paramref name="participantId"/>'s subscriptions (one when
    /// <paramref name="sessionId"/> is given) to <paramref name="sourceParticipantId"/>'s video, or back to the
    /// program (null). The consumer keeps its SSRC and sequence space and switches at the source's next key
    /// frame: no renegotiation (a patrol grid cell cycling through villages). Returns how many subscriptions
    /// changed; -1 when the source publishes no video in the room.
    /// </summary>
    public int SetVideoSource(RoomId room, string participantId, string? sessionId, string? sourceParticipantId)
    {
        lock (engine.Gate)
        {
            var r = engine.FindRoom(room);
            if (r == null) return 0;
            if (sourceParticipantId != null && FindVideoProducer(room, sourceParticipantId) == null) return -1;
            long now = engine.Clock.NowTicks;
            int n = 0;
            foreach (var s in r.Sessions)
            {
                if (s is not SubscriberSession sub || s.Participant.Id != participantId) continue;
                if (sessionId != null && s.Id != sessionId) continue;
                sub.SetVideoSource(now, sourceParticipantId);
                n++;
            }
            return n;
        }
    }

    /// <summary>Sets the preferred simulcast layer of one subscription of <paramref name="participantId"/>; 1 when found, else 0.</summary>
    public int SetPreferredLayer(RoomId room, string participantId, string sessionId, int? layer)
    {
        lock (engine.Gate)
        {
            if (engine.FindRoom(room)?.Find(sessionId) is not SubscriberSession sub || sub.Participant.Id != participantId) return 0;
            sub.SetPreferredLayer(engine.Clock.NowTicks, layer);
            return 1;
        }
    }
}
