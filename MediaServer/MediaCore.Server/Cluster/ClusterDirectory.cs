using System.Text.Json;
using System.Threading.Channels;
using MediaCore.Server.Auth;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;
using MediaCore.Server.Udp;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MediaCore.Server.Cluster;

/// <summary>A node in the registry (<c>mc:node:{id}</c>, refreshed every heartbeat, expires after <see cref="ClusterOptions.NodeTtl"/>).</summary>
/// <param name="RelayUrl">Where other nodes call this node's relay API.</param>
/// <param name="MediaHost">The media port's address other nodes send relay packets to (the node's advertised address).</param>
/// <param name="Incarnation">Changes at every start, so peers notice a restart (new keys, no tracks).</param>
public sealed record ClusterNode(string Id, string RelayUrl, string MediaHost, int MediaPort, string? Parent, long Incarnation);

/// <summary>One session as the directory stores it: field <c>{node}|{session}</c> of the hash <c>mc:room:{room}</c>.</summary>
/// <param name="Kind"><c>publisher</c>, <c>subscriber</c>, <c>ingest</c> (a plain-RTP ingest: session id = the ingest id) or
/// <c>playback</c> (a file publisher: session id = the playback id).</param>
public sealed record DirectoryEntry(string Node, string Id, string SessionId, string Role, string Kind, string? DisplayName, DateTimeOffset JoinedAt)
{
    public const string Ingest = "ingest";
    public const string Playback = "playback";

    /// <summary>Sends media other nodes relay: a WHIP session, a SIP terminal (kind publisher), an ingest or a playback.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Publishes => Kind is "publisher" or Ingest or Playback;
}

/// <summary>
/// The room directory of a cluster, in Redis (livekit keeps its room-to-node map there too; ours also lists each session and
/// the node it is on). Layout:
/// <list type="bullet">
/// <item><c>mc:node:{id}</c>: <see cref="ClusterNode"/> JSON with a TTL (heartbeat); <c>mc:nodes</c>: the set of ids ever seen.</item>
/// <item><c>mc:room:{room}</c>: hash, field <c>{node}|{session}</c> = <see cref="DirectoryEntry"/> JSON; <c>mc:rooms</c>: room ids.</item>
/// </list>
/// A join is one HSET (+ SADD), a leave one HDEL, both queued off the media lock. Readers ignore entries of nodes whose key
/// expired, so a dead node drops out within the TTL; a janitor deletes its leftovers. When Redis fails the node keeps
/// serving its own rooms (the local view answers) and writes everything again once Redis is back (resync).
/// </summary>
public sealed partial class ClusterDirectory : IRoomDirectory, IMediaEventSink, IHostedService, IAsyncDisposable
{
    private const string NodesKey = "mc:nodes", RoomsKey = "mc:rooms";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly MediaServerOptions _options;
    private readonly SessionManager _local;
    private readonly MediaEndpointInfo _media;
    private readonly ILogger<ClusterDirectory> _logger;
    private readonly Channel<(bool Join, string Room, DirectoryEntry Entry)> _changes =
        Channel.CreateBounded<(bool, string, DirectoryEntry)>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _cacheLock = new();
    private ConnectionMultiplexer? _redis;
    private Task? _writer, _heartbeat;
    private volatile bool _available;
    private volatile bool _resyncNeeded = true;
    private string? _lastError = "not connected yet";
    private (long At, IReadOnlyDictionary<string, ClusterNode> Nodes)? _nodeCache;
    private long _writes;

    public ClusterDirectory(IOptions<MediaServerOptions> options, MediaEngine engine, SessionManager local, MediaEndpointInfo media, ILogger<ClusterDirectory> logger)
    {
        // Sessions starting and ending are written to Redis besides the webhooks (set once, at start-up, before any session).
        engine.Events = engine.Events is null ? this : new MediaEventFanout(engine.Events, this);
        _options = options.Value;
        _local = local;
        _media = media;
        _logger = logger;
        Incarnation = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + Random.Shared.Next(1000);
    }

    public string NodeId => _options.NodeId;
    public long Incarnation { get; }
    /// <summary>True while the last Redis command succeeded.</summary>
    public bool IsAvailable => _available;
    /// <summary>Why Redis is not available (for 503 answers and logs).</summary>
    public string? LastError => _lastError;
    /// <summary>Directory writes done (joins and leaves), for the joins/s measurement.</summary>
    public long Writes => Interlocked.Read(ref _writes);
    private IDatabase Db => _redis!.GetDatabase();
    /// <summary>The Redis database once connected (other cluster services share the connection), else null.</summary>
    internal IDatabase? Database => _redis?.GetDatabase();

