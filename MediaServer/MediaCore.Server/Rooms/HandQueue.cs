namespace MediaCore.Server.Rooms;

/// <summary>A raised hand in a room's queue.</summary>
/// <param name="Participant">The participant id (token <c>sub</c>), e.g. <c>site:12</c>.</param>
/// <param name="Granted">The host granted the floor: an audience token of this participant may publish (WHIP).</param>
public sealed record HandDto(string Participant, string? DisplayName, string Role, DateTimeOffset RaisedAt, bool Granted, DateTimeOffset? GrantedAt);

/// <summary>
/// A room's raise-hand queue as the hands API, WHIP (may this audience token publish?) and SIP terminals use it: this node's
/// <see cref="HandQueue"/> on a single node, the cluster's (<see cref="Cluster.ClusterHands"/>, in Redis) when
/// <c>MediaServer:Cluster:Redis</c> is set. Hands are listed in raise order; a grant keeps a hand's place.
/// </summary>
public interface IHandStore
{
    /// <summary>Hands of a room in raise order.</summary>
    Task<IReadOnlyList<HandDto>> ListAsync(RoomId room);

    /// <summary>One participant's hand, or null.</summary>
    Task<HandDto?> FindAsync(RoomId room, string participant);

    /// <summary>Raises a hand (idempotent: a raised or granted hand stays as it is). Null when the queue is full.</summary>
    Task<HandDto?> RaiseAsync(RoomId room, string participant, string? displayName, string role);

    /// <summary>Grants the floor to a raised hand, or adds the participant as granted (the host may call on anyone). Null when full.</summary>
    Task<HandDto?> GrantAsync(RoomId room, string participant);

    /// <summary>Removes a hand (lowered by its owner, or dismissed/revoked by the host); returns it, or null.</summary>
    Task<HandDto?> RemoveAsync(RoomId room, string participant);
}

/// <summary>
/// The raise-hand queue of every room on this node (docs/architecture.md, meetings: the audience may raise a hand and
/// publishes only when granted). Live room state, like the floor and the mix: kept in memory, lost when the
/// node restarts (a terminal then raises its hand again). In a cluster it is this node's copy of the shared queues, used
/// while Redis is unreachable (<see cref="Cluster.ClusterHands"/>). Thread-safe; each room's queue is bounded.
/// </summary>
public sealed class HandQueue(TimeProvider time) : IHandStore
{
    /// <summary>Most hands one room keeps (every village of a county plenary fits).</summary>
    public const int MaxHandsPerRoom = 1000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<HandDto>> _rooms = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<HandDto>> ListAsync(RoomId room) => Task.FromResult(List(room));

    public Task<HandDto?> FindAsync(RoomId room, string participant) => Task.FromResult(Find(room, participant));

    public Task<HandDto?> RaiseAsync(RoomId room, string participant, string? displayName, string role) => Task.FromResult(Raise(room, participant, displayName, role));

    public Task<HandDto?> GrantAsync(RoomId room, string participant) => Task.FromResult(Grant(room, participant));

    public Task<HandDto?> RemoveAsync(RoomId room, string participant) => Task.FromResult(Remove(room, participant));

    /// <summary>True when the room has at least one hand.</summary>
    public bool Has(RoomId room)
    {
        lock (_gate) return _rooms.ContainsKey(room.Value);
    }

    /// <summary>Rooms with at least one hand.</summary>
    public IReadOnlyList<RoomId> Rooms()
    {
        lock (_gate) return [.. _rooms.Keys.Select(RoomId.Parse)];
    }

    /// <summary>Puts <paramref name="hands"/> (in raise order) in place of the room's queue: the cluster's queue as read from Redis.</summary>
    public void Replace(RoomId room, IReadOnlyList<HandDto> hands)
    {
        lock (_gate)
        {
            if (hands.Count == 0) _rooms.Remove(room.Value);
            else _rooms[room.Value] = [.. hands];
        }
    }

    /// <summary>Puts one hand as the cluster answered it in place of this node's copy (appended when new).</summary>
    public void Put(RoomId room, HandDto hand)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room.Value, out var list)) _rooms[room.Value] = list = [];
            int i = list.FindIndex(h => h.Participant == hand.Participant);
            if (i >= 0) list[i] = hand;
            else list.Add(hand);
        }
    }

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
