using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MediaCore.Server.Recording;

/// <summary>
/// Renders <c>meeting.mp4</c> (H.264 + AAC, faststart) from a finished recording's track files with the
/// <c>ffmpeg</c> program: the program video (the longest video track) or a grid of every video track, and the
/// mix of every audio track, each placed at its <c>startMs</c> on the recording clock (black before a video
/// starts, silence in audio gaps). Writes to a temporary name and renames on success, so a failed or
/// interrupted render never leaves a half file under the final name; the tracks are never touched.
/// </summary>
public sealed class CompositeRenderer(string ffmpeg = "ffmpeg")
{
    public const string FileName = "meeting.mp4";
    private const int Width = 1280, Height = 720, Fps = 25;

    /// <summary>Builds the ffmpeg arguments; null when there is nothing to render.</summary>
    public static List<string>? BuildArguments(RecordingDto recording, string directory, string layout, string output)
    {
        var videos = recording.Files.Where(f => f.Kind == "video" && f.DurationMs > 0).ToList();
        var audios = recording.Files.Where(f => f.Kind == "audio" && f.DurationMs > 0).ToList();
        if (videos.Count == 0 && audios.Count == 0) return null;
        if (layout != "grid" && videos.Count > 1) videos = [videos.OrderByDescending(v => v.DurationMs).First()];
        if (videos.Count > 9) videos = videos.Take(9).ToList();
        long total = recording.Files.Max(f => f.StartMs + f.DurationMs);

        var args = new List<string> { "-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-y" };
        foreach (var f in videos.Concat(audios)) { args.Add("-i"); args.Add(Path.Combine(directory, f.Name)); }
        var graph = new StringBuilder();
        string S(long ms) => (ms / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
        if (videos.Count == 0)
        {
            graph.Append(CultureInfo.InvariantCulture, $"color=c=black:s={Width}x{Height}:r={Fps}:d={S(total)}[v];");
        }
        else
        {
            int cols = (int)Math.Ceiling(Math.Sqrt(videos.Count));
            int rows = (int)Math.Ceiling(videos.Count / (double)cols);
            int cw = Width / cols / 2 * 2, ch = Height / rows / 2 * 2;
            for (int i = 0; i < videos.Count; i++)
            {
                graph.Append(CultureInfo.InvariantCulture,
                    $"[{i}:v]setpts=PTS-STARTPTS,scale={cw}:{ch}:force_original_aspect_ratio=decrease,pad={cw}:{ch}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={Fps},tpad=start_duration={S(videos[i].StartMs)}:color=black,tpad=stop_mode=clone:stop_duration={S(total)}[v{i}];");
            }
            if (videos.Count == 1)
            {
                graph.Append("[v0]null[vg];");
            }
            else
            {
                var layoutSpec = string.Join('|', Enumerable.Range(0, videos.Count).Select(i => $"{i % cols * cw}_{i / cols * ch}"));
                graph.Append(string.Concat(Enumerable.Range(0, videos.Count).Select(i => $"[v{i}]")));
                graph.Append(CultureInfo.InvariantCulture, $"xstack=inputs={videos.Count}:layout={layoutSpec}:fill=black[vg];");
            }
            graph.Append(CultureInfo.InvariantCulture, $"[vg]pad={Width}:{Height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p[v];");
        }
        if (audios.Count == 0)
        {
            graph.Append(CultureInfo.InvariantCulture, $"anullsrc=r=48000:cl=stereo:d={S(total)}[a]");
        }
        else
        {
            for (int i = 0; i < audios.Count; i++)
            {
                int input = videos.Count + i;
                // async=1 fills timestamp gaps (lost packets, muted publishers) with silence, keeping later audio in place.
                graph.Append(CultureInfo.InvariantCulture,
                    $"[{input}:a]aresample=48000:async=1:first_pts=0,adelay=delays={audios[i].StartMs}:all=1[a{i}];");
            }
            graph.Append(string.Concat(Enumerable.Range(0, audios.Count).Select(i => $"[a{i}]")));
            graph.Append(CultureInfo.InvariantCulture, $"amix=inputs={audios.Count}:normalize=0:duration=longest[a]");
        }
        args.AddRange(["-filter_complex", graph.ToString(), "-map", "[v]", "-map", "[a]", "-t", S(total),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-movflags", "+faststart", "-f", "mp4", output]);
        return args;
    }

    /// <summary>Runs ffmpeg; <paramref name="progress"/> gets 0..1. Throws <see cref="CompositeException"/> with ffmpeg's reason.</summary>
    public async Task RenderAsync(RecordingDto recording, string directory, string layout, Action<double> progress, CancellationToken ct)
    {
        string output = Path.Combine(directory, FileName);
        string temp = output + ".part";
        var args = BuildArguments(recording, directory, layout, temp) ?? throw new CompositeException("the recording has no media to render");
        double totalUs = recording.Files.Max(f => f.StartMs + f.DurationMs) * 1000.0;
        var psi = new ProcessStartInfo(ffmpeg) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new CompositeException("ffmpeg did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CompositeException($"ffmpeg is not installed or not on PATH ({e.Message}); install Debian's ffmpeg");
        }
        using (process)
        {
            process.StandardInput.Close();
            var errors = process.StandardError.ReadToEndAsync(ct);
            try
            {
                while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
                {
                    if (line.StartsWith("out_time_us=", StringComparison.Ordinal) && long.TryParse(line.AsSpan(12), out long us) && totalUs > 0)
                        progress(Math.Clamp(us / totalUs, 0, 1));
                }
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                File.Delete(temp);
                throw;
            }
            string error = (await errors).Trim();
            if (process.ExitCode != 0 || !File.Exists(temp))
            {
                File.Delete(temp);
                throw new CompositeException($"ffmpeg failed (exit {process.ExitCode}): {(error.Length > 500 ? error[..500] : error)}");
            }
        }
        File.Move(temp, output, overwrite: true);
        progress(1);
    }
}

/// <summary>The composite could not be rendered; the message says why (the track files stay).</summary>
public sealed class CompositeException(string message) : Exception(message);