    /// <summary>This node's registry entry.</summary>
    public ClusterNode Self => new(NodeId, _options.Cluster.RelayUrl!.TrimEnd('/'), _media.Advertised.Address.ToString(), _media.Advertised.Port,
        string.IsNullOrWhiteSpace(_options.Cluster.Parent) ? null : _options.Cluster.Parent, Incarnation);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var config = ConfigurationOptions.Parse(_options.Cluster.Redis!);
        config.AbortOnConnectFail = false;   // start without Redis; the multiplexer keeps reconnecting
        config.BacklogPolicy = BacklogPolicy.FailFast; // a command while disconnected fails at once: callers fall back to local state
        config.ConnectTimeout = 1000;
        config.SyncTimeout = 1000;
        config.AsyncTimeout = 1000;
        config.ReconnectRetryPolicy = new LinearRetry(500);
        config.ClientName = "mediacore-" + NodeId;
        _redis = await ConnectionMultiplexer.ConnectAsync(config);
        _writer = Task.Run(() => WriteLoopAsync(_stop.Token), CancellationToken.None);
        _heartbeat = Task.Run(() => HeartbeatLoopAsync(_stop.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        _changes.Writer.TryComplete();
        foreach (var t in new[] { _writer, _heartbeat })
        {
            if (t is null) continue;
            try { await t.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken); } catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        }
        // A clean stop leaves the cluster at once instead of after the TTL.
        if (_available)
        {
            try { await Db.KeyDeleteAsync(NodeKey(NodeId)); } catch (RedisException) { } catch (TimeoutException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        _stop.Dispose();
    }

    // ---- write side (called under MediaEngine.Gate: only queue) ----

    public void SessionStarted(SessionInfo session, string? displayName, DateTimeOffset joinedAt) =>
        _changes.Writer.TryWrite((true, session.Room.Value, ToEntry(session, displayName, joinedAt)));

    public void SessionEnded(SessionInfo session, string? displayName, DateTimeOffset joinedAt) =>
        _changes.Writer.TryWrite((false, session.Room.Value, ToEntry(session, displayName, joinedAt)));

    public void FeedStarted(IRoomFeed feed) => _changes.Writer.TryWrite((true, feed.Room.Id.Value, ToEntry(feed)));

    public void FeedEnded(IRoomFeed feed) => _changes.Writer.TryWrite((false, feed.Room.Id.Value, ToEntry(feed)));

    private DirectoryEntry ToEntry(SessionInfo s, string? displayName, DateTimeOffset joinedAt) => new(NodeId, s.ParticipantId, s.SessionId,
        s.Role.ToClaim(), s.Kind == SessionKind.Publisher ? "publisher" : "subscriber", displayName, joinedAt);

    // An ingest or a playback publishes like a WHIP session (role speaker), under its own kind so the ControlPlane does not
    // count it as the site's attendance.
    private DirectoryEntry ToEntry(IRoomFeed f) => new(NodeId, f.ParticipantId, f.Id, ParticipantRole.Speaker.ToClaim(), f.Kind, null, f.StartedAt);

    private static string NodeKey(string id) => "mc:node:" + id;
    private static string RoomKey(string room) => "mc:room:" + room;
    private static string NodeRoomsKey(string id) => "mc:node:" + id + ":rooms";
    private static string Field(DirectoryEntry e) => e.Node + "|" + e.SessionId;

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (join, room, entry) in _changes.Reader.ReadAllAsync(ct))
            {
                if (_resyncNeeded) continue; // the resync writes the current state, this change included
                try
                {
                    if (join) await WriteJoinAsync(Db, room, entry);
                    else await WriteLeaveAsync(Db, room, entry);
                    Interlocked.Increment(ref _writes);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    Failed(e);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>A join as the directory writes it: one HSET of the session's entry, the room and the node's room set (pipelined).</summary>
    public static Task WriteJoinAsync(IDatabase db, string room, DirectoryEntry entry) => Task.WhenAll(
        db.HashSetAsync(RoomKey(room), Field(entry), JsonSerializer.Serialize(entry, Json)),
        db.SetAddAsync(RoomsKey, room),
        db.SetAddAsync(NodeRoomsKey(entry.Node), room));

    /// <summary>A leave: one HDEL.</summary>
    public static Task WriteLeaveAsync(IDatabase db, string room, DirectoryEntry entry) => db.HashDeleteAsync(RoomKey(room), Field(entry));

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        var interval = _options.Cluster.HeartbeatInterval;
        long lastJanitor = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var db = Db;
                await db.StringSetAsync(NodeKey(NodeId), JsonSerializer.Serialize(Self, Json), _options.Cluster.NodeTtl);
                await db.SetAddAsync(NodesKey, NodeId);
                if (!_available) LogRedisBack(_logger, NodeId);
                _available = true;
                _lastError = null;
                if (_resyncNeeded) await ResyncAsync();
                if (Environment.TickCount64 - lastJanitor > 5000)
                {
                    lastJanitor = Environment.TickCount64;
                    await JanitorAsync();
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Failed(e);
            }
            try { await Task.Delay(interval, ct); } catch (OperationCanceledException) { return; }
        }
    }

    private void Failed(Exception e)
    {
        if (_available) LogRedisDown(_logger, NodeId, e.Message);
        _available = false;
        _resyncNeeded = true;
        _lastError = e.Message;
    }

    /// <summary>Writes this node's sessions again and deletes its entries that no longer exist (after a Redis outage or a restart).</summary>
    private async Task ResyncAsync()
    {
        _resyncNeeded = false;
        var db = Db;
        var local = new Dictionary<string, RoomDetailsDto>(StringComparer.Ordinal);
        foreach (var r in _local.ListRooms())
        {
            if (RoomId.TryParse(r.Room, out var id) && _local.GetRoom(id) is { } details) local[r.Room] = details;
        }
        var previous = await db.SetMembersAsync(NodeRoomsKey(NodeId));
        var rooms = new HashSet<string>(previous.Select(v => v.ToString()), StringComparer.Ordinal);
        rooms.UnionWith(local.Keys);
        string prefix = NodeId + "|";
        foreach (var room in rooms)
        {
            var fields = await db.HashKeysAsync(RoomKey(room));
            var keep = new HashSet<string>(StringComparer.Ordinal);
            if (local.TryGetValue(room, out var details))
            {
                var entries = details.Participants.Select(p => new DirectoryEntry(NodeId, p.Id, p.SessionId, p.Role, p.Kind, p.DisplayName, p.JoinedAt)).ToList();
                foreach (var e in entries) keep.Add(Field(e));
                if (entries.Count > 0)
                    await db.HashSetAsync(RoomKey(room), entries.Select(e => new HashEntry(Field(e), JsonSerializer.Serialize(e, Json))).ToArray());
                await db.SetAddAsync(RoomsKey, room);
            }
            var stale = fields.Select(f => f.ToString()).Where(f => f.StartsWith(prefix, StringComparison.Ordinal) && !keep.Contains(f))
                .Select(f => (RedisValue)f).ToArray();
            if (stale.Length > 0) await db.HashDeleteAsync(RoomKey(room), stale);
            if (!local.ContainsKey(room)) await db.SetRemoveAsync(NodeRoomsKey(NodeId), room);
            else await db.SetAddAsync(NodeRoomsKey(NodeId), room);
        }
        LogResynced(_logger, NodeId, local.Count);
    }

    /// <summary>Deletes entries of nodes whose registry key expired and rooms nobody is in (any node may do it; it is idempotent).</summary>
    private async Task JanitorAsync()
    {
        var db = Db;
        var alive = await AliveNodesAsync(fresh: true);
        foreach (var id in await db.SetMembersAsync(NodesKey))
        {
            if (!alive.ContainsKey(id.ToString())) await db.SetRemoveAsync(NodesKey, id);
        }
        foreach (var room in await db.SetMembersAsync(RoomsKey))
        {
            var key = RoomKey(room.ToString());
            var fields = await db.HashKeysAsync(key);
            var dead = fields.Where(f => !alive.ContainsKey(NodeOf(f.ToString()))).ToArray();
            if (dead.Length > 0) await db.HashDeleteAsync(key, dead);
            if (fields.Length == dead.Length) await db.SetRemoveAsync(RoomsKey, room);
        }
    }

    private static string NodeOf(string field)
    {
        int bar = field.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? field : field[..bar];
    }

    // ---- read side ----

    /// <summary>Live nodes by id (this one included), cached for 250 ms.</summary>
    public async Task<IReadOnlyDictionary<string, ClusterNode>> AliveNodesAsync(bool fresh = false)
    {
        lock (_cacheLock)
        {
            if (!fresh && _nodeCache is { } c && Environment.TickCount64 - c.At < 250) return c.Nodes;
        }
        var db = Db;
        var ids = await db.SetMembersAsync(NodesKey);
        var values = ids.Length == 0 ? [] : await db.StringGetAsync(ids.Select(i => (RedisKey)NodeKey(i.ToString())).ToArray());
        var nodes = new Dictionary<string, ClusterNode>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            if (v.IsNullOrEmpty) continue;
            var node = JsonSerializer.Deserialize<ClusterNode>(v.ToString(), Json);
            if (node is not null) nodes[node.Id] = node;
        }
        lock (_cacheLock) _nodeCache = (Environment.TickCount64, nodes);
        return nodes;
    }

