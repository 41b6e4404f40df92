using System.Threading.Channels;
using StackExchange.Redis;

namespace MediaCore.Server.Cluster;

/// <summary>
/// Tells a node which room's shared state (host controls, raise-hand queue) another node changed: the writer's Lua script
/// PUBLISHes the room id on a Redis channel (<c>mc:controls</c>, <c>mc:hands</c>) in the same step as the write, and
/// <see cref="NextAsync"/> hands the notified rooms out one by one. Pub/sub delivers at most once, and nothing published while
/// this node's connection was down reaches it, so <see cref="NextAsync"/> also answers null, meaning "re-read every room you
/// hold", every <c>MediaServer:Cluster:SyncPollInterval</c> and as soon as the directory sees Redis again after an outage.
/// StackExchange.Redis subscribes again by itself after a reconnect; a subscription that failed (Redis down at start-up) is
/// retried here.
/// </summary>
internal sealed class RoomChangeFeed(ClusterDirectory directory, string channel, TimeSpan pollInterval)
{
    /// <summary>How often a waiting feed looks whether Redis came back (no Redis command: the directory's heartbeat tells).</summary>
    private static readonly TimeSpan AvailabilityCheck = TimeSpan.FromMilliseconds(250);

    private readonly Channel<string> _rooms = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
    });
    private bool _subscribed, _wasAvailable;
    private long _lastPollMs = long.MinValue / 2;

    /// <summary>Asks for <paramref name="room"/> to be read as if announced (it just appeared on this node). Never blocks.</summary>
    public void Notify(string room) => _rooms.Writer.TryWrite(room);

    /// <summary>The next room announced on the channel, or null when every room is due for a re-read.</summary>
    public async Task<string?> NextAsync(CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            bool available = directory.IsAvailable;
            if (available && !_subscribed) await SubscribeAsync();
            bool back = available && !_wasAvailable;
            _wasAvailable = available;
            long now = Environment.TickCount64;
            if (back || now - _lastPollMs >= (long)pollInterval.TotalMilliseconds)
            {
                _lastPollMs = now;
                return null;
            }
            if (_rooms.Reader.TryRead(out var room)) return room;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(AvailabilityCheck);
            try
            {
                await _rooms.Reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // time to look at the directory's availability and the poll again
            }
        }
    }

    private async Task SubscribeAsync()
    {
        if (directory.Database is not { } db) return;
        try
        {
            await db.Multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel), (_, message) =>
            {
                if (!message.IsNullOrEmpty) _rooms.Writer.TryWrite(message.ToString());
            });
            _subscribed = true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis went away again: the next call retries.
        }
    }
}
