using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using MediaCore.Server.Recording;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Timers;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Playback;

/// <summary><c>MediaServer:Playback</c>: scheduled playback (file publishers).</summary>
public sealed class PlaybackOptions
{
    public const string SectionName = "MediaServer:Playback";

    /// <summary>Where files fetched by URL are kept (by URL path: courseware files never change once imported).</summary>
    public string CacheDirectory { get; set; } = "data/playback-cache";

    /// <summary>Largest file fetched by URL.</summary>
    public long MaxDownloadBytes { get; set; } = 4L << 30;

    /// <summary>File publishers playing at once on this node.</summary>
    public int MaxPublishers { get; set; } = 600;
}

/// <summary>A file publisher as the API shows it.</summary>
public sealed record PlaybackDto(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("room")] string Room,
    [property: JsonPropertyName("participant")] string Participant,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("loops")] int Loops,
    [property: JsonPropertyName("pass")] int Pass,
    [property: JsonPropertyName("positionMs")] long PositionMs,
    [property: JsonPropertyName("videoFrames")] long VideoFrames,
    [property: JsonPropertyName("audioFrames")] long AudioFrames,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt);

/// <summary>Starts, lists and stops file publishers; each plays on its own task until its passes end.</summary>
public sealed partial class PlaybackManager(MediaEngine engine, MediaClock clock, RecordingService recordings, IOptions<PlaybackOptions> options,
    IHttpClientFactory httpFactory, ILogger<PlaybackManager> logger) : IHostedService
{
    private readonly Dictionary<string, (FilePublisher Publisher, string Source, CancellationTokenSource Stop)> _running = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private static readonly string[] Kinds = ["video", "audio"];
    private readonly SemaphoreSlim _downloads = new(2, 2);

    /// <summary>Starts playing <paramref name="paths"/> into <paramref name="room"/>.</summary>
    /// <exception cref="PlaybackFileException">The files cannot be played.</exception>
    public PlaybackDto Start(RoomId room, string participant, IReadOnlyList<string> paths, string source, int loops)
    {
        lock (_lock)
        {
            if (_running.Count >= options.Value.MaxPublishers)
                throw new PlaybackFileException($"{options.Value.MaxPublishers} file publishers are playing (MediaServer:Playback:MaxPublishers)");
        }
        var id = "play-" + Signalling.SessionIds.New();
        FilePublisher publisher;
        lock (engine.Gate)
        {
            var mediaRoom = engine.GetOrCreateRoom(room);
            try
            {
                publisher = new FilePublisher(id, mediaRoom, participant, paths, loops, clock.NowTicks);
            }
            catch (Exception e) when (e is PlaybackFileException or IOException)
            {
                engine.ReleaseIfEmpty(mediaRoom);
                throw new PlaybackFileException(e.Message);
            }
        }
        var stop = new CancellationTokenSource();
        lock (_lock) _running[id] = (publisher, source, stop);
        LogStarted(room.Value, id, source, loops);
        _ = Task.Run(async () =>
        {
            try
            {
                await publisher.RunAsync(TimeProvider.System, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                LogFailed(e, id);
            }
            Stop(id, publisher.Error ?? (stop.IsCancellationRequested ? "stopped" : "finished"));
        });
        return ToDto(publisher, source);
    }

    /// <summary>The local files of a recording to play: its longest video track and its longest audio track.</summary>
    public IReadOnlyList<string>? RecordingFiles(string recordingId)
    {
        var rec = recordings.Find(recordingId);
        if (rec is null) return null;
        var picks = Kinds
            .Select(kind => rec.Files.Where(f => f.Kind == kind && (f.Codec is "vp8" or "opus")).OrderByDescending(f => f.DurationMs).FirstOrDefault())
            .OfType<RecordingFileDto>().Select(f => recordings.FilePath(rec, f.Name)).OfType<string>().ToList();
        return picks;
    }

    /// <summary>Fetches <paramref name="url"/> into the cache (once per URL path) and returns the local file.</summary>
    public async Task<string> FetchAsync(Uri url, CancellationToken ct)
    {
        var dir = Path.GetFullPath(options.Value.CacheDirectory);
        Directory.CreateDirectory(dir);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.GetLeftPart(UriPartial.Path))))[..32];
        var path = Path.Combine(dir, key + ".webm");
        if (File.Exists(path)) return path;
        await _downloads.WaitAsync(ct);
        try
        {
            if (File.Exists(path)) return path;
            var tmp = path + "." + Guid.NewGuid().ToString("N") + ".part";
            try
            {
                using var http = httpFactory.CreateClient(nameof(PlaybackManager));
                using var resp = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
                if (!resp.IsSuccessStatusCode) throw new PlaybackFileException($"fetching the file answered HTTP {(int)resp.StatusCode}");
                if (resp.Content.Headers.ContentLength > options.Value.MaxDownloadBytes)
                    throw new PlaybackFileException($"the file is larger than MediaServer:Playback:MaxDownloadBytes ({options.Value.MaxDownloadBytes} bytes)");
                await using (var body = await resp.Content.ReadAsStreamAsync(ct))
                await using (var file = File.Create(tmp))
                {
                    var buffer = new byte[81920];
                    long total = 0;
                    int n;
                    while ((n = await body.ReadAsync(buffer, ct)) > 0)
                    {
                        total += n;
                        if (total > options.Value.MaxDownloadBytes)
                            throw new PlaybackFileException($"the file is larger than MediaServer:Playback:MaxDownloadBytes ({options.Value.MaxDownloadBytes} bytes)");
                        await file.WriteAsync(buffer.AsMemory(0, n), ct);
                    }
                }
                File.Move(tmp, path, overwrite: true);
                return path;
            }
            catch (HttpRequestException e)
            {
                throw new PlaybackFileException("fetching the file failed: " + e.Message);
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
            }
        }
        finally
        {
            _downloads.Release();
        }
    }

    /// <summary>File publishers playing in <paramref name="room"/>.</summary>
    public IReadOnlyList<PlaybackDto> List(RoomId room)
    {
        lock (_lock) return [.. _running.Values.Where(e => e.Publisher.Room.Id == room).Select(e => ToDto(e.Publisher, e.Source))];
    }

    /// <summary>Stops every file publisher in the room; returns how many.</summary>
    public int StopRoom(RoomId room)
    {
        List<string> ids;
        lock (_lock) ids = [.. _running.Where(e => e.Value.Publisher.Room.Id == room).Select(e => e.Key)];
        foreach (var id in ids) Stop(id, "stopped");
        return ids.Count;
    }

    private void Stop(string id, string reason)
    {
        (FilePublisher Publisher, string Source, CancellationTokenSource Stop) entry;
        lock (_lock)
        {
            if (!_running.Remove(id, out entry)) return;
        }
        entry.Stop.Cancel();
        lock (engine.Gate) entry.Publisher.Detach(clock.NowTicks);
        LogStopped(entry.Publisher.Room.Id.Value, id, reason, entry.Publisher.VideoFrames, entry.Publisher.AudioFrames);
    }

    private static PlaybackDto ToDto(FilePublisher p, string source) => new(p.Id, p.Room.Id.Value, p.ParticipantId, source, p.Loops, p.Pass,
        p.PositionMs, p.VideoFrames, p.AudioFrames, p.StartedAt);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        List<string> ids;
        lock (_lock) ids = [.. _running.Keys];
        foreach (var id in ids) Stop(id, "shutdown");
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Playback {Id} started in room {Room}: {Source} x{Loops}")]
    private partial void LogStarted(string room, string id, string source, int loops);

    [LoggerMessage(Level = LogLevel.Information, Message = "Playback {Id} in room {Room} ended ({Reason}): {Video} video and {Audio} audio frames sent")]
    private partial void LogStopped(string room, string id, string reason, long video, long audio);

    [LoggerMessage(Level = LogLevel.Error, Message = "Playback {Id} failed")]
    private partial void LogFailed(Exception e, string id);
}