    /// <summary>Sessions of <paramref name="room"/> on other live nodes, from Redis (throws when Redis is unreachable).</summary>
    public async Task<IReadOnlyList<DirectoryEntry>> RemoteEntriesAsync(string room)
    {
        var alive = await AliveNodesAsync();
        var all = await Db.HashGetAllAsync(RoomKey(room));
        var list = new List<DirectoryEntry>(all.Length);
        foreach (var h in all)
        {
            string node = NodeOf(h.Name.ToString());
            if (node == NodeId || !alive.ContainsKey(node)) continue;
            var e = JsonSerializer.Deserialize<DirectoryEntry>(h.Value.ToString(), Json);
            if (e is not null) list.Add(e);
        }
        return list;
    }

    public IReadOnlyList<RoomSummaryDto> ListRooms()
    {
        var local = _local.ListRooms();
        if (!_available) return local.Select(r => r with { Nodes = [NodeId] }).ToList();
        try
        {
            return ListClusterRoomsAsync(local).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Failed(e);
            return local.Select(r => r with { Nodes = [NodeId] }).ToList();
        }
    }

    private async Task<IReadOnlyList<RoomSummaryDto>> ListClusterRoomsAsync(IReadOnlyList<RoomSummaryDto> local)
    {
        var rooms = new SortedSet<string>((await Db.SetMembersAsync(RoomsKey)).Select(v => v.ToString()), StringComparer.Ordinal);
        rooms.UnionWith(local.Select(r => r.Room));
        var remote = await Task.WhenAll(rooms.Select(RemoteEntriesAsync));
        var list = new List<RoomSummaryDto>(rooms.Count);
        int i = 0;
        foreach (var room in rooms)
        {
            var entries = remote[i++].ToList();
            if (RoomId.TryParse(room, out var id) && _local.GetRoom(id) is { } mine)
                entries.AddRange(mine.Participants.Select(p => new DirectoryEntry(NodeId, p.Id, p.SessionId, p.Role, p.Kind, p.DisplayName, p.JoinedAt)));
            if (entries.Count == 0) continue;
            list.Add(new RoomSummaryDto(room, entries.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count(),
                entries.Count(e => e.Publishes), entries.Count(e => e.Kind == "subscriber"),
                entries.Select(e => e.Node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()));
        }
        return list;
    }

    public RoomDetailsDto? GetRoom(RoomId room)
    {
        var mine = _local.GetRoom(room);
        var participants = mine?.Participants.Select(p => p with { Node = NodeId }).ToList() ?? [];
        if (_available)
        {
            try
            {
                var remote = RemoteEntriesAsync(room.Value).GetAwaiter().GetResult();
                participants.AddRange(remote.Select(e => new ParticipantDto(e.Id, e.SessionId, e.Role, e.Kind, e.DisplayName, e.JoinedAt, [], e.Node)));
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Failed(e);
            }
        }
        if (participants.Count == 0) return null;
        return new RoomDetailsDto(room.Value, participants.OrderBy(p => p.JoinedAt).ThenBy(p => p.SessionId, StringComparer.Ordinal).ToList());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: Redis directory unreachable ({Reason}); serving local rooms only")]
    private static partial void LogRedisDown(ILogger logger, string node, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: Redis directory reachable")]
    private static partial void LogRedisBack(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: wrote its {Rooms} rooms to the Redis directory")]
    private static partial void LogResynced(ILogger logger, string node, int rooms);
}

/// <summary>Tells several sinks (webhooks, the cluster directory, the cluster's room controls) about sessions and the rest.</summary>
internal sealed class MediaEventFanout(params IMediaEventSink[] sinks) : IMediaEventSink
{
    public void SessionStarted(SessionInfo session, string? displayName, DateTimeOffset joinedAt)
    {
        foreach (var s in sinks) s.SessionStarted(session, displayName, joinedAt);
    }

    public void SessionEnded(SessionInfo session, string? displayName, DateTimeOffset joinedAt)
    {
        foreach (var s in sinks) s.SessionEnded(session, displayName, joinedAt);
    }

    public void FeedStarted(IRoomFeed feed)
    {
        foreach (var s in sinks) s.FeedStarted(feed);
    }

    public void FeedEnded(IRoomFeed feed)
    {
        foreach (var s in sinks) s.FeedEnded(feed);
    }

    public void RoomControlsChanged(RoomId room)
    {
        foreach (var s in sinks) s.RoomControlsChanged(room);
    }
}
