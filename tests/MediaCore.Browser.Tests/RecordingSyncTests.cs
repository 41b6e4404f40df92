using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;
using Xunit.Abstractions;

namespace MediaCore.Browser.Tests;

public sealed class RecordingSyncTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Experiment_FlashAndBeep()
    {
        var dir = Directory.CreateTempSubdirectory("mediacore-sync-").FullName;
        var (y4m, wav) = FlashBeep.Create(dir);
        await using var server = await BrowserTestServer.StartAsync(null, $"--MediaServer:Recording:Directory={dir}");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token("lecture1", "county", ParticipantRole.Host));
        using var start = await http.PostAsync("/api/rooms/lecture1/recording", null);
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        string id = JsonDocument.Parse(await start.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        await using var chromium = await ChromiumSession.LaunchAsync($"--use-file-for-fake-video-capture={y4m}", $"--use-file-for-fake-audio-capture={wav}");
        var page = await chromium.OpenPageAsync(server.BaseAddress);
        var publish = await page.PublishAsync("/whip/lecture1", server.Token("lecture1", "expert-1", ParticipantRole.Speaker), new PublishOptions(RawAudio: true, Content: Environment.GetEnvironmentVariable("MC_CONTENT") ?? "display",
            FlashBeep: Environment.GetEnvironmentVariable("MC_SYNTH") == "1"));
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");
        await page.Page.EvaluateAsync("""
            (h) => {
              const s = window.__mc.sessions.get(h);
              const rec = new MediaRecorder(s.stream, { mimeType: 'video/webm;codecs=vp8,opus' });
              s.chunks = []; rec.ondataavailable = e => s.chunks.push(e.data); rec.start(1000); s.rec = rec;
            }
            """, publish.Handle);
        var viewer = await chromium.OpenPageAsync(server.BaseAddress);
        var sub = await viewer.SubscribeAsync("/whep/lecture1", server.Token("lecture1", "village-1", ParticipantRole.Audience), videoCount: 1, content: true);
        Assert.True(sub.Succeeded, $"WHEP failed: {sub.Status} {sub.Detail}");
        await Task.Delay(TimeSpan.FromSeconds(12));
        var vs = await viewer.GetStatsAsync(sub.Handle);
        output.WriteLine(JsonSerializer.Serialize(vs.Inbound));
        output.WriteLine((await http.GetStringAsync("/api/rooms/lecture1")));
        var local = await page.Page.EvaluateAsync<string>("""
            async (h) => {
              const s = window.__mc.sessions.get(h);
              await new Promise(r => { s.rec.onstop = r; s.rec.stop(); });
              const buf = new Uint8Array(await new Blob(s.chunks).arrayBuffer());
              let bin = ''; for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
              return btoa(bin);
            }
            """, publish.Handle);
        string localPath = Path.Combine(dir, "local.webm");
        await File.WriteAllBytesAsync(localPath, Convert.FromBase64String(local));
        await page.StopAsync(publish.Handle);
        using var stop = await http.DeleteAsync("/api/rooms/lecture1/recording");
        var recording = JsonDocument.Parse(await stop.Content.ReadAsStringAsync()).RootElement;
        output.WriteLine(recording.ToString());

        var lf = FlashBeep.FlashTimes(localPath);
        var lb = FlashBeep.BeepTimes(localPath);
        output.WriteLine($"local: flashes {FlashBeep.Describe(lf)}; beeps {FlashBeep.Describe(lb)}; offsets {FlashBeep.Describe(FlashBeep.Offsets(lf, lb))}");
        var rf = FlashBeep.FlashTimes(Path.Combine(dir, id, "expert-1-video.webm"));
        var rb = FlashBeep.BeepTimes(Path.Combine(dir, id, "expert-1-audio.webm"));
        output.WriteLine($"recorded: flashes {FlashBeep.Describe(rf)}; beeps {FlashBeep.Describe(rb)}; offsets {FlashBeep.Describe(FlashBeep.Offsets(rf, rb))}");

        JsonElement composite = default;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            composite = JsonDocument.Parse(await http.GetStringAsync($"/api/recordings/{id}")).RootElement.GetProperty("composite");
            if (composite.GetProperty("state").GetString() is "done" or "failed") break;
            await Task.Delay(500);
        }
        Assert.Equal("done", composite.GetProperty("state").GetString());
        string mp4 = Path.Combine(dir, id, "meeting.mp4");
        var mf = FlashBeep.FlashTimes(mp4);
        var mb = FlashBeep.BeepTimes(mp4);
        output.WriteLine($"meeting.mp4: flashes {FlashBeep.Describe(mf)}; beeps {FlashBeep.Describe(mb)}; offsets {FlashBeep.Describe(FlashBeep.Offsets(mf, mb))}");
        output.WriteLine(dir);
    }
}
