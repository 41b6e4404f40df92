using System.Text.Json;
using System.Threading.Channels;
using MediaCore.Routing.Audio;

namespace MediaCore.Server.Mixing;

/// <summary>
/// The node's audio-mixing state shared by all rooms: the Opus codec factory (probed once: native libopus
/// or managed Concentus, logged), room settings from the room API, and the active-speaker feeds (SSE).
/// Settings are read and written under <see cref="Sessions.MediaEngine.Gate"/>; feeds have their own lock.
/// </summary>
public sealed partial class AudioMixingHub
{
    private readonly Dictionary<string, RoomAudioSettings> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Channel<SpeakerFeedMessage>>> _feeds = new(StringComparer.Ordinal);
    private readonly Lock _feedLock = new();
    private readonly ILogger _logger;
    private IOpusCodecFactory? _codecs;

    public AudioMixingHub(MixerOptions options, ILogger logger)
    {
        Options = options;
        _logger = logger;
    }

    public MixerOptions Options { get; }

    /// <summary>RTP packets of mixed audio sent to receivers by every room of this node (under the media lock).</summary>
    public long PacketsSent { get; private set; }

    /// <summary>RTP bytes (header + payload, before SRTP) of mixed audio sent (under the media lock).</summary>
    public long BytesSent { get; private set; }

    /// <summary>Counts one mixed-audio RTP packet of <paramref name="bytes"/> handed to a transport.</summary>
    internal void CountSent(int bytes)
    {
        PacketsSent++;
        BytesSent += bytes;
    }

    /// <summary>The Opus codecs, created at first use (the first mixed room) and logged.</summary>
    public IOpusCodecFactory Codecs
    {
        get
        {
            if (_codecs != null) return _codecs;
            _codecs = new ConcentusOpusCodecFactory(Options.Opus);
            if (_codecs.IsNative) LogCodec(_logger, _codecs.Description);
            else LogManagedCodec(_logger, _codecs.Description);
            return _codecs;
        }
    }

    /// <summary>The settings of <paramref name="room"/> (created with the defaults). Call under the media lock.</summary>
    public RoomAudioSettings GetSettings(string room)
    {
        if (!_settings.TryGetValue(room, out var s))
        {
            s = new RoomAudioSettings { Mode = Options.DefaultMode, MaxSpeakers = Options.DefaultSpeakers };
            _settings.Add(room, s);
        }
        return s;
    }

    /// <summary>Subscribes to a room's active-speaker events; dispose to leave.</summary>
    public SpeakerFeed Subscribe(string room)
    {
        var channel = Channel.CreateBounded<SpeakerFeedMessage>(new BoundedChannelOptions(64)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_feedLock)
        {
            if (!_feeds.TryGetValue(room, out var list)) _feeds[room] = list = [];
            list.Add(channel);
        }
        return new SpeakerFeed(channel.Reader, () =>
        {
            lock (_feedLock)
            {
                if (_feeds.TryGetValue(room, out var list) && list.Remove(channel) && list.Count == 0) _feeds.Remove(room);
            }
            channel.Writer.TryComplete();
        });
    }

    /// <summary>True when someone listens to <paramref name="room"/>'s feed (so events are worth building).</summary>
    public bool HasListeners(string room)
    {
        lock (_feedLock) return _feeds.ContainsKey(room);
    }

    internal void Publish(string room, string type, object payload)
    {
        lock (_feedLock)
        {
            if (!_feeds.TryGetValue(room, out var list)) return;
            var message = new SpeakerFeedMessage(type, JsonSerializer.Serialize(payload, JsonSerializerOptions.Web));
            foreach (var c in list) c.Writer.TryWrite(message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audio mixer uses {Codec}")]
    private static partial void LogCodec(ILogger logger, string codec);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audio mixer uses {Codec}: install libopus-dev for native libopus (managed Opus allocates per frame and costs several times more CPU)")]
    private static partial void LogManagedCodec(ILogger logger, string codec);
}

/// <summary>One server-sent event: its type (<c>speakers</c>, <c>levels</c>) and JSON data.</summary>
public sealed record SpeakerFeedMessage(string Type, string Json);

/// <summary>A subscription to a room's active-speaker events.</summary>
public sealed class SpeakerFeed(ChannelReader<SpeakerFeedMessage> reader, Action unsubscribe) : IDisposable
{
    public ChannelReader<SpeakerFeedMessage> Reader { get; } = reader;

    public void Dispose() => unsubscribe();
}
