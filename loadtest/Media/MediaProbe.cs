using System.Globalization;

namespace MediaCore.LoadTest.Media;

/// <summary>What ffprobe reads from a media file's first stream.</summary>
/// <param name="Duration">The container's duration (s).</param>
/// <param name="PacketSpan">From the first packet's timestamp to the end of the last (s): the duration the packets themselves give.</param>
/// <param name="DecodedFrames">Frames ffprobe decoded (<c>-count_frames</c>): the whole file was read and decoded.</param>
/// <param name="Errors">What ffprobe reported at <c>-v error</c> while reading (empty: a clean file).</param>
public sealed record ProbeResult(double Duration, double PacketSpan, string Codec, int DecodedFrames, int Packets, string Errors)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Codec}, {DecodedFrames} frames decoded, {Packets} packets, duration {Duration:0.000} s (packets span {PacketSpan:0.000} s)");
}

/// <summary>ffprobe over a whole file: fails loudly when ffprobe cannot read it.</summary>
public static class MediaProbe
{
    /// <summary>Reads and decodes the whole file; throws when ffprobe fails (exit code), reports its error lines otherwise.</summary>
    public static ProbeResult Probe(string path)
    {
        var o = Tool.Run("ffprobe", "-v", "error", "-count_frames", "-select_streams", "0", "-show_entries",
            "format=duration:stream=codec_name,nb_read_frames", "-of", "default=nw=1", path);
        double duration = 0;
        string codec = "";
        int frames = 0;
        foreach (var line in o.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = line.Split('=', 2);
            if (kv.Length < 2) continue;
            if (kv[0] == "duration") double.TryParse(kv[1], CultureInfo.InvariantCulture, out duration);
            if (kv[0] == "codec_name") codec = kv[1];
            if (kv[0] == "nb_read_frames" && int.TryParse(kv[1], out int n)) frames = n;
        }
        // The packets' own timing, independent of the Duration element the writer put in the header.
        var p = Tool.Run("ffprobe", "-v", "error", "-select_streams", "0", "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0", path);
        double first = double.NaN, last = double.NaN, lastDuration = double.NaN, previous = double.NaN, step = 0;
        int packets = 0;
        foreach (var line in p.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(',');
            if (!double.TryParse(f[0], CultureInfo.InvariantCulture, out double pts)) continue;
            packets++;
            if (double.IsNaN(first)) first = pts;
            if (!double.IsNaN(previous) && pts > previous) step = pts - previous;
            previous = pts;
            last = Math.Max(double.IsNaN(last) ? pts : last, pts);
            lastDuration = f.Length > 1 && double.TryParse(f[1], CultureInfo.InvariantCulture, out double d) ? d : double.NaN;
        }
        double span = packets == 0 ? 0 : last - first + (double.IsNaN(lastDuration) ? step : lastDuration);
        string errors = (o.Stderr + p.Stderr).Trim();
        return new ProbeResult(duration, Math.Round(span, 3), codec, frames, packets, errors.Length > 500 ? errors[..500] : errors);
    }
}
