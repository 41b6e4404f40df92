using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Plain-RTP ingest: ffmpeg (Debian's) pushes a test pattern (VP8) and a tone (Opus) to the port that
/// <c>POST /api/rooms/{room}/ingest</c> returned; a Chromium subscriber decodes the video and hears the tone, and the
/// participant's snapshot is a JPEG of the pattern's colour, with no browser publishing.
/// </summary>
public sealed class IngestTests
{
    [Fact]
    public async Task Ingest_FfmpegPushesPatternAndTone_ChromiumDecodesHearsAndSnapshotShowsPattern()
    {
        // Default (mixed) audio: ffmpeg sends no RFC 6464 level, so the mixer estimates the ingest's level from its PCM.
        await using var server = await BrowserTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token("cam", "town-host", ParticipantRole.Host));
        using var created = await http.PostAsJsonAsync("/api/rooms/cam/ingest", new { participant = "site:3", video = "vp8", audio = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ingest = (await created.Content.ReadFromJsonAsync<IngestDto>())!;
        Assert.Equal("site:3", ingest.Participant);

        // A solid colour (R 192, G 32, B 160) so the snapshot's content can be checked, and an 660 Hz tone.
        using var ffmpeg = Ffmpeg.Start(
            "-hide_banner -loglevel error -re -f lavfi -i color=c=0xC020A0:size=640x360:rate=30 -f lavfi -i sine=frequency=660:sample_rate=48000 " +
            $"-map 0:v -c:v libvpx -deadline realtime -b:v 600k -g 30 -f rtp -payload_type {ingest.VideoPayloadType} rtp://127.0.0.1:{ingest.Port} " +
            $"-map 1:a -c:a libopus -ar 48000 -ac 2 -f rtp -payload_type {ingest.AudioPayloadType} rtp://127.0.0.1:{ingest.Port}");

        await using var chromium = await ChromiumSession.LaunchAsync();
        var page = await chromium.OpenPageAsync(server.BaseAddress);
        var watch = await page.SubscribeAsync("/whep/cam", server.Token("cam", "county", ParticipantRole.Audience));
        Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");
        var stats = await page.WaitForStatsAsync(watch.Handle,
            s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 10) && s.Inbound.Any(x => x.Kind == "audio" && x.PacketsReceived > 50),
            TimeSpan.FromSeconds(20));
        Assert.Contains(stats.Inbound, x => x.Kind == "video" && x.FrameWidth == 640 && x.FrameHeight == 360);
        var peak = await page.MeasureAudioFrequencyAsync(watch.Handle);
        Assert.InRange(peak.Hz, 640, 680);

        using var snapshot = await http.GetAsync("/api/rooms/cam/participants/site:3/snapshot");
        Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
        var jpeg = await snapshot.Content.ReadAsByteArrayAsync();
        Assert.True(SnapshotTests.TryReadJpegSize(jpeg, out int w, out int h) && (w, h) == (640, 360), $"JPEG {w}x{h}");
        var (r, g, b) = await Ffmpeg.MeanColourAsync(jpeg);
        Assert.InRange(r, 172, 212);
        Assert.InRange(g, 12, 52);
        Assert.InRange(b, 140, 180);

        using var deleted = await http.DeleteAsync($"/api/rooms/cam/ingest/{ingest.Id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var gone = await http.GetAsync("/api/rooms/cam/participants/site:3/snapshot");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private sealed record IngestDto(string Id, string Participant, int Port, int VideoPayloadType, int AudioPayloadType);
}

/// <summary>Debian's ffmpeg as a child process that dies with the test.</summary>
internal sealed class Ffmpeg : IDisposable
{
    private readonly Process _process;

    private Ffmpeg(Process process) => _process = process;

    public static Ffmpeg Start(string arguments)
    {
        var psi = new ProcessStartInfo("ffmpeg", arguments) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true };
        var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        return new Ffmpeg(p);
    }

    /// <summary>Mean R, G, B of an image (decoded by ffmpeg to one averaged pixel).</summary>
    public static async Task<(int R, int G, int B)> MeanColourAsync(byte[] image)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mc-{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(path, image);
        try
        {
            var psi = new ProcessStartInfo("ffmpeg", $"-hide_banner -loglevel error -i {path} -vf scale=1:1:flags=area -f rawvideo -pix_fmt rgb24 -")
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            using var ms = new MemoryStream();
            await p.StandardOutput.BaseStream.CopyToAsync(ms);
            string error = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            var px = ms.ToArray();
            if (p.ExitCode != 0 || px.Length != 3) throw new InvalidOperationException($"ffmpeg could not decode the image: {error}");
            return (px[0], px[1], px[2]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
