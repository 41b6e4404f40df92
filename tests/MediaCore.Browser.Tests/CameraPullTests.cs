using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>
/// A village's fixed IP camera without a browser: the camera (a stand-in RTSP server on loopback serving ffmpeg's H.264
/// test pattern over RTSP/TCP interleaved, RFC 2326 §10.12) is registered as a camera device with its RTSP URL; when
/// the village's meeting is due, the ControlPlane has ffmpeg pull it into the meeting's room, and the site's snapshot
/// from MediaServer is a JPEG of the pattern's colour.
/// </summary>
public sealed class CameraPullTests
{
    [Fact]
    public async Task CameraWithRtspUrl_VillageMeetingDue_PulledIntoRoomAndSnapshotShowsPattern()
    {
        await using var stack = await LiveStack.StartAsync();
        await using var camera = await RtspCameraStandIn.StartAsync("0x20A0C0");
        var (_, siteId, _) = await stack.VillageOperatorAsync(3);
        var url = $"rtsp://admin:cam-secret@127.0.0.1:{camera.Port}/Streaming/Channels/101";
        var created = await stack.PostAsync("admin", $"/api/sites/{siteId}/devices", new { kind = "camera", name = "村委会摄像机", code = "CAM-PULL-1", rtspUrl = url });
        Assert.Equal($"rtsp://admin:***@127.0.0.1:{camera.Port}/Streaming/Channels/101", (string?)created["device"]!["rtspUrl"]);

        var (_, room) = await stack.ScheduleAsync("admin", siteId, "committeeDay", "村两委议事日");
        using var http = new HttpClient { BaseAddress = stack.Media.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stack.Media.Token(room, "county", ParticipantRole.Host));
        byte[]? jpeg = null;
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (DateTime.UtcNow < deadline)
        {
            using var resp = await http.GetAsync($"/api/rooms/{room}/participants/site:{siteId}/snapshot");
            if (resp.StatusCode == HttpStatusCode.OK)
            {
                jpeg = await resp.Content.ReadAsByteArrayAsync();
                break;
            }
            await Task.Delay(500);
        }
        Assert.True(jpeg != null, $"no snapshot of site:{siteId} in {room} within 40 s; camera requests: {camera.Requests}\n{stack.Log}");
        Assert.True(SnapshotTests.TryReadJpegSize(jpeg, out int w, out int h) && (w, h) == (640, 360), $"JPEG {w}x{h}");
        var (r, g, b) = await Ffmpeg.MeanColourAsync(jpeg);
        Assert.InRange(r, 12, 52);
        Assert.InRange(g, 140, 180);
        Assert.InRange(b, 172, 212);
        Assert.Contains("DESCRIBE", camera.Requests, StringComparison.Ordinal);
    }
}

