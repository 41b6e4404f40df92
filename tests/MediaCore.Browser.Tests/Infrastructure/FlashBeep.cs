using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MediaCore.Browser.Tests.Infrastructure;

/// <summary>
/// A/V sync measurement (issue 10): a clip in which a white flash and a 1 kHz beep start at the same instant once
/// per <see cref="PeriodSeconds"/>, made by ffmpeg as a Y4M + WAV pair for Chromium's fake capture
/// (<c>--use-file-for-fake-video-capture</c> / <c>--use-file-for-fake-audio-capture</c>), and the analysis that
/// finds the flashes (ffmpeg <c>showinfo</c>: mean luma per frame) and the beeps (ffmpeg <c>astats</c> over 5 ms
/// windows) in a recorded file, on the file's own timeline (<c>-copyts</c>: the recording clock).
/// </summary>
public static partial class FlashBeep
{
    public const double PeriodSeconds = 2.0;
    public const int Fps = 30;

    /// <summary>Writes flash.y4m (320x240, 30 fps, black with a 100 ms white flash at 0) and beep.wav (48 kHz mono, a 100 ms 1 kHz beep at 0).</summary>
    public static (string Video, string Audio) Create(string directory)
    {
        string video = Path.Combine(directory, "flash.y4m"), audio = Path.Combine(directory, "beep.wav");
        string p = PeriodSeconds.ToString(CultureInfo.InvariantCulture);
        Run("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", $"color=c=black:s=320x240:r={Fps}:d={p}",
            "-vf", "drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(t,0.1)'", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", video);
        Run("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", $"aevalsrc='if(lt(t,0.1),0.7*sin(2*PI*1000*t),0)':s=48000:d={p}",
            "-ac", "1", "-c:a", "pcm_s16le", audio);
        return (video, audio);
    }

    /// <summary>Times (s, the file's timeline) of the frames where the picture turns from dark to bright.</summary>
    public static List<double> FlashTimes(string path)
    {
        string log = Run("ffmpeg", "-hide_banner", "-copyts", "-i", path, "-vf", "showinfo", "-f", "null", "-");
        var result = new List<double>();
        double previous = 255;
        foreach (Match m in ShowInfoLine().Matches(log))
        {
            double t = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            double luma = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (luma > 128 && previous < 64) result.Add(t);
            previous = luma;
        }
        return result;
    }

    /// <summary>Times (s, the file's timeline) where the audio turns from silence (&lt; -50 dBFS) to the beep (&gt; -20 dBFS), to 5 ms.</summary>
    public static List<double> BeepTimes(string path)
    {
        string log = Run("ffmpeg", "-hide_banner", "-copyts", "-i", path, "-af",
            "aresample=48000,asetnsamples=n=240:p=0,astats=metadata=1:reset=1,ametadata=print:key=lavfi.astats.Overall.Peak_level", "-f", "null", "-");
        var result = new List<double>();
        double? t = null;
        bool silent = false;
        foreach (var line in log.Split('\n'))
        {
            var frame = FrameLine().Match(line);
            if (frame.Success)
            {
                t = double.Parse(frame.Groups[1].Value, CultureInfo.InvariantCulture);
                continue;
            }
            var peak = PeakLine().Match(line);
            if (!peak.Success || t is null) continue;
            double db = peak.Groups[1].Value is "-inf" ? double.NegativeInfinity : double.Parse(peak.Groups[1].Value, CultureInfo.InvariantCulture);
            if (db > -20 && silent) result.Add(t.Value);
            silent = db < -50;
        }
        return result;
    }

    /// <summary>
    /// Each beep minus the nearest flash (s; positive: the audio is late), for beeps with a flash within half a period.
    /// </summary>
    public static List<double> Offsets(IReadOnlyList<double> flashes, IReadOnlyList<double> beeps)
    {
        var result = new List<double>();
        foreach (double b in beeps)
        {
            if (flashes.Count == 0) break;
            double nearest = flashes.MinBy(f => Math.Abs(f - b));
            if (Math.Abs(nearest - b) < PeriodSeconds / 2) result.Add(b - nearest);
        }
        return result;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static string Describe(IReadOnlyList<double> values)
        => string.Join(" ", values.Select(v => v.ToString("0.000", CultureInfo.InvariantCulture)));

    /// <summary>Runs a program; returns stdout + stderr; fails loudly on a non-zero exit.</summary>
    private static string Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}");
        return stdout.Result + stderr;
    }

    [GeneratedRegex(@"pts_time:\s*([-0-9.e+]+).*?mean:\[(\d+)")]
    private static partial Regex ShowInfoLine();

    [GeneratedRegex(@"frame:\d+\s+pts:\S+\s+pts_time:([-0-9.e+]+)")]
    private static partial Regex FrameLine();

    [GeneratedRegex(@"lavfi\.astats\.Overall\.Peak_level=(\S+)")]
    private static partial Regex PeakLine();
}
