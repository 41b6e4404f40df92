using System.Net;
using System.Net.Http.Headers;
using MediaCore.ControlPlane.Auth;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Recordings;

/// <summary>
/// MediaServer's recording API, called with the ControlPlane's service token: start and stop a room's recording,
/// and read a recording's file (with the caller's Range header) from the node that holds it.
/// </summary>
public sealed partial class MediaRecordingClient(HttpClient http, MediaTokenIssuer tokens, IOptions<ControlPlaneOptions> options,
    ILogger<MediaRecordingClient> log)
{
    /// <summary>Asks MediaServer to record <paramref name="room"/>; true when it records (started now or already).</summary>
    public async Task<bool> StartAsync(string room, CancellationToken ct)
    {
        using var resp = await SendAsync(HttpMethod.Post, null, $"api/rooms/{Uri.EscapeDataString(room)}/recording", ct);
        if (resp is null) return false;
        if (resp.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict) return true;
        Log.Refused(log, "start", room, (int)resp.StatusCode);
        return false;
    }

    /// <summary>Asks MediaServer to stop recording <paramref name="room"/>; true when it stopped or nothing ran.</summary>
    public async Task<bool> StopAsync(string room, CancellationToken ct)
    {
        using var resp = await SendAsync(HttpMethod.Delete, null, $"api/rooms/{Uri.EscapeDataString(room)}/recording", ct);
        if (resp is null) return false;
        if (resp.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound) return true;
        Log.Refused(log, "stop", room, (int)resp.StatusCode);
        return false;
    }

    /// <summary>
    /// Asks MediaServer to play a file into <paramref name="room"/> (<c>POST /api/rooms/{room}/playback</c> with
    /// <c>{url}</c> or <c>{recordingId}</c>); null when it plays, else the reason.
    /// </summary>
    public async Task<string?> StartPlaybackAsync(string room, object body, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, Resolve(null, $"api/rooms/{Uri.EscapeDataString(room)}/playback"))
        {
            Content = System.Net.Http.Json.JsonContent.Create(body),
        };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.MintServiceToken());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(5)); // MediaServer fetches the file first
        try
        {
            using var resp = await http.SendAsync(req, timeout.Token);
            if (resp.IsSuccessStatusCode) return null;
            var text = await resp.Content.ReadAsStringAsync(ct);
            return $"HTTP {(int)resp.StatusCode}: {(text.Length > 300 ? text[..300] : text)}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return "MediaServer unreachable: " + e.Message;
        }
    }

    /// <summary>
    /// Opens a recording's file on <paramref name="nodeId"/> (headers read, body not yet), forwarding
    /// <paramref name="range"/> and <paramref name="ifRange"/>; null when the node cannot be reached.
    /// </summary>
    public async Task<HttpResponseMessage?> OpenFileAsync(string nodeId, string recordingId, string name, string? range, string? ifRange, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, Resolve(nodeId, $"api/recordings/{Uri.EscapeDataString(recordingId)}/files/{Uri.EscapeDataString(name)}"));
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.MintServiceToken());
        if (!string.IsNullOrEmpty(range)) req.Headers.TryAddWithoutValidation("Range", range);
        if (!string.IsNullOrEmpty(ifRange)) req.Headers.TryAddWithoutValidation("If-Range", ifRange);
        try
        {
            return await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Log.Unreachable(log, nodeId, e.Message);
            return null;
        }
    }

    private async Task<HttpResponseMessage?> SendAsync(HttpMethod method, string? nodeId, string path, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(method, Resolve(nodeId, path));
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.MintServiceToken());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            return await http.SendAsync(req, timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Log.Unreachable(log, nodeId ?? "default", e.Message);
            return null;
        }
    }

    private Uri Resolve(string? nodeId, string path)
    {
        var o = options.Value;
        var baseUrl = nodeId is not null && o.Recording.NodeUrls.TryGetValue(nodeId, out var url) ? url : o.MediaServerUrl;
        return new Uri(new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/"), path);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "MediaServer refused to {Action} recording room {Room}: HTTP {Status}")]
        public static partial void Refused(ILogger logger, string action, string room, int status);

        [LoggerMessage(Level = LogLevel.Warning, Message = "MediaServer node {Node} unreachable for recordings: {Reason}")]
        public static partial void Unreachable(ILogger logger, string node, string reason);
    }
}
