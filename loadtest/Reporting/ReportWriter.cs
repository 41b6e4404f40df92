using System.Text.Json;

namespace MediaCore.LoadTest.Reporting;

/// <summary>report.json and the summary table.</summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void WriteJson(LoadTestReport report, string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(report, Json));
    }

    /// <summary>A recording's files against the publishing time (at most 20 listed) and the composite's A/V offset.</summary>
    private static void PrintRecording(Recording.RecordingResult rec, TextWriter w)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        w.WriteLine($"recording {rec.Id} of room {rec.Room}: {rec.Tracks.Count} track files read by ffprobe{(rec.Directory != null ? $" (downloaded to {rec.Directory})" : "")}");
        var shown = rec.Tracks.Where(t => t.Problem != null).Concat(rec.Tracks.Where(t => t.Problem == null)).Take(20).ToList();
        foreach (var t in shown)
        {
            w.WriteLine(string.Create(inv,
                $"  {t.Name,-32} {t.Codec,-5} {t.DecodedFrames,6} frames  duration {t.DurationSeconds,8:0.000} s (packets {t.PacketSpanSeconds,8:0.000} s)  published {t.PublishedSeconds,8:0.000} s  {t.DifferenceMs,7:+0;-0;0} ms  {(t.Problem == null ? "ok" : "FAIL: " + t.Problem)}"));
        }
        if (rec.Tracks.Count > shown.Count)
        {
            var rest = rec.Tracks.Except(shown).ToList();
            w.WriteLine(string.Create(inv, $"  ... {rest.Count} more, all ok, differences {rest.Min(t => t.DifferenceMs):+0;-0;0}..{rest.Max(t => t.DifferenceMs):+0;-0;0} ms"));
        }
        if (rec.CompositeState != null)
            w.WriteLine(string.Create(inv, $"  composite meeting.mp4: {rec.CompositeState} after {rec.CompositeWaitSeconds} s{(rec.CompositeDurationSeconds is double d ? $", {d:0.000} s long" : "")}{(rec.CompositeError != null ? ": " + rec.CompositeError : "")}"));
        if (rec.AvSync is { } s)
        {
            string Join(IReadOnlyList<double> v) => string.Join(' ', v.Select(x => x.ToString("+0;-0;0", inv)));
            w.WriteLine(string.Create(inv, $"  A/V offset (beep onset - flash onset, ms) in meeting.mp4: {Join(s.CompositeOffsetsMs)}"));
            w.WriteLine(string.Create(inv, $"    {s.CompositeOffsetsMs.Count} pairs ({s.ExpectedPairs} needed), median {s.CompositeMedianMs} ms, max |offset| {s.CompositeMaxAbsMs} ms, limit {Recording.RecordingCheck.MaxAvOffsetMs} ms -> {(s.Passed ? "PASS" : "FAIL")}"));
            w.WriteLine(string.Create(inv, $"    in the track files: {Join(s.TrackOffsetsMs)} (median {s.TrackMedianMs} ms, max |offset| {s.TrackMaxAbsMs} ms)"));
        }
        w.WriteLine(rec.Passed ? $"recording {rec.Id}: PASS" : $"recording {rec.Id}: FAIL ({string.Join("; ", rec.Problems.Take(5))})");
    }

    public static void PrintSummary(LoadTestReport r, TextWriter w)
    {
        var t = r.Totals;
        w.WriteLine();
        w.WriteLine($"== summary: {t.Peers} peers ({t.Publishers} publishers, {t.Subscribers} subscribers), {r.DurationSeconds:0} s ==");
        w.WriteLine($"receiving {t.Receiving}/{t.Subscribers}, failed {t.Failed}; packets received {t.PacketsReceived}, lost {t.Lost} ({t.LossPercent:0.####}%)");
        w.WriteLine($"NACKs sent {t.NacksSent}, RTX received {t.RtxReceived} (recovered {t.RtxRecovered}), PLIs sent {t.PlisSent}; publishers sent {t.PacketsSent} packets");
        w.WriteLine($"server CPU mean {t.ServerCpuPercentMean}% (max {t.ServerCpuPercentMax}%) of one core, RSS max {t.ServerRssMbMax} MB; load generator CPU mean {t.LoadgenCpuPercentMean}%; kernel UDP receive-buffer drops {t.UdpReceiveBufferDrops}");
        long skipped = r.Sites.Sum(s => s.FramesSkipped);
        if (skipped > 0)
            w.WriteLine($"publishers skipped {skipped} frames: their worker fell more than 10 frames behind (a machine loaded past its cores); the skipped time passes in their RTP time, as a capture device's would");
        if (r.Throughput is { } tp)
        {
            string pct = tp.PercentOfCeiling is { } p ? $" = {p}% of the sendto ceiling per core" : "";
            string rxPct = tp.PeakRxPercentOfCeiling is { } q ? $" ({q}% of the ceiling)" : "";
            w.WriteLine($"server sent {tp.DatagramsPerSecond:0} datagrams/s (run mean), {tp.DatagramsPerCpuSecond:0} per server CPU-second{pct}; sites' peak receive rate {tp.PeakRxPerSecond:0} pkt/s{rxPct}");
            string steadyPct = tp.SteadyPercentOfCeiling is { } sp ? $" = {sp}% of the ceiling" : "";
            string batch = tp.DatagramsPerSendCall is { } bs ? $"; {bs:0.0} datagrams per send system call (sendmmsg batch)" : "";
            w.WriteLine($"steady state (second half): {tp.SteadyRxPerCpuSecond:0} packets received by the sites per server CPU-second{steadyPct}{batch}");
            if (tp.PercentOfFanOutCeiling is { } fp && r.Calibration?.FanOut is { } f)
                w.WriteLine($"as a share of the sendmmsg fan-out ceiling ({f.SendmmsgPerCpuSecond:0} datagrams/s per core to {f.Destinations} read sockets): whole run {fp}%, steady state {tp.SteadyPercentOfFanOutCeiling}%");
        }
        if (r.Calibration is { } cal)
        {
            w.WriteLine($"calibration: {cal}");
            if (cal.FanOut is { } fanOut) w.WriteLine($"calibration (fan-out, read): {fanOut}");
            if (cal.FanOutUnread is { } unread) w.WriteLine($"calibration (fan-out, unread): {unread}");
        }
        foreach (var n in r.Nodes ?? [])
            w.WriteLine($"node {n.Url}: {n.Subscribers} subscribers, CPU mean {n.CpuPercentMean}% (max {n.CpuPercentMax}%) of one core{(n.Pid is null ? " (process not found on this machine)" : "")}");
        w.WriteLine($"server's busiest thread: running {t.ServerHotThreadRunPercentMean}% of the time, waiting for a CPU {t.ServerHotThreadWaitPercentMean}% (steady state)");
        w.WriteLine($"{"per site",-16}{"n",6}{"p50",10}{"p95",10}{"p99",10}{"max",10}");
        foreach (var (name, d) in r.PerSite) w.WriteLine($"{name,-16}{d.Count,6}{d.P50,10:0.##}{d.P95,10:0.##}{d.P99,10:0.##}{d.Max,10:0.##}");
        if (r.Capacity is { } steps)
        {
            foreach (var s in steps)
            {
                string never = s.NeverJoined > 0 ? $", {s.NeverJoined} never joined (failed)" : "";
                w.WriteLine($"capacity {s.Sites,5} sites: loss {s.LossPercent}%, join p95 {s.JoinP95Ms} ms{never}, CPU {s.ServerCpuPercent}% -> {(s.Passed ? "pass" : "FAIL")}");
            }
            w.WriteLine($"capacity: largest passing count = {r.CapacityPassingSites?.ToString() ?? "none"}");
        }
        foreach (var rec in r.Recordings ?? []) PrintRecording(rec, w);
        w.WriteLine(r.Verdict.Passed ? "verdict: PASS" : $"verdict: FAIL ({string.Join("; ", r.Verdict.Reasons)})");
    }
}
