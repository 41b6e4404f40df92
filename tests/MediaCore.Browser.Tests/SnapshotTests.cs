using System.Net;
using System.Net.Http.Headers;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>Issue 4 §4 on the MediaServer side: a live Chromium publisher's video as a JPEG, decoded by Debian's ffmpeg.</summary>
public sealed class SnapshotTests
{
    [Theory]
    [InlineData(null, 640, 480)]
    [InlineData("H264", 1280, 720)]
    public async Task Snapshot_LivePublisher_ReturnsColouredJpegOfThePublishedSize(string? codec, int width, int height)
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var page = await chromium.OpenPageAsync(server.BaseAddress);
        var options = width == 640 ? new PublishOptions(Codec: codec) : new PublishOptions(Codec: codec, Width: width, Height: height);
        var publish = await page.PublishAsync("/whip/snap", server.Token("snap", "village-7", ParticipantRole.Speaker), options);
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");
        await page.WaitForStatsAsync(publish.Handle, s => s.Outbound.Any(x => x.Kind == "video" && x.FrameWidth == width), TimeSpan.FromSeconds(15));

        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/rooms/snap/participants/village-7/snapshot");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.Token("*", "controlplane", ParticipantRole.Host));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        var jpeg = await response.Content.ReadAsByteArrayAsync();
        Assert.True(TryReadJpegSize(jpeg, out int w, out int h), "not a baseline/progressive JPEG");
        Assert.Equal((width, height), (w, h));
        // The picture, not just the container: a key frame decoded without its data comes out uniform grey; the fake
        // camera's frame is coloured (ffmpeg decodes the JPEG independently of the server).
        var (spread, chroma) = await PictureContentAsync(jpeg);
        Assert.True(spread > 30 && chroma > 30, $"the snapshot looks blank or grey: luma spread {spread}, largest colour difference {chroma}");
    }

    /// <summary>
    /// Decodes <paramref name="jpeg"/> with ffmpeg into 32x24 RGB pixels: the spread of brightness over the pixels, and
    /// the largest difference between two colour channels of one pixel (0 for any grey picture).
    /// </summary>
    internal static async Task<(int LumaSpread, int Chroma)> PictureContentAsync(byte[] jpeg)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ffmpeg", ["-loglevel", "error", "-f", "image2pipe", "-c:v", "mjpeg", "-i", "-",
            "-vf", "scale=32:24", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var ffmpeg = System.Diagnostics.Process.Start(psi)!;
        var read = Task.Run(async () =>
        {
            using var ms = new MemoryStream();
            await ffmpeg.StandardOutput.BaseStream.CopyToAsync(ms);
            return ms.ToArray();
        });
        var errors = ffmpeg.StandardError.ReadToEndAsync();
        await ffmpeg.StandardInput.BaseStream.WriteAsync(jpeg);
        ffmpeg.StandardInput.Close();
        var rgb = await read;
        await ffmpeg.WaitForExitAsync();
        Assert.True(ffmpeg.ExitCode == 0 && rgb.Length == 32 * 24 * 3, $"ffmpeg could not decode the JPEG ({ffmpeg.ExitCode}): {await errors}");
        int min = 255, max = 0, chroma = 0;
        for (int i = 0; i < rgb.Length; i += 3)
        {
            int r = rgb[i], g = rgb[i + 1], b = rgb[i + 2];
            int luma = (r * 299 + g * 587 + b * 114) / 1000;
            min = Math.Min(min, luma);
            max = Math.Max(max, luma);
            chroma = Math.Max(chroma, Math.Max(Math.Abs(r - g), Math.Max(Math.Abs(g - b), Math.Abs(r - b))));
        }
        return (max - min, chroma);
    }

    [Fact]
    public async Task Snapshot_UnknownParticipant_Returns404()
    {
        await using var server = await BrowserTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/rooms/snap/participants/nobody/snapshot");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.Token("*", "controlplane", ParticipantRole.Host));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>Reads the frame size from the first SOF0/SOF1/SOF2 segment (ITU T.81 §B.2.2).</summary>
    internal static bool TryReadJpegSize(byte[] jpeg, out int width, out int height)
    {
        width = height = 0;
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return false;
        int i = 2;
        while (i + 9 < jpeg.Length)
        {
            if (jpeg[i] != 0xFF) return false;
            byte marker = jpeg[i + 1];
            int length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is 0xC0 or 0xC1 or 0xC2)
            {
                height = (jpeg[i + 5] << 8) | jpeg[i + 6];
                width = (jpeg[i + 7] << 8) | jpeg[i + 8];
                return true;
            }
            i += 2 + length;
        }
        return false;
    }
}
