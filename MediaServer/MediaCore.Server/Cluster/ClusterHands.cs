using System.Globalization;
using System.Text.Json;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MediaCore.Server.Cluster;

/// <summary>
/// Raise-hand queues shared by every node of a cluster, in Redis: a village on a town node raises its hand there and the county
/// host, on the county node, lists and grants it; the grant lets the village's audience token publish on its own node; a
/// revoke (or a lowered hand) on any node ends the village's audience publishing wherever it publishes.
/// <list type="bullet">
/// <item><c>mc:hands:{room}</c>: hash, field = participant, value <c>{seq}|{grantedAt}|{hand JSON}</c> (grantedAt empty while
/// waiting); <c>mc:hands:{room}:seq</c>: the room's raise counter. Each change is one Lua script (atomic: idempotent raise,
/// the queue bound, the grant keeping the hand's place) that also PUBLISHes the room on <c>mc:hands</c>.</item>
/// <item>Order: the order Redis took the raises in (the counter), not the nodes' clocks; a grant keeps the place, a hand
/// raised again after being lowered goes to the end.</item>
/// <item>Every node keeps a copy of the queues of the rooms it holds (<see cref="HandQueue"/>), refreshed on each announcement
/// of <c>mc:hands</c> and every <c>MediaServer:Cluster:SyncPollInterval</c>; on each refresh it ends its own audience
/// WHIP sessions that no longer have a grant.</item>
/// <item>Redis unreachable: each node works on its copy, per node (as before the cluster), and remembers its changes; when Redis
/// is back it replays them in order (a hand raised on a town meanwhile then reaches the county). Redis restarted empty
/// (it keeps no data on disk): the first node to notice writes its copy back, in its order, then replays its own changes.</item>
/// </list>
/// Reads (the queue, a participant's own hand, the grant check of an audience WHIP offer) go to Redis while it answers, so a
/// grant made on the county is seen by the town's next request.
/// </summary>
public sealed partial class ClusterHands : IHandStore, IHostedService, IDisposable
{
    /// <summary>The pub/sub channel a change announces its room on.</summary>
    public const string ChannelName = "mc:hands";

    /// <summary>Most changes remembered while Redis is unreachable (later ones stay on this node).</summary>
    public const int MaxJournal = 10_000;

    private const string Reseed = "RESEED";

    // Every script: KEYS[1] = mc:hands:{room}, KEYS[2] = mc:hands:{room}:seq; ARGV[1] = '1' when this node's copy of the room
    // has hands (then a missing counter means Redis lost the room: answer RESEED), ARGV[2] = the room (announced).
    private const string Guard = """
        if ARGV[1] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return 'RESEED' end

        """;
    private const string Announce = """
        redis.call('EXPIRE', KEYS[1], 86400)
        redis.call('EXPIRE', KEYS[2], 86400)
        redis.call('PUBLISH', 'mc:hands', ARGV[2])

        """;

    // ARGV[3] participant, ARGV[4] the hand's JSON, ARGV[5] the queue bound. '' = full.
    private const string RaiseScript = Guard + """
        local cur = redis.call('HGET', KEYS[1], ARGV[3])
        if cur then return cur end
        if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return '' end
        cur = redis.call('INCR', KEYS[2]) .. '||' .. ARGV[4]
        redis.call('HSET', KEYS[1], ARGV[3], cur)

        """ + Announce + "return cur";

    // ARGV[3] participant, ARGV[4] the hand's JSON (when not raised), ARGV[5] the bound, ARGV[6] the grant time. '' = full.
    private const string GrantScript = Guard + """
        local cur = redis.call('HGET', KEYS[1], ARGV[3])
        if cur then
          local seq, granted, hand = string.match(cur, '^(%d+)|([^|]*)|(.*)$')
          if granted ~= '' then return cur end
          cur = seq .. '|' .. ARGV[6] .. '|' .. hand
        else
          if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return '' end
          cur = redis.call('INCR', KEYS[2]) .. '|' .. ARGV[6] .. '|' .. ARGV[4]
        end
        redis.call('HSET', KEYS[1], ARGV[3], cur)

        """ + Announce + "return cur";

