using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MediaCore.LoadTest.Media;
using MediaCore.LoadTest.Peers;

namespace MediaCore.LoadTest.Recording;

/// <summary>One track file against its publisher: ffprobe's reading and the publishing time.</summary>
/// <param name="DurationSeconds">The container's duration (ffprobe <c>format=duration</c>).</param>
/// <param name="PacketSpanSeconds">First packet to the end of the last, from the packets' timestamps.</param>
/// <param name="PublishedSeconds">The publisher's first frame sent to the end of its last (its clock).</param>
/// <param name="DifferenceMs">The larger of the two durations' differences from <paramref name="PublishedSeconds"/>, signed.</param>
public sealed record TrackCheck(string Name, string Participant, string Kind, string Codec, double DurationSeconds, double PacketSpanSeconds,
    double PublishedSeconds, double DifferenceMs, int DecodedFrames, string? Problem);

/// <summary>
/// Flash-and-beep A/V offset (beep onset minus flash onset, ms; positive: the audio is late) in <c>meeting.mp4</c> and in the
/// main publisher's track files, one pair per period.
/// </summary>
public sealed record AvSync(int ExpectedPairs, IReadOnlyList<double> CompositeOffsetsMs, double? CompositeMedianMs, double? CompositeMaxAbsMs,
    IReadOnlyList<double> TrackOffsetsMs, double? TrackMedianMs, double? TrackMaxAbsMs, bool Passed);

/// <summary>One room's recording in a <c>--record</c> run.</summary>
public sealed record RecordingResult(string Room, string? Id, IReadOnlyList<TrackCheck> Tracks, string? CompositeState, string? CompositeError,
    double? CompositeWaitSeconds, double? CompositeDurationSeconds, AvSync? AvSync, string? Directory, IReadOnlyList<string> Problems)
{
    public bool Passed => Problems.Count == 0;
}

/// <summary>
/// After a <c>--record</c> run: stops a room's recording, downloads every track file, has ffprobe read and decode each
/// (the duration of each must be within <see cref="DurationToleranceMs"/> of its publisher's publishing time) and, with the
/// flash-and-beep clip, waits for <c>meeting.mp4</c> and measures its A/V offset (each pair under <see cref="MaxAvOffsetMs"/>).
/// </summary>
internal static class RecordingCheck
{
    /// <summary>Issue 10: each track's duration is within 200 ms of the publishing time.</summary>
    public const double DurationToleranceMs = 200;
    /// <summary>Issue 10: the composite's audio/video offset is under 80 ms.</summary>
    public const double MaxAvOffsetMs = 80;

    /// <param name="publishers">The room's simulated publishers (their sites are the recording's participant ids).</param>
    /// <param name="mainSite">The room's video publisher (the flash-and-beep clip when <paramref name="flashBeep"/>).</param>
    public static async Task<RecordingResult> RunAsync(RoomRecording recording, IReadOnlyList<SiteStats> publishers, string? mainSite,
        bool flashBeep, TimeSpan compositeTimeout, string directory, TextWriter log, CancellationToken ct)
    {
        var problems = new List<string>();
        var tracks = new List<TrackCheck>();
        JsonElement meta;
        try
        {
            meta = await recording.StopAsync(ct);
        }
        catch (Exception e) when (e is RecordingException or HttpRequestException)
        {
            return new RecordingResult(recording.Room, recording.Id, [], null, null, null, null, null, null, [e.Message]);
        }
        string dir = Path.Combine(directory, recording.Id!);
        Directory.CreateDirectory(dir);
        var files = meta.GetProperty("files").EnumerateArray().ToList();
        log.WriteLine($"recording {recording.Id} of room {recording.Room}: stopped, {files.Count} files; downloading and reading each with ffprobe ...");
        var seen = new HashSet<(string, string)>();
        foreach (var f in files)
        {
            string name = f.GetProperty("name").GetString()!;
            string participant = f.GetProperty("participantId").GetString()!;
            string kind = f.GetProperty("kind").GetString()!;
            var publisher = publishers.FirstOrDefault(p => p.Site == participant);
            seen.Add((participant, kind));
            string path = Path.Combine(dir, name);
            try
            {
                await recording.DownloadAsync(name, path, ct);
                var probe = MediaProbe.Probe(path);
                var check = Check(name, participant, kind, probe, publisher);
                tracks.Add(check);
                if (check.Problem != null) problems.Add($"{name}: {check.Problem}");
            }
            catch (Exception e) when (e is RecordingException or HttpRequestException or InvalidOperationException or IOException)
            {
                tracks.Add(new TrackCheck(name, participant, kind, "", 0, 0, 0, 0, 0, e.Message));
                problems.Add($"{name}: {e.Message}");
            }
        }
        foreach (var p in publishers)
        {
            if (p.FirstAudioSentTicks > 0 && !seen.Contains((p.Site, "audio"))) problems.Add($"{p.Site} published audio but the recording has no file of it");
            if (p.FirstVideoSentTicks > 0 && !seen.Contains((p.Site, "video"))) problems.Add($"{p.Site} published video but the recording has no file of it");
        }

        string? compositeState = null, compositeError = null;
        double? waited = null, compositeDuration = null;
        AvSync? sync = null;
        if (flashBeep && mainSite != null)
        {
            var clock = Stopwatch.StartNew();
            var composite = await recording.WaitCompositeAsync(compositeTimeout, log, ct);
            waited = Math.Round(clock.Elapsed.TotalSeconds, 1);
            compositeState = composite?.GetProperty("state").GetString();
            compositeError = composite is { } c && c.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.String ? err.GetString() : null;
            if (compositeState != "done")
            {
                problems.Add(composite == null ? "the server renders no composite (meeting.mp4)"
                    : $"composite {compositeState} after {waited} s{(compositeError != null ? ": " + compositeError : "")}");
            }
            else
            {
                try
                {
                    string mp4 = Path.Combine(dir, "meeting.mp4");
                    await recording.DownloadAsync("meeting.mp4", mp4, ct);
                    var probe = MediaProbe.Probe(mp4);
                    compositeDuration = probe.Duration;
                    if (probe.Errors.Length > 0) problems.Add($"meeting.mp4: ffprobe reports {probe.Errors}");
                    var video = tracks.FirstOrDefault(t => t.Participant == mainSite && t.Kind == "video");
                    var audio = tracks.FirstOrDefault(t => t.Participant == mainSite && t.Kind == "audio");
                    sync = MeasureSync(mp4, video == null ? null : Path.Combine(dir, video.Name), audio == null ? null : Path.Combine(dir, audio.Name),
                        video?.PublishedSeconds ?? 0);
                    if (!sync.Passed)
                    {
                        problems.Add(sync.CompositeOffsetsMs.Count < sync.ExpectedPairs
                            ? $"meeting.mp4: {sync.CompositeOffsetsMs.Count} flash/beep pairs found, {sync.ExpectedPairs} expected"
                            : $"meeting.mp4: A/V offset up to {sync.CompositeMaxAbsMs} ms (limit {MaxAvOffsetMs} ms)");
                    }
                }
                catch (Exception e) when (e is RecordingException or HttpRequestException or InvalidOperationException or IOException)
                {
                    problems.Add($"meeting.mp4: {e.Message}");
                }
            }
        }
        return new RecordingResult(recording.Room, recording.Id, tracks, compositeState, compositeError, waited, compositeDuration, sync, dir, problems);
    }

