using System.Threading.Channels;

namespace MediaCore.Server.Sip;

/// <summary>
/// Which video codec a room needs from its WHIP publishers, told to them over
/// <c>GET /whip/{room}/{session}/events</c> (server-sent events): event <c>video-codec</c> with data <c>{"want":"h264"}</c>
/// while a SIP terminal in the room receives the program video (H.264 only, docs/decisions.md "H.264 for SIP terminals"),
/// <c>{"want":null}</c> otherwise; the current value first, then every change. WHIP cannot renegotiate a running session,
/// so a publisher that sends VP8 and hears "h264" publishes again (the Portal's media session does): the new session's
/// answer puts H.264 first. Local to this node: a terminal on another node of a cluster does not ask this node's publishers.
/// </summary>
public sealed class VideoCodecWish
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _wantH264 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Channel<string?>>> _listeners = new(StringComparer.Ordinal);

    /// <summary>The codec <paramref name="room"/> asks for now: "h264", or null for any.</summary>
    public string? Wanted(string room)
    {
        lock (_gate) return _wantH264.Contains(room) ? "h264" : null;
    }

    /// <summary>Sets whether <paramref name="room"/> needs H.264; listeners hear of a change only.</summary>
    public void Set(string room, bool h264)
    {
        lock (_gate)
        {
            if (!(h264 ? _wantH264.Add(room) : _wantH264.Remove(room))) return;
            if (!_listeners.TryGetValue(room, out var list)) return;
            foreach (var c in list) c.Writer.TryWrite(h264 ? "h264" : null);
        }
    }

    /// <summary>Listens to <paramref name="room"/>'s changes until disposed.</summary>
    public Listener Listen(string room)
    {
        var channel = Channel.CreateBounded<string?>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            if (!_listeners.TryGetValue(room, out var list)) _listeners[room] = list = [];
            list.Add(channel);
        }
        return new Listener(channel.Reader, () =>
        {
            lock (_gate)
            {
                if (_listeners.TryGetValue(room, out var list) && list.Remove(channel) && list.Count == 0) _listeners.Remove(room);
            }
            channel.Writer.TryComplete();
        });
    }

    /// <summary>One publisher's subscription: the codec wishes as they change.</summary>
    public sealed class Listener(ChannelReader<string?> reader, Action dispose) : IDisposable
    {
        public ChannelReader<string?> Reader => reader;
        public void Dispose() => dispose();
    }
}
