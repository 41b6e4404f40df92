using System.Text.Json;
using System.Threading.Channels;
using MediaCore.Server.Mixing;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MediaCore.Server.Cluster;

/// <summary>A room's host controls as the cluster shares them (<c>mc:controls:{room}</c>, field <c>c</c>; field <c>v</c> the version).</summary>
/// <param name="Floor">The floor holder (<c>PUT /api/rooms/{room}/floor</c>, a raised hand granted), or null.</param>
/// <param name="Mode"><c>mixed</c> or <c>forwarded</c>.</param>
/// <param name="N">Loudest speakers mixed.</param>
public sealed record RoomControlsDto(string? Floor, string Mode, int N, IReadOnlyList<string> Muted, IReadOnlyList<string> Pinned);

/// <summary>
/// Makes a room's host controls act on every node of a cluster: the floor holder and the audio settings (mode, N, muted,
/// pinned) set through the room API on one node are written to Redis (one versioned hash per room, the write announcing the
/// room on the channel <c>mc:controls</c>), and every node holding the room reads and applies the newest version as the
/// announcement arrives: its program ranking (the floor holder's video leads, relayed or not), its mixer (mutes, pins, N) and
/// its relay links' top-N gates. So a pin or mute the county host sets on the county node also holds in the mix a town node
/// makes for its villages, and in what that town sends up. Every <c>MediaServer:Cluster:SyncPollInterval</c> (5 s) and when
/// Redis comes back, a node re-reads all its rooms (an announcement is lost while a node's connection is down). The last
/// write wins (hosts control a meeting from one place). Without Redis each node keeps its own controls and catches up with
/// the next change after Redis returns. Raise-hand queues are shared by <see cref="ClusterHands"/>; per-subscriber controls
/// (layer, source) stay on the node they were made on (docs/operations.md "What each node decides").
/// </summary>
public sealed partial class ClusterRoomControls : IMediaEventSink, IHostedService, IDisposable
{
    /// <summary>The pub/sub channel a write announces its room on.</summary>
    public const string ChannelName = "mc:controls";

    private const string WriteScript = """
        local v = redis.call('HINCRBY', KEYS[1], 'v', 1)
        redis.call('HSET', KEYS[1], 'c', ARGV[1])
        redis.call('EXPIRE', KEYS[1], 86400)
        redis.call('PUBLISH', 'mc:controls', ARGV[2])
        return v
        """;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly RedisValue[] Fields = ["v", "c"];

    private readonly MediaEngine _engine;
    private readonly ClusterDirectory _directory;
    private readonly ILogger<ClusterRoomControls> _logger;
    private readonly string _node;
    private readonly RoomChangeFeed _feed;
    // Room API calls only (host actions): unbounded, so every queued change is counted out of _pending again.
    private readonly Channel<RoomId> _changed = Channel.CreateUnbounded<RoomId>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _applied = new(StringComparer.Ordinal);
    // Rooms with a local change not yet written: the reader leaves them alone, or it could put an older version over the
    // change before the writer snapshots it (the writer's own announcement arrives about as fast as the script's answer).
    private readonly Dictionary<string, int> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _writer, _reader;

    public ClusterRoomControls(MediaEngine engine, ClusterDirectory directory, IOptions<MediaServerOptions> options, ILogger<ClusterRoomControls> logger)
    {
        _engine = engine;
        _directory = directory;
        _logger = logger;
        _node = options.Value.NodeId;
        _feed = new RoomChangeFeed(directory, ChannelName, options.Value.Cluster.SyncPollInterval);
        // Room API changes arrive as events (set once, at start-up, before any request).
        engine.Events = engine.Events is null ? this : new MediaEventFanout(engine.Events, this);
    }

    private static string Key(string room) => "mc:controls:" + room;

    /// <summary>
    /// Under the engine's lock: only queue. A session can be the room's first on this node (a village joining a county meeting
    /// on its town): read the room's controls now rather than at the next re-read.
    /// </summary>
    public void SessionStarted(SessionInfo session, string? displayName, DateTimeOffset joinedAt) => _feed.Notify(session.Room.Value);

    public void SessionEnded(SessionInfo session, string? displayName, DateTimeOffset joinedAt) { }

    /// <summary>Under the engine's lock: only queue.</summary>
    public void RoomControlsChanged(RoomId room)
    {
        lock (_lock) _pending[room.Value] = _pending.GetValueOrDefault(room.Value) + 1;
        if (!_changed.Writer.TryWrite(room)) Written(room.Value); // stopping
    }

