namespace MediaCore.Server.Rooms;

/// <summary>A raised hand in a room's queue.</summary>
/// <param name="Participant">The participant id (token <c>sub</c>), e.g. <c>site:12</c>.</param>
/// <param name="Granted">The host granted the floor: an audience token of this participant may publish (WHIP).</param>
public sealed record HandDto(string Participant, string? DisplayName, string Role, DateTimeOffset RaisedAt, bool Granted, DateTimeOffset? GrantedAt);

/// <summary>
/// The raise-hand queue of every room on this node (docs/architecture.md, meetings: the audience may raise a hand and
/// publishes only when granted). Live room state, like the floor and the mix: kept in memory, lost when the
/// node restarts (a terminal then raises its hand again). Thread-safe; each room's queue is bounded.
/// </summary>
public sealed class HandQueue(TimeProvider time)
{
    /// <summary>Most hands one room keeps (every village of a county plenary fits).</summary>
    public const int MaxHandsPerRoom = 1000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<HandDto>> _rooms = new(StringComparer.Ordinal);

    /// <summary>Hands of a room in raise order.</summary>
    public IReadOnlyList<HandDto> List(RoomId room)
    {
        lock (_gate) return _rooms.TryGetValue(room.Value, out var list) ? [.. list] : [];
    }

    /// <summary>One participant's hand, or null.</summary>
    public HandDto? Find(RoomId room, string participant)
    {
        lock (_gate) return _rooms.TryGetValue(room.Value, out var list) ? list.Find(h => h.Participant == participant) : null;
    }

    /// <summary>True when the host granted <paramref name="participant"/> the floor in <paramref name="room"/>.</summary>
    public bool IsGranted(RoomId room, string participant) => Find(room, participant)?.Granted == true;

    /// <summary>Raises a hand (idempotent: a raised or granted hand stays as it is). Null when the queue is full.</summary>
    public HandDto? Raise(RoomId room, string participant, string? displayName, string role)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room.Value, out var list)) _rooms[room.Value] = list = [];
            var existing = list.Find(h => h.Participant == participant);
            if (existing != null) return existing;
            if (list.Count >= MaxHandsPerRoom) return null;
            var hand = new HandDto(participant, displayName, role, time.GetUtcNow(), false, null);
            list.Add(hand);
            return hand;
        }
    }

    /// <summary>Grants the floor to a raised hand, or adds the participant as granted (the host may call on anyone). Null when full.</summary>
    public HandDto? Grant(RoomId room, string participant, string? displayName = null)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room.Value, out var list)) _rooms[room.Value] = list = [];
            int i = list.FindIndex(h => h.Participant == participant);
            var now = time.GetUtcNow();
            if (i >= 0) return list[i] = list[i] with { Granted = true, GrantedAt = list[i].GrantedAt ?? now };
            if (list.Count >= MaxHandsPerRoom) return null;
            var hand = new HandDto(participant, displayName, "audience", now, true, now);
            list.Add(hand);
            return hand;
        }
    }

    /// <summary>Removes a hand (lowered by its owner, or dismissed/revoked by the host); returns it, or null.</summary>
    public HandDto? Remove(RoomId room, string participant)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room.Value, out var list)) return null;
            int i = list.FindIndex(h => h.Participant == participant);
            if (i < 0) return null;
            var hand = list[i];
            list.RemoveAt(i);
            if (list.Count == 0) _rooms.Remove(room.Value);
            return hand;
        }
    }
}
