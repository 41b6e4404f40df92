using System.Security.Cryptography;
using System.Text.Json;
using MediaCore.Protocol.Matroska;
using MediaCore.Routing;
using MediaCore.Routing.Recording;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Webhooks;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Recording;

/// <summary>Why a recording could not be started or stopped.</summary>
public enum RecordingError
{
    None,
    AlreadyRecording,
    NotRecording,
}

/// <summary>
/// Starts and stops room recordings, keeps each recording's <c>recording.json</c>, and at start-up finishes
/// recordings a crash left open (their files are cut after the last complete cluster and given Cues and a
/// Duration) and reports them as recovered. Media work happens under <see cref="MediaEngine.Gate"/>.
/// </summary>
public sealed partial class RecordingService : IHostedService
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly MediaEngine _engine;
    private readonly RecordingOptions _options;
    private readonly WebhookNotifier? _webhooks;
    private readonly ILogger<RecordingService> _logger;
    private readonly Dictionary<string, RoomRecorder> _active = new(StringComparer.Ordinal);
    private readonly string _nodeId;
    private readonly Lock _metadata = new();
    private readonly SemaphoreSlim _renders = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly CompositeRenderer _renderer;

    public RecordingService(MediaEngine engine, IOptions<RecordingOptions> options, ILogger<RecordingService> logger,
        WebhookNotifier? webhooks = null, IOptions<WebhookOptions>? webhookOptions = null)
    {
        _engine = engine;
        _options = options.Value;
        _logger = logger;
        _webhooks = webhooks;
        _nodeId = webhookOptions?.Value.NodeId ?? Environment.MachineName;
        _renderer = new CompositeRenderer(_options.Ffmpeg);
        if (_options.ClusterDuration <= TimeSpan.Zero || _options.ClusterDuration > TimeSpan.FromSeconds(2))
            throw new OptionsValidationException(RecordingOptions.SectionName, typeof(RecordingOptions),
                ["MediaServer:Recording:ClusterDuration must be between 0 and 2 s (a crash loses at most one cluster)"]);
        engine.Recordings = this;
    }

    public string Directory => _options.FullDirectory;

    /// <summary>Recordings finished at start-up after a crash (for logs and tests).</summary>
    public IReadOnlyList<RecordingDto> Recovered { get; private set; } = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        Recovered = RecoverAll();
        foreach (var r in Recovered) QueueComposite(r);
        return Task.CompletedTask;
    }

    /// <summary>Stops every running recording cleanly (graceful shutdown).</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        List<string> rooms;
        lock (_engine.Gate) rooms = [.. _active.Keys];
        foreach (var room in rooms) Stop(RoomId.Parse(room), out _);
        return Task.CompletedTask;
    }

    /// <summary>Starts recording <paramref name="room"/> (which need not have anyone in it yet).</summary>
    public RecordingError Start(RoomId room, out string id, string layout = "program")
    {
        lock (_engine.Gate)
        {
            if (_active.TryGetValue(room.Value, out var running))
            {
                id = running.Id;
                return RecordingError.AlreadyRecording;
            }
            var now = DateTimeOffset.UtcNow;
            id = $"rec-{now:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
            string dir = Path.Combine(Directory, id);
            System.IO.Directory.CreateDirectory(dir);
            RoomRecorder? recorder = null;
            var trackOptions = new TrackRecorderOptions { ClusterDuration = _options.ClusterDuration };
            recorder = new RoomRecorder(id, room.Value, dir, _engine.Clock.NowTicks, now, trackOptions, () => Save(recorder!, null))
            {
                Layout = layout == "grid" ? "grid" : "program",
            };
            _active.Add(room.Value, recorder);
            if (_engine.FindRoom(room) is { } live) recorder.Attach(live);
            Save(recorder, null);
            LogStarted(id, room.Value);
            return RecordingError.None;
        }
    }

    /// <summary>Stops the room's recording: every file is finished; returns the metadata.</summary>
    public RecordingError Stop(RoomId room, out RecordingDto? result)
    {
        lock (_engine.Gate)
        {
            result = null;
            if (!_active.Remove(room.Value, out var recorder)) return RecordingError.NotRecording;
            recorder.Stop(_engine.Clock.NowTicks);
            result = Save(recorder, DateTimeOffset.UtcNow);
        }
        LogStopped(result.Id, room.Value, result.Files.Count);
        _webhooks?.RecordingFinished(result);
        QueueComposite(result);
        return RecordingError.None;
    }

    /// <summary>The recording in progress in <paramref name="room"/>, if any.</summary>
    public string? ActiveId(RoomId room)
    {
        lock (_engine.Gate) return _active.TryGetValue(room.Value, out var r) ? r.Id : null;
    }

    /// <summary>A recording's metadata (live for a running one), or null.</summary>
    public RecordingDto? Find(string id)
    {
        if (!IsValidId(id)) return null;
        lock (_engine.Gate)
        {
            foreach (var r in _active.Values)
                if (r.Id == id) return Describe(r, null);
        }
        return Load(Path.Combine(Directory, id));
    }

    /// <summary>Every recording on this node, newest first.</summary>
    public IReadOnlyList<RecordingDto> List()
    {
        var result = new List<RecordingDto>();
        if (!System.IO.Directory.Exists(Directory)) return result;
        foreach (var dir in System.IO.Directory.EnumerateDirectories(Directory))
        {
            var name = Path.GetFileName(dir);
            if (IsValidId(name) && Find(name) is { } r) result.Add(r);
        }
        return result.OrderByDescending(r => r.StartedAt).ToList();
    }

    /// <summary>The path of a recording's file when <paramref name="name"/> is one of its files.</summary>
    public string? FilePath(RecordingDto recording, string name)
    {
        foreach (var f in recording.Files)
        {
            if (f.Name == name) return Path.Combine(Directory, recording.Id, f.Name);
        }
        if (recording.Composite is { State: CompositeDto.Done, File: { } file } && file == name) return Path.Combine(Directory, recording.Id, file);
        return null;
    }

    /// <summary>Recording ids are <c>rec-</c> plus letters, digits and '-': nothing that can walk the file system.</summary>
    public static bool IsValidId(string id)
        => id.Length is > 4 and < 64 && id.StartsWith("rec-", StringComparison.Ordinal) && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    // Called by MediaEngine under the gate.
    internal void OnRoomCreated(MediaRoom room)
    {
        if (_active.TryGetValue(room.Id.Value, out var r)) r.Attach(room);
    }

    internal void OnRoomClosed(long nowTicks, MediaRoom room)
    {
        if (_active.TryGetValue(room.Id.Value, out var r))
        {
            r.Detach(nowTicks, room);
            Save(r, null);
        }
    }

    internal void OnProducerClosed(long nowTicks, MediaRoom room, Producer producer)
    {
        if (_active.TryGetValue(room.Id.Value, out var r)) r.OnProducerClosed(nowTicks, producer);
    }

    private RecordingDto Save(RoomRecorder recorder, DateTimeOffset? stoppedAt)
    {
        var dto = Describe(recorder, stoppedAt);
        Write(recorder.Directory, dto);
        return dto;
    }

    private RecordingDto Describe(RoomRecorder r, DateTimeOffset? stoppedAt)
    {
        var files = new List<RecordingFileDto>();
        foreach (var t in r.Tracks)
        {
            if (t.File is not { } f) continue;
            files.Add(new RecordingFileDto(f.Name, t.Producer.ParticipantId, RoomRecorder.KindName(t.Producer),
                RoomRecorder.CodecName(t.Producer.Codec), Math.Max(0, t.StartMs), t.DurationMs, f.Length, t.Frames, t.Gaps));
        }
        return new RecordingDto(r.Id, r.Room, stoppedAt == null ? RecordingDto.Recording : RecordingDto.Finished, r.OriginUtc, stoppedAt,
            false, _nodeId, files, new CompositeDto(CompositeDto.Pending, r.Layout, 0, null, null));
    }

    /// <summary>Renders meeting.mp4 in the background (one render at a time), recording progress and the outcome.</summary>
    private void QueueComposite(RecordingDto recording)
    {
        if (recording.Files.Count == 0) return;
        _ = Task.Run(async () =>
        {
            string dir = Path.Combine(Directory, recording.Id);
            string layout = recording.Composite?.Layout ?? "program";
            try
            {
                await _renders.WaitAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                double written = -1;
                UpdateComposite(dir, new CompositeDto(CompositeDto.Rendering, layout, 0, null, null));
                await _renderer.RenderAsync(recording, dir, layout, p =>
                {
                    if (p - written < 0.05) return;
                    written = p;
                    UpdateComposite(dir, new CompositeDto(CompositeDto.Rendering, layout, Math.Round(p, 3), null, null));
                }, _stopping.Token);
                var done = UpdateComposite(dir, new CompositeDto(CompositeDto.Done, layout, 1, CompositeRenderer.FileName, null));
                LogComposite(recording.Id, "done");
                if (done != null) _webhooks?.RecordingFinished(done);
            }
            catch (CompositeException e)
            {
                var failed = UpdateComposite(dir, new CompositeDto(CompositeDto.Failed, layout, 0, null, e.Message));
                LogComposite(recording.Id, "failed: " + e.Message);
                if (failed != null) _webhooks?.RecordingFinished(failed);
            }
            catch (OperationCanceledException)
            {
                UpdateComposite(dir, new CompositeDto(CompositeDto.Failed, layout, 0, null, "the MediaServer stopped while rendering"));
            }
            finally
            {
                _renders.Release();
            }
        });
    }

    private RecordingDto? UpdateComposite(string dir, CompositeDto composite)
    {
        lock (_metadata)
        {
            var dto = Load(dir);
            if (dto == null) return null;
            dto = dto with { Composite = composite };
            Write(dir, dto);
            return dto;
        }
    }

    private static void Write(string dir, RecordingDto dto)
    {
        // Write-then-rename: a crash leaves the old or the new metadata, never half of one.
        string path = Path.Combine(dir, "recording.json");
        string tmp = path + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(dto, Json));
        File.Move(tmp, path, overwrite: true);
    }

    private static RecordingDto? Load(string dir)
    {
        string path = Path.Combine(dir, "recording.json");
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<RecordingDto>(File.ReadAllBytes(path));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private List<RecordingDto> RecoverAll()
    {
        var recovered = new List<RecordingDto>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories(Directory))
        {
            var dto = Load(dir);
            if (dto is not { State: RecordingDto.Recording }) continue;
            try
            {
                var result = Recover(dir, dto);
                recovered.Add(result);
                LogRecovered(result.Id, result.Room, result.Files.Count);
                _webhooks?.RecordingFinished(result);
            }
            catch (IOException e)
            {
                LogRecoveryFailed(dto.Id, e.Message);
            }
        }
        return recovered;
    }

    /// <summary>Finishes the files of a recording a crash interrupted and marks it finished and recovered.</summary>
    internal static RecordingDto Recover(string dir, RecordingDto dto)
    {
        var known = dto.Files.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var files = new List<RecordingFileDto>();
        DateTimeOffset stopped = dto.StartedAt;
        foreach (var path in System.IO.Directory.EnumerateFiles(dir).Where(p => p.EndsWith(".webm", StringComparison.Ordinal) || p.EndsWith(".mkv", StringComparison.Ordinal)).Order())
        {
            string name = Path.GetFileName(path);
            var scan = FinishFile(path);
            if (scan == null) continue;
            var written = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
            if (written > stopped) stopped = written;
            known.TryGetValue(name, out var before);
            // A share's file keeps its kind (its name ends in -content, RoomRecorder.KindName).
            string kind = before?.Kind ?? (!scan.IsVideo ? "audio" : Path.GetFileNameWithoutExtension(name).Contains("-content", StringComparison.Ordinal) ? "content" : "video");
            string codec = scan.CodecId switch { "A_OPUS" => "opus", "V_VP8" => "vp8", "V_MPEG4/ISO/AVC" => "h264", var c => c ?? "" };
            files.Add(new RecordingFileDto(name, before?.ParticipantId ?? ParticipantFromName(name), kind, codec,
                Math.Max(0, scan.FirstBlockMs), (long)scan.DurationMs, new FileInfo(path).Length, scan.Blocks, before?.Gaps ?? 0));
        }
        var result = dto with
        {
            State = RecordingDto.Finished, StoppedAt = stopped, Recovered = true, Files = files,
            Composite = new CompositeDto(CompositeDto.Pending, dto.Composite?.Layout ?? "program", 0, null, null),
        };
        Write(dir, result);
        return result;
    }

    /// <summary>Cuts a torn last cluster and writes Cues, Duration and sizes; null when the file is not ours.</summary>
    internal static MatroskaScan? FinishFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        if (!MatroskaScanner.TryScan(stream, out var scan, out _)) return null;
        if (scan.HasCues && scan.TruncatedBytes == 0) return scan; // already finished
        stream.SetLength(scan.ContentEnd);
        var cues = MatroskaTrailer.Build(scan.Layout, scan.ContentEnd, scan.CuePoints, scan.DurationMs, out var patches);
        stream.Position = scan.ContentEnd;
        stream.Write(cues);
        foreach (var p in patches)
        {
            stream.Position = p.Offset;
            stream.Write(p.Data);
        }
        stream.Flush(flushToDisk: true);
        return scan;
    }

    private static string ParticipantFromName(string name)
    {
        int dash = name.LastIndexOf("-audio", StringComparison.Ordinal);
        if (dash < 0) dash = name.LastIndexOf("-video", StringComparison.Ordinal);
        return dash > 0 ? name[..dash] : name;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {Id} of room {Room} started")]
    private partial void LogStarted(string id, string room);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {Id} of room {Room} stopped: {Files} files")]
    private partial void LogStopped(string id, string room, int files);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording {Id} of room {Room} was interrupted (crash); recovered {Files} files")]
    private partial void LogRecovered(string id, string room, int files);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {Id}: composite {Outcome}")]
    private partial void LogComposite(string id, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording {Id} could not be recovered: {Reason}")]
    private partial void LogRecoveryFailed(string id, string reason);
}