    // ARGV[3] participant. '' = no such hand.
    private const string RemoveScript = Guard + """
        local cur = redis.call('HGET', KEYS[1], ARGV[3])
        if not cur then return '' end
        redis.call('HDEL', KEYS[1], ARGV[3])

        """ + Announce + "return cur";

    // ARGV[3] participant. '' = no such hand.
    private const string FindScript = Guard + """
        return redis.call('HGET', KEYS[1], ARGV[3]) or ''
        """;

    // The whole queue as field, value, field, value...; {'RESEED'} when the guard trips.
    private const string ReadScript = """
        if ARGV[1] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return {'RESEED'} end
        return redis.call('HGETALL', KEYS[1])
        """;

    // ARGV[3..]: participant, grantedAt, hand JSON, ... in this node's order. Only while the counter is missing (the first
    // node to notice writes its copy; later ones replay their own changes); hands already there are kept.
    private const string SeedScript = """
        if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
        local n = 0
        for i = 3, #ARGV, 3 do
          if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then
            redis.call('HSET', KEYS[1], ARGV[i], redis.call('INCR', KEYS[2]) .. '|' .. ARGV[i + 1] .. '|' .. ARGV[i + 2])
            n = n + 1
          end
        end
        if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], 0) end

        """ + Announce + "return n";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private enum Op { Raise, Grant, Remove }

    /// <summary>A change made on this node's copy while Redis was unreachable (the hand as this node had it).</summary>
    private sealed record Change(Op Op, RoomId Room, HandDto Hand);

    private readonly HandQueue _local;
    private readonly ClusterDirectory _directory;
    private readonly SessionManager _sessions;
    private readonly MediaEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterHands> _logger;
    private readonly string _node;
    private readonly RoomChangeFeed _feed;
    // One change at a time on this node (the journal's order is the order changes were made here).
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly List<Change> _journal = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private bool _degraded, _journalFull;

    public ClusterHands(HandQueue local, ClusterDirectory directory, SessionManager sessions, MediaEngine engine, TimeProvider time,
        IOptions<MediaServerOptions> options, ILogger<ClusterHands> logger)
    {
        _local = local;
        _directory = directory;
        _sessions = sessions;
        _engine = engine;
        _time = time;
        _logger = logger;
        _node = options.Value.NodeId;
        _feed = new RoomChangeFeed(directory, ChannelName, options.Value.Cluster.SyncPollInterval);
    }

    /// <summary>Changes made on this node while Redis was unreachable, not yet written to Redis.</summary>
    public int PendingChanges
    {
        get
        {
            lock (_journal) return _journal.Count;
        }
    }

    private static RedisKey[] Keys(RoomId room) => ["mc:hands:" + room.Value, "mc:hands:" + room.Value + ":seq"];

    private IDatabase? Shared => _directory.IsAvailable ? _directory.Database : null;

    // ---- IHandStore ----

    public async Task<IReadOnlyList<HandDto>> ListAsync(RoomId room)
    {
        if (Shared is { } db)
        {
            try
            {
                return await ReadAsync(db, room);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Degraded(e.Message);
            }
        }
        return _local.List(room);
    }

    public async Task<HandDto?> FindAsync(RoomId room, string participant)
    {
        if (Shared is { } db)
        {
            try
            {
                return Parse(await EvalAsync(db, FindScript, room, participant), out _);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Degraded(e.Message);
            }
        }
        return _local.Find(room, participant);
    }

    public Task<HandDto?> RaiseAsync(RoomId room, string participant, string? displayName, string role) =>
        WriteAsync(new Change(Op.Raise, room, new HandDto(participant, displayName, role, _time.GetUtcNow(), false, null)),
            () => _local.Raise(room, participant, displayName, role));

    public Task<HandDto?> GrantAsync(RoomId room, string participant)
    {
        var now = _time.GetUtcNow();
        return WriteAsync(new Change(Op.Grant, room, new HandDto(participant, null, "audience", now, true, now)), () => _local.Grant(room, participant));
    }

    public Task<HandDto?> RemoveAsync(RoomId room, string participant) =>
        WriteAsync(new Change(Op.Remove, room, new HandDto(participant, null, "audience", _time.GetUtcNow(), false, null)), () => _local.Remove(room, participant));

