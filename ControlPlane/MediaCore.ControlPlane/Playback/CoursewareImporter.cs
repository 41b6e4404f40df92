using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using MediaCore.ControlPlane.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Playback;

/// <summary>
/// Imports uploaded courseware once: ffprobe reads the upload's duration (a file it cannot read is refused), ffmpeg
/// transcodes it to VP8/Opus WebM with <c>-xerror</c> (any decode error fails the import), writing to a <c>.part</c>
/// file renamed only on success; an output much shorter than the upload claims (a truncated upload) is refused.
/// Progress is ffmpeg's <c>-progress</c> output over the duration. A failure leaves the row with a Chinese reason
/// and no file: nothing half-imported.
/// </summary>
public sealed partial class CoursewareImporter(IServiceScopeFactory scopes, IOptions<ControlPlaneOptions> options, ILogger<CoursewareImporter> log)
    : BackgroundService
{
    private readonly Channel<int> _queue = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Directory of imported files (created on demand).</summary>
    public string Directory => Path.GetFullPath(options.Value.Playback.CoursewareDirectory);

    /// <summary>The upload of a courseware item awaiting import.</summary>
    public string UploadPath(int id) => Path.Combine(Directory, $"{id}.upload");

    /// <summary>The imported file of a ready courseware item.</summary>
    public string FilePath(int id) => Path.Combine(Directory, $"{id}.webm");

    /// <summary>Queues an uploaded item.</summary>
    public void Enqueue(int id) => _queue.Writer.TryWrite(id);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Items a restart interrupted are imported again from their upload (or failed when it is gone).
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ControlPlaneDb>();
            foreach (var id in await db.Courseware.Where(c => c.State == CoursewareState.Transcoding).Select(c => c.Id).ToListAsync(stoppingToken))
                Enqueue(id);
        }
        try
        {
            await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken)) await ImportAsync(id, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ImportAsync(int id, CancellationToken ct)
    {
        string upload = UploadPath(id), part = FilePath(id) + ".part";
        string? error = null;
        long durationMs = 0;
        try
        {
            if (!File.Exists(upload)) error = "上传的文件已丢失，请重新上传。";
            else
            {
                var probed = await ProbeDurationAsync(upload, ct);
                if (probed is not { } seconds || seconds <= 0)
                    error = "无法识别为视频文件（不是有效的 MP4/WebM，或文件已损坏），请检查后重新上传。";
                else
                {
                    error = await TranscodeAsync(id, upload, part, seconds, ct);
                    if (error is null)
                    {
                        var output = await ProbeDurationAsync(part, ct) ?? 0;
                        if (output < seconds * 0.9 - 1)
                            error = $"文件不完整：标称 {seconds:0.#} 秒，只能解码 {output:0.#} 秒（可能上传中断），请重新上传完整文件。";
                        else
                        {
                            durationMs = (long)(output * 1000);
                            File.Move(part, FilePath(id), overwrite: true);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return; // re-imported at the next start
        }
        finally
        {
            if (File.Exists(part)) File.Delete(part);
        }
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlPlaneDb>();
        var row = await db.Courseware.FindAsync([id], ct);
        if (row is null) return;
        if (error is null)
        {
            row.State = CoursewareState.Ready;
            row.Progress = 1;
            row.DurationMs = durationMs;
            row.SizeBytes = new FileInfo(FilePath(id)).Length;
        }
        else
        {
            row.State = CoursewareState.Failed;
            row.Error = error;
        }
        await db.SaveChangesAsync(ct);
        if (File.Exists(upload)) File.Delete(upload);
        Log.Imported(log, id, error ?? "ready");
    }

    private async Task<double?> ProbeDurationAsync(string path, CancellationToken ct)
    {
        var ffprobe = Path.Combine(Path.GetDirectoryName(options.Value.Playback.Ffmpeg) ?? "", "ffprobe");
        var psi = new ProcessStartInfo(ffprobe, ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = await p.StandardOutput.ReadToEndAsync(ct);
        await p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return p.ExitCode == 0 && double.TryParse(stdout.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    private async Task<string?> TranscodeAsync(int id, string input, string output, double seconds, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(options.Value.Playback.Ffmpeg,
        [
            "-nostdin", "-v", "error", "-xerror", "-y", "-i", input, "-map", "0:v:0?", "-map", "0:a:0?",
            "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1200k", "-g", "50", "-pix_fmt", "yuv420p",
            "-c:a", "libopus", "-b:a", "96k", "-ar", "48000", "-ac", "2", "-f", "webm", "-progress", "pipe:1", "-nostats", output,
        ])
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync(ct);
        double saved = 0;
        while (await p.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith("out_time_us=", StringComparison.Ordinal) || !long.TryParse(line.AsSpan(12), out var us)) continue;
            double progress = Math.Clamp(us / 1e6 / seconds, 0, 0.99);
            if (progress - saved < 0.05) continue;
            saved = progress;
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<ControlPlaneDb>();
            await db.Courseware.Where(c => c.Id == id).ExecuteUpdateAsync(u => u.SetProperty(c => c.Progress, progress), ct);
        }
        await p.WaitForExitAsync(ct);
        var errors = (await stderr).Trim();
        if (p.ExitCode == 0 && errors.Length == 0) return null;
        var last = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? $"exit code {p.ExitCode}";
        Log.TranscodeFailed(log, id, p.ExitCode, last.Length > 300 ? last[..300] : last); // the detail is for operators, not in the user's message
        return "转码失败：文件中有无法解码的数据（可能已损坏或不完整），请检查后重新上传。";
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Courseware {Id} imported: {Outcome}")]
        public static partial void Imported(ILogger logger, int id, string outcome);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Courseware {Id}: ffmpeg failed (exit {ExitCode}): {Detail}")]
        public static partial void TranscodeFailed(ILogger logger, int id, int exitCode, string detail);
    }
}
