using System.Diagnostics;
using MediaCore.ControlPlane.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Live;

/// <summary>Checks and masks the RTSP URL of a camera device.</summary>
public static class CameraStreams
{
    /// <summary>Null when <paramref name="url"/> is a usable camera stream for a device of <paramref name="kind"/>, else the reason.</summary>
    public static string? Validate(string url, DeviceKind? kind)
    {
        if (kind != DeviceKind.Camera) return "Only cameras have an RTSP stream.";
        if (url.Length > 500) return "At most 500 characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("rtsp" or "rtsps") || uri.Host.Length == 0)
            return "An rtsp:// or rtsps:// URL with a host, e.g. rtsp://admin:password@192.168.1.64:554/Streaming/Channels/101.";
        if (url.Any(char.IsControl) || url.Contains(' ', StringComparison.Ordinal)) return "No spaces or control characters.";
        return null;
    }

    /// <summary>The URL as shown to people: the password replaced by <c>***</c>.</summary>
    public static string? Mask(string? url)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.UserInfo.Contains(':', StringComparison.Ordinal)) return url;
        var user = uri.UserInfo[..uri.UserInfo.IndexOf(':', StringComparison.Ordinal)];
        return new UriBuilder(uri) { UserName = Uri.UnescapeDataString(user), Password = "***" }.Uri.ToString().Replace("%2A%2A%2A", "***", StringComparison.Ordinal);
    }
}

/// <summary>
/// Pulls each site's fixed IP camera into the meeting the site takes part in now (the one its terminal would join:
/// its own meeting, or the county's plenary / the town's partial meeting; <see cref="LiveEndpoints.PickOnAir"/>), so
/// snapshots, patrol and listen-in see the village without a browser open there. For each camera device with an
/// RTSP URL: MediaServer opens a plain-RTP ingest as participant <c>site:{id}</c> (H.264, no audio) and the ffmpeg
/// program copies the camera's H.264 into it (<c>-rtsp_transport tcp ... -c:v copy -f rtp</c>, no transcoding). When the
/// meeting ends, the camera is disabled or its URL changes, ffmpeg is stopped and the ingest closed; an ffmpeg that
/// exits (camera unreachable) is started again at a later check, at most once a minute.
/// </summary>
internal sealed partial class CameraPulls(IServiceScopeFactory scopes, MediaRoomClient mediaServer, TimeProvider time,
    IOptions<ControlPlaneOptions> options, ILogger<CameraPulls> log) : BackgroundService
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);
    private readonly Dictionary<int, Pull> _pulls = [];
    private readonly Dictionary<int, DateTimeOffset> _failedAt = [];

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        int seconds = options.Value.CameraPullIntervalSeconds;
        if (seconds <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), time);
        try
        {
            do
            {
                try
                {
                    await CheckAsync(stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogCheckFailed(e);
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            foreach (var id in _pulls.Keys.ToList()) await StopAsync(id, "ControlPlane stopping", CancellationToken.None);
        }
    }

    private async Task CheckAsync(CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlPlaneDb>();
        var now = time.GetUtcNow().UtcDateTime;
        var cameras = await db.Devices.AsNoTracking().Include(d => d.Site)
            .Where(d => d.Kind == DeviceKind.Camera && d.Enabled && d.RtspUrl != null).ToListAsync(ct);
        var wanted = new Dictionary<int, (Device Camera, string Room)>();
        foreach (var camera in cameras)
        {
            var meeting = LiveEndpoints.PickOnAir(await LiveEndpoints.CandidatesAsync(db, camera.Site!.Path, now, ct), camera.Site.Path, now);
            if (meeting is not null) wanted[camera.Id] = (camera, meeting.Room);
        }
        foreach (var (id, pull) in _pulls.ToList())
        {
            if (!wanted.TryGetValue(id, out var w) || w.Room != pull.Room || w.Camera.RtspUrl != pull.Url)
                await StopAsync(id, "meeting over or camera changed", ct);
            else if (pull.Process.HasExited)
            {
                _failedAt[id] = time.GetUtcNow();
                LogExited(id, pull.Room, pull.Process.ExitCode, pull.LastError);
                await StopAsync(id, "ffmpeg exited", ct);
            }
        }
        foreach (var (id, (camera, room)) in wanted)
        {
            if (_pulls.ContainsKey(id)) continue;
            if (_failedAt.TryGetValue(id, out var failed) && time.GetUtcNow() - failed < RetryAfter) continue;
            await StartAsync(camera, room, ct);
        }
    }

    private async Task StartAsync(Device camera, string room, CancellationToken ct)
    {
        var participant = $"site:{camera.SiteId}";
        var ingest = await mediaServer.OpenIngestAsync(room, participant, "h264", audio: false, ct);
        if (ingest is null)
        {
            _failedAt[camera.Id] = time.GetUtcNow();
            LogNoIngest(camera.Id, room);
            return;
        }
        var psi = new ProcessStartInfo(options.Value.FfmpegPath)
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true,
        };
        foreach (var a in (string[])["-hide_banner", "-loglevel", "error", "-nostdin", "-rtsp_transport", "tcp", "-i", camera.RtspUrl!,
            "-map", "0:v:0", "-an", "-c:v", "copy", "-f", "rtp", "-payload_type", (ingest.VideoPayloadType ?? 96).ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"rtp://{(ingest.Address.Contains(':', StringComparison.Ordinal) ? $"[{ingest.Address}]" : ingest.Address)}:{ingest.Port}"])
            psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            _failedAt[camera.Id] = time.GetUtcNow();
            LogNoFfmpeg(options.Value.FfmpegPath, e.Message);
            await mediaServer.CloseIngestAsync(room, ingest.Id, ct);
            return;
        }
        var pull = new Pull(room, camera.RtspUrl!, ingest.Id, process);
        process.ErrorDataReceived += (_, e) => { if (!string.IsNullOrWhiteSpace(e.Data)) pull.LastError = e.Data; };
        process.BeginErrorReadLine();
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        _pulls[camera.Id] = pull;
        _failedAt.Remove(camera.Id);
        LogStarted(camera.Id, camera.SiteId, room, ingest.Port);
    }

    private async Task StopAsync(int id, string reason, CancellationToken ct)
    {
        if (!_pulls.Remove(id, out var pull)) return;
        try
        {
            if (!pull.Process.HasExited) pull.Process.Kill(entireProcessTree: true);
            await pull.Process.WaitForExitAsync(ct);
        }
        catch (InvalidOperationException)
        {
        }
        pull.Process.Dispose();
        await mediaServer.CloseIngestAsync(pull.Room, pull.IngestId, ct);
        LogStopped(id, pull.Room, reason);
    }

    private sealed record Pull(string Room, string Url, string IngestId, Process Process)
    {
        public string? LastError { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {Device} of site {Site} pulled into room {Room} (ffmpeg to ingest port {Port})")]
    private partial void LogStarted(int device, int site, string room, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Camera {Device}: pull into room {Room} stopped ({Reason})")]
    private partial void LogStopped(int device, string room, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {Device}: ffmpeg pulling into room {Room} exited with {Code}: {Error}")]
    private partial void LogExited(int device, string room, int code, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {Device}: MediaServer opened no ingest in room {Room} (unreachable or refused); retrying in a minute")]
    private partial void LogNoIngest(int device, string room);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera pulls need the ffmpeg program ({Path}): {Error}")]
    private partial void LogNoFfmpeg(string path, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Camera pulls: check failed")]
    private partial void LogCheckFailed(Exception e);
}