/// <summary>
/// A stand-in IP camera: ffmpeg encodes a solid-colour H.264 test pattern to RTP on a loopback UDP port, and this
/// minimal RTSP server (RFC 2326: OPTIONS, DESCRIBE with ffmpeg's own SDP, SETUP with TCP interleaving, PLAY,
/// GET_PARAMETER, TEARDOWN) relays those packets to one client as interleaved frames (<c>$</c>, channel, length).
/// Debian's ffmpeg 5.1 cannot serve RTSP itself.
/// </summary>
internal sealed class RtspCameraStandIn : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly UdpClient _rtp;
    private readonly Process _ffmpeg;
    private readonly string _sdp;
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _requests = new();
    private Task? _serve;

    private RtspCameraStandIn(TcpListener listener, UdpClient rtp, Process ffmpeg, string sdp)
    {
        _listener = listener;
        _rtp = rtp;
        _ffmpeg = ffmpeg;
        _sdp = sdp;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Requests { get { lock (_requests) return _requests.ToString(); } }

    public static async Task<RtspCameraStandIn> StartAsync(string colour)
    {
        var rtp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int rtpPort = ((IPEndPoint)rtp.Client.LocalEndPoint!).Port;
        var sdpFile = Path.Combine(Path.GetTempPath(), $"mc-cam-{Guid.NewGuid():N}.sdp");
        var psi = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", $"color=c={colour}:size=640x360:rate=25",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-g", "25",
            "-f", "rtp", "-payload_type", "96", "-sdp_file", sdpFile, $"rtp://127.0.0.1:{rtpPort}"])
            psi.ArgumentList.Add(a);
        var ffmpeg = Process.Start(psi)!;
        ffmpeg.ErrorDataReceived += (_, _) => { };
        ffmpeg.BeginErrorReadLine();
        for (int i = 0; i < 100 && !File.Exists(sdpFile); i++) await Task.Delay(100);
        Assert.True(File.Exists(sdpFile), "ffmpeg wrote no SDP for the camera stand-in");
        await Task.Delay(200);
        var lines = (await File.ReadAllTextAsync(sdpFile)).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        File.Delete(sdpFile);
        // An RTSP DESCRIBE answer: no transport address (SETUP negotiates it), a control URL per track (RFC 2326 C.1.1).
        var sdp = new StringBuilder();
        foreach (var line in lines)
        {
            if (line.StartsWith("m=video", StringComparison.Ordinal)) sdp.Append("m=video 0 RTP/AVP 96\r\na=control:trackID=0\r\n");
            else if (line.StartsWith("c=", StringComparison.Ordinal)) sdp.Append("c=IN IP4 0.0.0.0\r\n");
            else sdp.Append(line).Append("\r\n");
        }
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var camera = new RtspCameraStandIn(listener, rtp, ffmpeg, sdp.ToString());
        camera._serve = Task.Run(camera.ServeAsync);
        return camera;
    }

    private async Task ServeAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => SessionAsync(client));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task SessionAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var writeLock = new SemaphoreSlim(1, 1);
        var reader = new StreamReader(stream, Encoding.ASCII);
        Task? relay = null;
        using var sessionStop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        try
        {
            while (!sessionStop.IsCancellationRequested)
            {
                var requestLine = await reader.ReadLineAsync(sessionStop.Token);
                if (requestLine == null) break;
                if (requestLine.Length == 0) continue;
                string cseq = "0", url = requestLine.Split(' ').ElementAtOrDefault(1) ?? "";
                string? line;
                while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync(sessionStop.Token)))
                    if (line.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase)) cseq = line[5..].Trim();
                var method = requestLine.Split(' ')[0];
                lock (_requests) _requests.Append(method).Append(' ');
                string headers = "", body = "";
                switch (method)
                {
                    case "OPTIONS": headers = "Public: OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN\r\n"; break;
                    case "DESCRIBE":
                        body = _sdp;
                        headers = $"Content-Base: {url.TrimEnd('/')}/\r\nContent-Type: application/sdp\r\n";
                        break;
                    case "SETUP": headers = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 4711;timeout=60\r\n"; break;
                    case "PLAY":
                        headers = "Session: 4711\r\nRange: npt=0.000-\r\n";
                        relay ??= Task.Run(() => RelayAsync(stream, writeLock, sessionStop.Token));
                        break;
                    case "TEARDOWN": headers = "Session: 4711\r\n"; break;
                    default: headers = "Session: 4711\r\n"; break;
                }
                var response = $"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{headers}Content-Length: {Encoding.ASCII.GetByteCount(body)}\r\n\r\n{body}";
                await writeLock.WaitAsync(sessionStop.Token);
                try
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(response), sessionStop.Token);
                }
                finally
                {
                    writeLock.Release();
                }
                if (method == "TEARDOWN") break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        await sessionStop.CancelAsync();
        if (relay != null) await relay.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    // RFC 2326 §10.12: '$', channel 0 (RTP), 16-bit length, the RTP packet.
    private async Task RelayAsync(NetworkStream stream, SemaphoreSlim writeLock, CancellationToken stop)
    {
        var frame = new byte[4 + 65536];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var packet = await _rtp.ReceiveAsync(stop);
                frame[0] = (byte)'$';
                frame[1] = 0;
                frame[2] = (byte)(packet.Buffer.Length >> 8);
                frame[3] = (byte)packet.Buffer.Length;
                packet.Buffer.CopyTo(frame, 4);
                await writeLock.WaitAsync(stop);
                try
                {
                    await stream.WriteAsync(frame.AsMemory(0, 4 + packet.Buffer.Length), stop);
                }
                finally
                {
                    writeLock.Release();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        if (!_ffmpeg.HasExited) _ffmpeg.Kill(entireProcessTree: true);
        await _ffmpeg.WaitForExitAsync();
        _ffmpeg.Dispose();
        _rtp.Dispose();
        if (_serve != null) await _serve;
    }
}
