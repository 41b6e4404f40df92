using System.Net;
using System.Net.Http.Json;
using MediaCore.Protocol.Core;
using MediaCore.Server.Auth;
using MediaCore.Server.Options;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MediaCore.Server.Cluster;

/// <summary>
/// The receiving side of relay links: brings a room's tracks published on other nodes into this node while a local WHEP
/// subscriber needs them. At a subscribe, and every second for rooms with local subscribers, it reads the room's publishers
/// from the directory, and for each origin node whose publishers changed asks it (<c>POST /api/cluster/relay</c>) for the
/// room's tracks over the one link to that node. A room without local subscribers for <see cref="ReleaseAfter"/> releases its
/// tracks (<c>DELETE</c>); a node that left the registry loses its link. HTTP never runs under the engine's lock.
/// </summary>
public sealed partial class RelayManager : IHostedService, IDisposable
{
    /// <summary>How long relayed tracks stay after the room's last local subscriber left (a reconnecting one finds them).</summary>
    public static readonly TimeSpan ReleaseAfter = TimeSpan.FromSeconds(3);

    private readonly MediaEngine _engine;
    private readonly ClusterDirectory _directory;
    private readonly MediaServerOptions _options;
    private readonly MediaTokenIssuer _issuer;
    private readonly ILogger<RelayManager> _logger;
    private readonly HttpClient _http;
    private readonly Lock _lock = new();
    // (room, origin node) -> signature of the origin's publisher sessions when last asked, and the origin's incarnation
    private readonly Dictionary<(string Room, string Node), (string Signature, long Incarnation)> _asked = [];
    private readonly Dictionary<string, long> _lastWanted = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sync = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public RelayManager(MediaEngine engine, ClusterDirectory directory, SessionManager sessions, IOptions<MediaServerOptions> options,
        MediaTokenIssuer issuer, ILogger<RelayManager> logger)
    {
        _engine = engine;
        _directory = directory;
        _options = options.Value;
        _issuer = issuer;
        _logger = logger;
        _http = new HttpClient { Timeout = options.Value.Cluster.RelayTimeout };
        sessions.Relays = this;
        RelayMetrics.Register(engine, options.Value.NodeId);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try { await _loop.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken); } catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        }
        lock (_engine.Gate)
        {
            foreach (var link in _engine.RelayLinks.ToList()) _engine.RemoveRelayLink(link, _engine.Clock.NowTicks);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _sync.Dispose();
        _stop.Dispose();
        RelayMetrics.Unregister(_engine);
    }

    /// <summary>
    /// Before a WHEP subscriber joins <paramref name="room"/>: brings in the tracks other nodes publish there. Returns null when
    /// the subscriber can be served, or why not (answered 503): the directory is down and the room has no publisher here, or
    /// the origin node did not answer.
    /// </summary>
    public async Task<string?> PrepareSubscribeAsync(RoomId room, CancellationToken cancellationToken)
    {
        lock (_lock) _lastWanted[room.Value] = Environment.TickCount64;
        if (!_directory.IsAvailable)
            return HasLocalPublishers(room) ? null : Unreachable();
        try
        {
            return await SyncRoomAsync(room.Value, cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HasLocalPublishers(room) ? null : Unreachable();
        }
    }

    private string Unreachable() =>
        $"集群目录不可用：the cluster directory (Redis) is unreachable ({_directory.LastError}), so node {_options.NodeId} cannot find this room's " +
        "publishers on other nodes; rooms published on this node keep working. Retry shortly or join the node that hosts the meeting.";

    /// <summary>True when this node can serve the room without the directory: it publishes here or a link already brings it in.</summary>
    private bool HasLocalPublishers(RoomId room)
    {
        lock (_engine.Gate)
        {
            var r = _engine.FindRoom(room);
            // Relayed tracks count: a link already carrying the room keeps working without the directory.
            return r is not null && r.Router.Producers.Count > 0;
        }
    }

    /// <summary>Asks each origin node whose publishers in <paramref name="room"/> changed for its tracks; null or the first error.</summary>
    private async Task<string?> SyncRoomAsync(string room, CancellationToken ct)
    {
        var entries = await _directory.RemoteEntriesAsync(room);
        var nodes = await _directory.AliveNodesAsync();
        var publishers = entries.Where(e => e.Publishes).ToList(); // WHIP sessions, SIP terminals, ingests
        Dictionary<string, string> origins;
        if (_options.Cluster.Parent is { Length: > 0 } parent && nodes.ContainsKey(parent) && publishers.Count > 0)
        {
            // Tree: a town node takes everything through its parent (the county node asks the other towns and fans out),
            // so each town has one link and the county one per town. Without a live parent, straight to the origins.
            origins = new(StringComparer.Ordinal) { [parent] = Signature(publishers) };
        }
        else
        {
            origins = publishers.GroupBy(e => e.Node).ToDictionary(g => g.Key, g => Signature(g), StringComparer.Ordinal);
        }
        string? error = null;
        await _sync.WaitAsync(ct);
        try
        {
            foreach (var (node, signature) in origins)
            {
                if (!nodes.TryGetValue(node, out var origin)) continue;
                bool linked;
                lock (_engine.Gate) linked = _engine.FindRelayLink(node) is { IsClosed: false } l && l.PeerIncarnation == origin.Incarnation;
                lock (_lock)
                {
                    if (linked && _asked.TryGetValue((room, node), out var asked) && asked.Signature == signature && asked.Incarnation == origin.Incarnation) continue;
                }
                error ??= await AskAsync(room, origin, signature, ct);
            }
            // Origins that no longer publish in the room: drop their tracks here and tell them.
            List<string> gone;
            lock (_lock) gone = _asked.Keys.Where(k => k.Room == room && !origins.ContainsKey(k.Node)).Select(k => k.Node).ToList();
            foreach (var node in gone) await ReleaseAsync(room, node, nodes.GetValueOrDefault(node));
        }
        finally
        {
            _sync.Release();
        }
        return error;
    }

    private static string Signature(IEnumerable<DirectoryEntry> publishers) =>
        string.Join(',', publishers.Select(e => e.Node + "/" + e.SessionId).Order(StringComparer.Ordinal));

    /// <summary>
    /// A child node (its <c>Parent</c> is this node) asks for a room: first bring in what other nodes publish there, so the
    /// answer carries their tracks too (one copy per child link). Never called for a request from the parent (no loops).
    /// </summary>
    public async Task<string?> PullForChildAsync(string room, CancellationToken ct)
    {
        lock (_lock) _lastWanted[room] = Environment.TickCount64;
        if (!_directory.IsAvailable) return null;
        try
        {
            return await SyncRoomAsync(room, ct);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private async Task<string?> AskAsync(string room, ClusterNode origin, string signature, CancellationToken ct)
    {
        string key;
        PeerAddress remote;
        lock (_engine.Gate)
        {
            remote = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(origin.MediaHost), origin.MediaPort));
            key = _engine.GetOrCreateRelayLink(_options.NodeId, origin.Id, remote, _engine.Clock.NowTicks).LocalKey;
        }
        var self = _directory.Self;
        using var request = new HttpRequestMessage(HttpMethod.Post, origin.RelayUrl + "/api/cluster/relay")
        {
            Content = JsonContent.Create(new RelayRequest(_options.NodeId, self.Incarnation, self.MediaHost, self.MediaPort, key, room)),
        };
        request.Headers.Authorization = new("Bearer", NodeToken());
        RelayResponse? answer;
        try
        {
            using var response = await _http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
                return $"relay from node {origin.Id} refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
            answer = await response.Content.ReadFromJsonAsync<RelayResponse>(ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            LogRelayFailed(_logger, _options.NodeId, origin.Id, room, e.Message);
            return $"relay from node {origin.Id} ({origin.RelayUrl}) failed: {e.Message}";
        }
        if (answer is null) return $"relay from node {origin.Id}: empty answer";
        lock (_engine.Gate)
        {
            long now = _engine.Clock.NowTicks;
            var link = _engine.GetOrCreateRelayLink(_options.NodeId, origin.Id, remote, now);
            if (link.LocalKey != key) return $"relay link to node {origin.Id} was replaced while asking; retrying";
            link.SetRemoteKey(answer.Key, answer.Incarnation);
            if (!RoomId.TryParse(room, out var id)) return "invalid room";
            link.SyncInbound(now, _engine.GetOrCreateRoom(id), answer.Tracks);
        }
        lock (_lock) _asked[(room, origin.Id)] = (signature, answer.Incarnation);
        LogLinked(_logger, _options.NodeId, origin.Id, room, answer.Tracks.Count);
        return null;
    }

    private async Task ReleaseAsync(string room, string node, ClusterNode? origin)
    {
        lock (_lock) _asked.Remove((room, node));
        lock (_engine.Gate)
        {
            var link = _engine.FindRelayLink(node);
            if (link is not null)
            {
                link.ReleaseInbound(_engine.Clock.NowTicks, room);
                if (link.IsIdle) _engine.RemoveRelayLink(link, _engine.Clock.NowTicks);
            }
        }
        if (origin is null) return;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"{origin.RelayUrl}/api/cluster/relay/{Uri.EscapeDataString(room)}?node={Uri.EscapeDataString(_options.NodeId)}");
            request.Headers.Authorization = new("Bearer", NodeToken());
            using var _ = await _http.SendAsync(request);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // The origin releases an idle link by itself (no receiver reports for LinkIdleTimeout).
        }
    }

    private string NodeToken() => _issuer.Issue(MediaToken.AllRooms, "node:" + _options.NodeId, ParticipantRole.Host, TimeSpan.FromMinutes(1));

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(1), ct); } catch (OperationCanceledException) { return; }
            try
            {
                await TickAsync(ct);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or HttpRequestException)
            {
                // Directory down: links keep carrying what they carry; the next tick tries again.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Anything else is a bug, but the loop must outlive it: links and releases depend on it.
                LogTickFailed(_logger, _options.NodeId, e);
            }
        }
    }

    private async Task TickAsync(CancellationToken ct)
    {
        long nowMs = Environment.TickCount64;
        List<string> wanted = [], idle = [];
        List<RelayLink> stale = [];
        lock (_engine.Gate)
        {
            long now = _engine.Clock.NowTicks;
            foreach (var room in _engine.Rooms)
            {
                if (room.HasLocalSubscribers)
                {
                    wanted.Add(room.Id.Value);
                    lock (_lock) _lastWanted[room.Id.Value] = nowMs;
                }
            }
            // Rooms this node relays on to its children keep their own inbound tracks too (the county in the tree).
            foreach (var link in _engine.RelayLinks)
            {
                foreach (var r in link.OutboundRooms)
                {
                    if (wanted.Contains(r)) continue;
                    wanted.Add(r);
                    lock (_lock) _lastWanted[r] = nowMs;
                }
            }
            foreach (var link in _engine.RelayLinks)
            {
                // No packet from the peer for the idle timeout: it is gone or stopped serving us.
                if (now - link.LastReceiveTicks > _options.Cluster.LinkIdleTimeout.Ticks && now - link.CreatedTicks > _options.Cluster.LinkIdleTimeout.Ticks)
                    stale.Add(link);
            }
            foreach (var link in stale) _engine.RemoveRelayLink(link, now);
        }
        lock (_lock)
        {
            foreach (var room in _asked.Keys.Select(k => k.Room).Distinct().ToList())
            {
                if (!wanted.Contains(room) && nowMs - _lastWanted.GetValueOrDefault(room) > ReleaseAfter.TotalMilliseconds) idle.Add(room);
            }
            foreach (var link in stale) foreach (var k in _asked.Keys.Where(k => k.Node == link.PeerNode).ToList()) _asked.Remove(k);
        }
        IReadOnlyDictionary<string, ClusterNode>? nodes = null;
        if (_directory.IsAvailable)
        {
            nodes = await _directory.AliveNodesAsync();
            // Nodes that left the registry (stopped heartbeating): drop their links and tracks at once.
            lock (_engine.Gate)
            {
                foreach (var link in _engine.RelayLinks.Where(l => !nodes.ContainsKey(l.PeerNode)).ToList())
                {
                    LogPeerGone(_logger, _options.NodeId, link.PeerNode);
                    _engine.RemoveRelayLink(link, _engine.Clock.NowTicks);
                    lock (_lock) foreach (var k in _asked.Keys.Where(k => k.Node == link.PeerNode).ToList()) _asked.Remove(k);
                }
            }
            foreach (var room in wanted) await SyncRoomAsync(room, ct);
        }
        foreach (var room in idle)
        {
            List<string> origins;
            lock (_lock) origins = _asked.Keys.Where(k => k.Room == room).Select(k => k.Node).ToList();
            foreach (var node in origins) await ReleaseAsync(room, node, nodes?.GetValueOrDefault(node));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: relay link from {Origin} carries room {Room} ({Tracks} tracks)")]
    private static partial void LogLinked(ILogger logger, string node, string origin, string room, int tracks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: relay from {Origin} of room {Room} failed: {Reason}")]
    private static partial void LogRelayFailed(ILogger logger, string node, string origin, string room, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {Node}: relay tick failed")]
    private static partial void LogTickFailed(ILogger logger, string node, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: peer {Peer} left the registry; its relay link is closed")]
    private static partial void LogPeerGone(ILogger logger, string node, string peer);
}