    /// <summary>A change: to Redis (after any changes remembered from an outage), else to this node's copy, remembered.</summary>
    private async Task<HandDto?> WriteAsync(Change change, Func<HandDto?> onLocalCopy)
    {
        await _writes.WaitAsync();
        try
        {
            if (Shared is { } db)
            {
                try
                {
                    await ReplayAsync(db);
                    var hand = await ApplyAsync(db, change);
                    if (change.Op == Op.Remove) _local.Remove(change.Room, change.Hand.Participant);
                    else if (hand is not null) _local.Put(change.Room, hand);
                    return hand;
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    Degraded(e.Message);
                }
            }
            else
            {
                Degraded(_directory.LastError);
            }
            var local = onLocalCopy();
            if (local is not null) Remember(change with { Hand = local });
            return local;
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>One change as a script; the hand as Redis has it afterwards (the removed one for a removal), or null.</summary>
    private async Task<HandDto?> ApplyAsync(IDatabase db, Change change)
    {
        var h = change.Hand;
        string raised = JsonSerializer.Serialize(h with { Granted = false, GrantedAt = null }, Json);
        string reply = change.Op switch
        {
            Op.Raise => await EvalAsync(db, RaiseScript, change.Room, h.Participant, raised, HandQueue.MaxHandsPerRoom),
            Op.Grant => await EvalAsync(db, GrantScript, change.Room, h.Participant, raised, HandQueue.MaxHandsPerRoom,
                (h.GrantedAt ?? _time.GetUtcNow()).ToString("O", CultureInfo.InvariantCulture)),
            _ => await EvalAsync(db, RemoveScript, change.Room, h.Participant),
        };
        return Parse(reply, out _);
    }

    /// <summary>Runs a change or lookup script; when Redis lost the room (RESEED), writes this node's copy back first.</summary>
    private async Task<string> EvalAsync(IDatabase db, string script, RoomId room, params RedisValue[] args)
    {
        var keys = Keys(room);
        string reply = (string?)await db.ScriptEvaluateAsync(script, keys, [_local.Has(room) ? "1" : "0", room.Value, .. args]) ?? "";
        if (reply != Reseed) return reply;
        await SeedAsync(db, room);
        return (string?)await db.ScriptEvaluateAsync(script, keys, ["0", room.Value, .. args]) ?? "";
    }

    /// <summary>The room's queue from Redis in raise order (this node's copy written back first if Redis lost it).</summary>
    private async Task<IReadOnlyList<HandDto>> ReadAsync(IDatabase db, RoomId room)
    {
        var keys = Keys(room);
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(ReadScript, keys, [_local.Has(room) ? "1" : "0", room.Value]))!;
        if (reply.Length == 1 && (string?)reply[0] == Reseed)
        {
            await SeedAsync(db, room);
            reply = (RedisResult[])(await db.ScriptEvaluateAsync(ReadScript, keys, ["0", room.Value]))!;
        }
        var hands = new List<(long Seq, HandDto Hand)>(reply.Length / 2);
        for (int i = 0; i + 1 < reply.Length; i += 2)
        {
            if (Parse((string?)reply[i + 1] ?? "", out long seq) is { } hand) hands.Add((seq, hand));
        }
        return [.. hands.OrderBy(h => h.Seq).Select(h => h.Hand)];
    }

    private async Task SeedAsync(IDatabase db, RoomId room)
    {
        var hands = _local.List(room);
        var args = new List<RedisValue>(2 + hands.Count * 3) { "0", room.Value };
        foreach (var h in hands)
        {
            args.Add(h.Participant);
            args.Add(h.Granted ? (h.GrantedAt ?? h.RaisedAt).ToString("O", CultureInfo.InvariantCulture) : "");
            args.Add(JsonSerializer.Serialize(h with { Granted = false, GrantedAt = null }, Json));
        }
        long written = (long)await db.ScriptEvaluateAsync(SeedScript, Keys(room), [.. args]);
        if (written > 0) LogSeeded(_logger, _node, room.Value, written);
    }

    /// <summary><c>{seq}|{grantedAt}|{json}</c> to a hand; null for '' or anything else.</summary>
    private static HandDto? Parse(string value, out long seq)
    {
        seq = 0;
        int a = value.IndexOf('|', StringComparison.Ordinal);
        int b = a < 0 ? -1 : value.IndexOf('|', a + 1);
        if (b < 0 || !long.TryParse(value.AsSpan(0, a), NumberStyles.None, CultureInfo.InvariantCulture, out seq)) return null;
        HandDto? hand;
        try
        {
            hand = JsonSerializer.Deserialize<HandDto>(value.AsSpan(b + 1), Json);
        }
        catch (JsonException)
        {
            return null;
        }
        if (hand is null) return null;
        var granted = value.AsSpan(a + 1, b - a - 1);
        if (granted.IsEmpty) return hand with { Granted = false, GrantedAt = null };
        return hand with
        {
            Granted = true,
            GrantedAt = DateTimeOffset.TryParse(granted, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : hand.RaisedAt,
        };
    }

    // ---- outage: remember, replay ----

    private void Degraded(string? reason)
    {
        if (_degraded) return;
        _degraded = true;
        LogDegraded(_logger, _node, reason ?? "unreachable");
    }

    private void Remember(Change change)
    {
        lock (_journal)
        {
            if (_journal.Count < MaxJournal)
            {
                _journal.Add(change);
                return;
            }
        }
        if (!_journalFull) LogJournalFull(_logger, _node, MaxJournal);
        _journalFull = true;
    }

    /// <summary>Writes the changes remembered during an outage, in order (caller holds <see cref="_writes"/>).</summary>
    private async Task ReplayAsync(IDatabase db)
    {
        int replayed = 0;
        while (true)
        {
            Change next;
            lock (_journal)
            {
                if (_journal.Count == 0) break;
                next = _journal[0];
            }
            await ApplyAsync(db, next);
            lock (_journal) _journal.RemoveAt(0);
            replayed++;
        }
        if (replayed > 0) LogReplayed(_logger, _node, replayed);
        if (_degraded) LogShared(_logger, _node);
        _degraded = _journalFull = false;
    }

    // ---- keeping this node's copy ----

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_loop is null) return;
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken); } catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
    }

    public void Dispose()
    {
        _stop.Dispose();
        _writes.Dispose();
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string? announced;
            try { announced = await _feed.NextAsync(ct); } catch (OperationCanceledException) { return; }
            if (Shared is not { } db) continue;
            var rooms = new HashSet<RoomId>();
            lock (_engine.Gate)
            {
                if (announced is null) rooms.UnionWith(_engine.Rooms.Select(r => r.Id));
                else if (RoomId.TryParse(announced, out var id) && (_engine.FindRoom(id) is not null || _local.Has(id))) rooms.Add(id);
            }
            if (announced is null)
            {
                rooms.UnionWith(_local.Rooms());
                lock (_journal) rooms.UnionWith(_journal.Select(c => c.Room));
            }
            if (rooms.Count == 0) continue;
            try
            {
                await _writes.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await ReplayAsync(db);
                foreach (var room in rooms) await RefreshAsync(db, room);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Degraded(e.Message);
            }
            finally
            {
                _writes.Release();
            }
        }
    }

    /// <summary>This node's copy of the room from Redis; its audience sessions without a grant any more end.</summary>
    private async Task RefreshAsync(IDatabase db, RoomId room)
    {
        var readAt = DateTimeOffset.UtcNow;
        var hands = await ReadAsync(db, room);
        _local.Replace(room, hands);
        var granted = hands.Where(h => h.Granted).Select(h => h.Participant).ToHashSet(StringComparer.Ordinal);
        foreach (var participant in _sessions.CloseUngrantedAudience(room, granted, readAt)) LogGrantEnded(_logger, _node, room.Value, participant);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: raise-hand queues not shared ({Reason}); this node's queues act alone until Redis returns")]
    private static partial void LogDegraded(ILogger logger, string node, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: raise-hand queues shared through Redis again")]
    private static partial void LogShared(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: {Count} raise-hand changes made during the Redis outage written to the cluster")]
    private static partial void LogReplayed(ILogger logger, string node, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: room {Room} hands lost by Redis written back from this node's copy ({Count})")]
    private static partial void LogSeeded(ILogger logger, string node, string room, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: {Max} raise-hand changes remembered during the Redis outage; later ones stay on this node")]
    private static partial void LogJournalFull(ILogger logger, string node, int max);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: room {Room} grant of {Participant} ended in the cluster; its audience publishing here ended")]
    private static partial void LogGrantEnded(ILogger logger, string node, string room, string participant);
}
