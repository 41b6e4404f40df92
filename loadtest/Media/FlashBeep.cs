using System.Globalization;
using System.Text.RegularExpressions;

namespace MediaCore.LoadTest.Media;

/// <summary>
/// A/V sync measurement (issue 10) of a recording of a flash-and-beep source (a white flash and a 1 kHz beep start
/// together every <see cref="PeriodSeconds"/>: the load tester's <see cref="MediaClip"/> with <c>--flash-beep</c>, or the
/// browser tests' page-made camera and microphone): finds the flashes (ffmpeg <c>showinfo</c>: mean luma per frame)
/// and the beeps (ffmpeg <c>astats</c> over 5 ms windows) in a file, on the file's own timeline (<c>-copyts</c>: for a
/// track file, the recording clock). Not Chromium's file capture (a Y4M + WAV pair): its Y4M runs at 29.5 fps instead
/// of 30, so the flash drifts 33 ms behind the beep every 2 s and no fixed offset can be measured.
/// </summary>
public static partial class FlashBeep
{
    public const double PeriodSeconds = MediaClip.FlashBeepPeriodSeconds;

    /// <summary>Times (s, the file's timeline) of the frames where the picture turns from dark to bright.</summary>
    public static List<double> FlashTimes(string path)
    {
        string log = Tool.Run("ffmpeg", "-hide_banner", "-copyts", "-i", path, "-map", "0:v:0", "-vf", "showinfo", "-f", "null", "-").All;
        var result = new List<double>();
        bool armed = false; // a dark frame was seen since the last flash (frames in between, e.g. a blurred edge, do not disarm)
        foreach (Match m in ShowInfoLine().Matches(log))
        {
            double t = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            double luma = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (luma < 64) armed = true;
            else if (luma > 128 && armed)
            {
                result.Add(t);
                armed = false;
            }
        }
        return result;
    }

    /// <summary>Times (s, the file's timeline) where the audio turns from silence (&lt; -50 dBFS) to the beep (&gt; -20 dBFS), to 5 ms.</summary>
    public static List<double> BeepTimes(string path)
    {
        string log = Tool.Run("ffmpeg", "-hide_banner", "-copyts", "-i", path, "-map", "0:a:0", "-af",
            "aresample=48000,asetnsamples=n=240:p=0,astats=metadata=1:reset=1,ametadata=print:key=lavfi.astats.Overall.Peak_level", "-f", "null", "-").All;
        var result = new List<double>();
        double? t = null;
        bool armed = false; // silence was heard since the last beep (a window on the rising edge does not disarm)
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
            if (db < -50) armed = true;
            else if (db > -20 && armed)
            {
                result.Add(t.Value);
                armed = false;
            }
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

    [GeneratedRegex(@"pts_time:\s*([-0-9.e+]+).*?mean:\[(\d+)")]
    private static partial Regex ShowInfoLine();

    [GeneratedRegex(@"frame:\d+\s+pts:\S+\s+pts_time:([-0-9.e+]+)")]
    private static partial Regex FrameLine();

    [GeneratedRegex(@"lavfi\.astats\.Overall\.Peak_level=(\S+)")]
    private static partial Regex PeakLine();
}
