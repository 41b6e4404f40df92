using System.Diagnostics;
using MediaCore.Browser.Tests.Infrastructure;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Issue 10, 流动播放 end to end: courseware (an ffmpeg-made red picture with a 440 Hz tone, MP4) is uploaded and
/// imported once to VP8/Opus WebM; a truncated copy is refused with a Chinese reason and leaves no file; a schedule
/// for one village starts a few seconds later; at that moment the ControlPlane asks MediaServer to play it into the
/// village's playback room, MediaServer's file publisher sends it as RTP, and the village's projector page (WHEP)
/// decodes it: frames counted, the picture's colour and the sound's pitch checked against the source.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class PlaybackTests(LiveStackFixture fixture)
{
    private LiveStack Stack => fixture.Stack;

    [Fact]
    public async Task ScheduledCourseware_PlaysInTheVillageProjectorPage()
    {
        var dir = Directory.CreateTempSubdirectory("mediacore-courseware-").FullName;
        string mp4 = Path.Combine(dir, "党课课件.mp4"), truncated = Path.Combine(dir, "truncated.mp4");
        Ffmpeg("-f", "lavfi", "-i", "color=c=red:s=640x360:r=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "8", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", mp4);
        var bytes = await File.ReadAllBytesAsync(mp4);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length * 2 / 5)]);

        var (status, cw) = await Stack.PostFileAsync("admin", "/api/courseware", new Dictionary<string, string> { ["title"] = "冬训课件：红色记忆" }, "file", mp4);
        Assert.True(status == 202, $"upload: {status} {cw}");
        var (badStatus, bad) = await Stack.PostFileAsync("admin", "/api/courseware", new Dictionary<string, string> { ["title"] = "上传中断的课件" }, "file", truncated);
        Assert.True(badStatus == 202, $"truncated upload: {badStatus} {bad}");
        int id = (int)cw["id"]!, badId = (int)bad["id"]!;
        await Stack.WaitAsync(async () => (string?)(await Stack.GetAsync("admin", $"/api/courseware/{id}"))["state"] == "ready", TimeSpan.FromMinutes(2),
            "the courseware imported");
        await Stack.WaitAsync(async () => (string?)(await Stack.GetAsync("admin", $"/api/courseware/{badId}"))["state"] == "failed", TimeSpan.FromMinutes(2),
            "the truncated courseware refused");
        var refused = await Stack.GetAsync("admin", $"/api/courseware/{badId}");
        Assert.Contains("不完整", (string)refused["error"]!);
        Assert.Equal(404, await Stack.StatusAsync("admin", $"/api/courseware/{badId}/file"));

        var village = await Stack.VillageOperatorAsync(2);
        await using var chromium = await ChromiumSession.LaunchAsync();
        var projector = await Stack.OpenAsync(chromium, 2, village.User, "/projector");
        var root = projector.Locator("[data-testid=projector]");
        await Stack.WaitAsync(async () => await root.GetAttributeAsync("data-state") == "connected", TimeSpan.FromSeconds(30), "the projector page connected (waiting)");

        var schedule = await Stack.PostAsync("admin", "/api/playback/schedules", new
        {
            title = "今晚流动播放", coursewareId = id, siteIds = new[] { village.SiteId }, startAt = DateTimeOffset.UtcNow.AddSeconds(2), loops = 1,
        });
        var video = projector.Locator("video[data-testid=projector-video]");
        await Stack.WaitAsync(async () => await video.EvaluateAsync<bool>(
                "v => v.videoWidth > 0 && (v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) > 25"),
            TimeSpan.FromSeconds(40), "the projector decoding the scheduled courseware");
        // The picture is the source's: a red frame (VP8 and YUV rounding keep it far from anything else).
        var rgb = await video.EvaluateAsync<int[]>("""
            v => { const c = document.createElement('canvas'); c.width = 64; c.height = 36;
                   const g = c.getContext('2d'); g.drawImage(v, 0, 0, 64, 36);
                   return Array.from(g.getImageData(32, 18, 1, 1).data.slice(0, 3)); }
            """);
        Assert.True(rgb[0] > 180 && rgb[1] < 80 && rgb[2] < 80, $"centre pixel rgb({string.Join(",", rgb)}) is not the courseware's red");
        // And the sound is the source's 440 Hz tone: the peak of the power spectrum of the projector's received audio
        // averaged over 1 s (AnalyserNode, 8192-point FFT: 5.9 Hz bins).
        var peak = await video.EvaluateAsync<double[]>("""
            async v => {
              const track = v.srcObject?.getAudioTracks()[0];
              if (!track) return [0, -999];
              const stream = new MediaStream([track]);
              const sink = new Audio(); sink.muted = true; sink.srcObject = stream; await sink.play().catch(() => {});
              const ctx = new AudioContext(); await ctx.resume();
              const analyser = ctx.createAnalyser(); analyser.fftSize = 8192; analyser.smoothingTimeConstant = 0;
              ctx.createMediaStreamSource(stream).connect(analyser);
              const bins = new Float32Array(analyser.frequencyBinCount), power = new Float64Array(analyser.frequencyBinCount);
              const windowMs = 1000 * analyser.fftSize / ctx.sampleRate;
              await new Promise(r => setTimeout(r, windowMs));
              let n = 0;
              for (const end = performance.now() + 1000; ; ) {
                analyser.getFloatFrequencyData(bins);
                for (let i = 0; i < bins.length; i++) power[i] += Math.pow(10, bins[i] / 10);
                n++;
                if (performance.now() + windowMs > end) break;
                await new Promise(r => setTimeout(r, windowMs));
              }
              let best = 1;
              for (let i = 1; i < power.length; i++) if (power[i] > power[best]) best = i;
              const result = [best * ctx.sampleRate / analyser.fftSize, 10 * Math.log10(power[best] / n)];
              await ctx.close(); sink.srcObject = null;
              return result;
            }
            """);
        Assert.True(Math.Abs(peak[0] - 440) < 12 && peak[1] > -70, $"the projector hears {peak[0]:0} Hz at {peak[1]:0.0} dB, not the courseware's 440 Hz tone");
        var after = await Stack.GetAsync("admin", "/api/playback/schedules");
        var row = after.AsArray().First(s => (int)s!["id"]! == (int)schedule["id"]!)!;
        Assert.Contains("已在 1 个站点开始播放", (string)row["lastResult"]!);
        Assert.False((bool)row["enabled"]!); // a one-off schedule is done
        await LiveStack.ScreenshotAsync(projector, "portal-projector");
        await LiveStack.LeaveAsync(projector);

        // 播放计划: the schedule with its outcome, the courseware with its import state and the refused upload's reason.
        var page = await Stack.OpenAsync(chromium, 0, "admin", "/recordings/schedules");
        await Stack.WaitAsync(async () => await page.Locator("[data-testid=schedule-table]").GetByText("已在 1 个站点开始播放").CountAsync() > 0
                && await page.Locator("[data-testid=courseware-table]").GetByText("不完整").CountAsync() > 0,
            TimeSpan.FromSeconds(20), "the schedules page listing the run and the refused courseware");
        await LiveStack.ScreenshotAsync(page, "portal-playback-schedules");
        await LiveStack.LeaveAsync(page);
        Directory.Delete(dir, recursive: true);
    }

    private static void Ffmpeg(params string[] args)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)) && p.ExitCode == 0, "ffmpeg: " + err);
    }
}