    /// <summary>A track file against its publisher's publishing time.</summary>
    internal static TrackCheck Check(string name, string participant, string kind, ProbeResult probe, SiteStats? publisher)
    {
        string expectedCodec = kind == "audio" ? "opus" : "vp8";
        double published = 0;
        if (publisher != null)
        {
            // From the first frame sent to the end of the last: the last frame lasts one frame interval.
            long first = kind == "audio" ? publisher.FirstAudioSentTicks : publisher.FirstVideoSentTicks;
            long last = kind == "audio" ? publisher.LastAudioSentTicks : publisher.LastVideoSentTicks;
            double frame = kind == "audio" ? MediaClip.AudioFrameMs / 1000.0 : 1.0 / MediaClip.VideoFps;
            if (first > 0) published = (last - first) / (double)TimeSpan.TicksPerSecond + frame;
        }
        double dDuration = (probe.Duration - published) * 1000, dSpan = (probe.PacketSpan - published) * 1000;
        double difference = Math.Round(Math.Abs(dDuration) >= Math.Abs(dSpan) ? dDuration : dSpan, 1);
        string? problem = null;
        if (publisher == null) problem = $"no simulated publisher {participant} in the room";
        else if (published == 0) problem = $"{participant} never sent {kind}";
        else if (probe.Errors.Length > 0) problem = $"ffprobe reports {probe.Errors}";
        else if (probe.Codec != expectedCodec) problem = $"codec {probe.Codec}, expected {expectedCodec}";
        else if (probe.DecodedFrames == 0) problem = "no frame decodes";
        else if (Math.Abs(difference) > DurationToleranceMs)
            problem = string.Create(CultureInfo.InvariantCulture,
                $"lasts {probe.Duration:0.000} s (packets {probe.PacketSpan:0.000} s), published {published:0.000} s: {difference:+0;-0} ms, limit {DurationToleranceMs} ms");
        return new TrackCheck(name, participant, kind, probe.Codec, probe.Duration, probe.PacketSpan, Math.Round(published, 3), difference, probe.DecodedFrames, problem);
    }

    /// <summary>Flash and beep onsets in meeting.mp4 (and the track files, for comparison): every pair must be within the limit.</summary>
    internal static AvSync MeasureSync(string composite, string? videoTrack, string? audioTrack, double publishedSeconds)
    {
        var offsets = FlashBeep.Offsets(FlashBeep.FlashTimes(composite), FlashBeep.BeepTimes(composite)).Select(Ms).ToList();
        var trackOffsets = videoTrack != null && audioTrack != null
            ? FlashBeep.Offsets(FlashBeep.FlashTimes(videoTrack), FlashBeep.BeepTimes(audioTrack)).Select(Ms).ToList()
            : [];
        // Onsets after the first (which has no dark frame or silence before it): one per period. A few may fall at the
        // very end; 80% of them must be found.
        int periods = (int)Math.Ceiling(publishedSeconds / FlashBeep.PeriodSeconds) - 1;
        int expected = Math.Max(2, (int)Math.Floor(0.8 * periods));
        bool passed = offsets.Count >= expected && offsets.All(o => Math.Abs(o) < MaxAvOffsetMs);
        return new AvSync(expected, offsets, Median(offsets), MaxAbs(offsets), trackOffsets, Median(trackOffsets), MaxAbs(trackOffsets), passed);
    }

    private static double? Median(List<double> v) => v.Count > 0 ? Math.Round(FlashBeep.Median(v), 1) : null;
    private static double? MaxAbs(List<double> v) => v.Count > 0 ? Math.Round(v.Max(Math.Abs), 1) : null;

    private static double Ms(double seconds) => Math.Round(seconds * 1000, 1);
}