    private void Written(string room)
    {
        lock (_lock)
        {
            if (_pending.TryGetValue(room, out int n) && n > 1) _pending[room] = n - 1;
            else _pending.Remove(room);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer = Task.Run(() => WriteLoopAsync(_stop.Token), CancellationToken.None);
        _reader = Task.Run(() => ReadLoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        _changed.Writer.TryComplete();
        foreach (var t in new[] { _writer, _reader })
        {
            if (t is null) continue;
            try { await t.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken); } catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        }
    }

    public void Dispose() => _stop.Dispose();

    /// <summary>This node's controls of <paramref name="room"/> (caller holds the engine's lock).</summary>
    private RoomControlsDto Snapshot(RoomId room)
    {
        var s = _engine.Mixing.GetSettings(room.Value);
        return new RoomControlsDto(_engine.FindRoom(room)?.FloorHolder, s.Mode == RoomAudioMode.Mixed ? "mixed" : "forwarded", s.MaxSpeakers,
            [.. s.Muted.Order(StringComparer.Ordinal)], [.. s.Pinned.Order(StringComparer.Ordinal)]);
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var room in _changed.Reader.ReadAllAsync(ct))
            {
                try
                {
                    if (_directory.Database is not { } db || !_directory.IsAvailable) continue; // this node keeps its controls
                    RoomControlsDto controls;
                    lock (_engine.Gate) controls = Snapshot(room);
                    long version = (long)await db.ScriptEvaluateAsync(WriteScript, new RedisKey[] { Key(room.Value) },
                        new RedisValue[] { JsonSerializer.Serialize(controls, Json), room.Value });
                    lock (_lock) _applied[room.Value] = Math.Max(_applied.GetValueOrDefault(room.Value), version);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    LogWriteFailed(_logger, _node, room.Value, e.Message);
                }
                finally
                {
                    Written(room.Value);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task ReadLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string? announced;
            try { announced = await _feed.NextAsync(ct); } catch (OperationCanceledException) { return; }
            if (_directory.Database is not { } db || !_directory.IsAvailable) continue;
            List<RoomId> rooms;
            lock (_engine.Gate)
            {
                // An announced room this node does not hold has nothing here to apply the controls to.
                rooms = announced is null ? [.. _engine.Rooms.Select(r => r.Id)]
                    : RoomId.TryParse(announced, out var id) && _engine.FindRoom(id) is not null ? [id] : [];
            }
            if (rooms.Count == 0) continue;
            try
            {
                var reads = rooms.Select(r => db.HashGetAsync(Key(r.Value), Fields)).ToList();
                for (int i = 0; i < rooms.Count; i++)
                {
                    var values = await reads[i];
                    if (values[0].IsNull || values[1].IsNull || !long.TryParse(values[0].ToString(), out long version)) continue;
                    lock (_lock)
                    {
                        if (version <= _applied.GetValueOrDefault(rooms[i].Value) || _pending.ContainsKey(rooms[i].Value)) continue;
                    }
                    var controls = JsonSerializer.Deserialize<RoomControlsDto>(values[1].ToString(), Json);
                    if (controls is not null) Apply(rooms[i], controls);
                    lock (_lock) _applied[rooms[i].Value] = Math.Max(_applied.GetValueOrDefault(rooms[i].Value), version);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException or JsonException)
            {
                // Redis down or a bad entry: keep the controls this node has; the re-read after Redis returns catches up.
            }
        }
    }

    /// <summary>Another node's controls, onto this node's room (no event: applying must not publish again).</summary>
    private void Apply(RoomId id, RoomControlsDto controls)
    {
        lock (_engine.Gate)
        {
            var room = _engine.FindRoom(id);
            if (room is null) return;
            var s = _engine.Mixing.GetSettings(id.Value);
            if (Enum.TryParse<RoomAudioMode>(controls.Mode, ignoreCase: true, out var mode) && Enum.IsDefined(mode)) s.Mode = mode;
            s.MaxSpeakers = Math.Clamp(controls.N, 0, 16);
            s.Muted.Clear();
            s.Muted.UnionWith(controls.Muted);
            s.Pinned.Clear();
            s.Pinned.UnionWith(controls.Pinned);
            room.Audio.ApplySettings();
            if (room.FloorHolder != controls.Floor) room.SetFloor(_engine.Clock.NowTicks, controls.Floor);
        }
        LogApplied(_logger, _node, id.Value, controls.Floor, controls.Pinned.Count, controls.Muted.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: room {Room} controls from the cluster (floor {Floor}, {Pinned} pinned, {Muted} muted)")]
    private static partial void LogApplied(ILogger logger, string node, string room, string? floor, int pinned, int muted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: room {Room} controls not shared with the cluster: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string node, string room, string reason);
}
