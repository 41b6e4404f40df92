using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Rooms;

/// <summary>
/// In-process <see cref="IRoomDirectory"/> for one node, plus the write side the session layer calls.
/// A single lock: the directory changes only when sessions start, end or learn tracks, never per packet.
/// </summary>
public sealed class InMemoryRoomDirectory(TimeProvider time) : IRoomDirectory
{
    private sealed record Entry(SessionInfo Session, string? DisplayName, DateTimeOffset JoinedAt, IReadOnlyList<TrackDto> Tracks);

    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, Dictionary<string, Entry>> _rooms = new(StringComparer.Ordinal);

    /// <summary>Records a new session (its tracks may be added later with <see cref="SetTracks"/>).</summary>
    public void AddSession(SessionInfo session, string? displayName = null, IReadOnlyList<TrackDto>? tracks = null)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(session.Room.Value, out var room))
                _rooms[session.Room.Value] = room = new Dictionary<string, Entry>(StringComparer.Ordinal);
            room[session.SessionId] = new Entry(session, displayName, time.GetUtcNow(), tracks ?? []);
        }
    }

    /// <summary>Replaces the track list of a session; false when the session is unknown.</summary>
    public bool SetTracks(RoomId room, string sessionId, IReadOnlyList<TrackDto> tracks)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(room.Value, out var r) || !r.TryGetValue(sessionId, out var e)) return false;
            r[sessionId] = e with { Tracks = tracks };
            return true;
        }
    }

    /// <summary>Forgets a session; the room disappears with its last session.</summary>
    public bool RemoveSession(RoomId room, string sessionId)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(room.Value, out var r) || !r.Remove(sessionId)) return false;
            if (r.Count == 0) _rooms.Remove(room.Value);
            return true;
        }
    }

    /// <summary>The session, or null.</summary>
    public SessionInfo? FindSession(RoomId room, string sessionId)
    {
        lock (_lock)
            return _rooms.TryGetValue(room.Value, out var r) && r.TryGetValue(sessionId, out var e) ? e.Session : null;
    }

    /// <summary>Forgets everything (shutdown).</summary>
    public void Clear()
    {
        lock (_lock) _rooms.Clear();
    }

    public IReadOnlyList<RoomSummaryDto> ListRooms()
    {
        lock (_lock)
        {
            var list = new List<RoomSummaryDto>(_rooms.Count);
            foreach (var (id, sessions) in _rooms)
            {
                var participants = new HashSet<string>(StringComparer.Ordinal);
                int pub = 0, sub = 0;
                foreach (var e in sessions.Values)
                {
                    participants.Add(e.Session.ParticipantId);
                    if (e.Session.Kind == SessionKind.Publisher) pub++; else sub++;
                }
                list.Add(new RoomSummaryDto(id, participants.Count, pub, sub));
            }
            return list;
        }
    }

    public RoomDetailsDto? GetRoom(RoomId room)
    {
        lock (_lock)
        {
            if (!_rooms.TryGetValue(room.Value, out var sessions)) return null;
            var list = new List<ParticipantDto>(sessions.Count);
            foreach (var e in sessions.Values.OrderBy(e => e.JoinedAt).ThenBy(e => e.Session.SessionId, StringComparer.Ordinal))
            {
                var s = e.Session;
                list.Add(new ParticipantDto(s.ParticipantId, s.SessionId, s.Role.ToClaim(),
                    s.Kind == SessionKind.Publisher ? "publisher" : "subscriber", e.DisplayName, e.JoinedAt, e.Tracks));
            }
            return new RoomDetailsDto(room.Value, list);
        }
    }
}
