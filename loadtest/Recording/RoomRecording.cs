using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MediaCore.LoadTest.Peers;

namespace MediaCore.LoadTest.Recording;

/// <summary>The room API's recording did not start, stop or render: the message says why.</summary>
public sealed class RecordingException(string message) : Exception(message);

/// <summary>
/// One room's recording through the MediaServer's room API, with the room's host token (README "Recording"):
/// <c>POST /api/rooms/{room}/recording</c>, <c>DELETE</c> the same, <c>GET /api/recordings/{id}</c> and
/// <c>GET /api/recordings/{id}/files/{name}</c>.
/// </summary>
internal sealed class RoomRecording(HttpClient http, Uri server, string tokenSecret, string room)
{
    public string Room { get; } = room;
    public string? Id { get; private set; }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(server, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MediaToken.Issue(tokenSecret, Room, "loadtest-recorder", "host", TimeSpan.FromHours(2)));
        return request;
    }

    public async Task StartAsync(CancellationToken ct)
        => Id = (await SendAsync(HttpMethod.Post, $"/api/rooms/{Room}/recording", HttpStatusCode.Created, ct)).GetProperty("id").GetString();

    /// <summary>Stops the recording: the metadata with every file.</summary>
    public Task<JsonElement> StopAsync(CancellationToken ct) => SendAsync(HttpMethod.Delete, $"/api/rooms/{Room}/recording", HttpStatusCode.OK, ct);

    public Task<JsonElement> MetadataAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, $"/api/recordings/{Id}", HttpStatusCode.OK, ct);

    /// <summary>One room-API call: its JSON answer, or a <see cref="RecordingException"/> with the status and the server's problem text.</summary>
    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpStatusCode expected, CancellationToken ct)
    {
        using var request = Request(method, path);
        using var response = await http.SendAsync(request, ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected) throw new RecordingException($"{method} {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Polls the metadata until the composite is <c>done</c> or <c>failed</c>; its last state (null when the server has none).</summary>
    public async Task<JsonElement?> WaitCompositeAsync(TimeSpan timeout, TextWriter log, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        double lastProgress = -1;
        JsonElement? composite = null;
        while (DateTime.UtcNow < deadline)
        {
            var meta = await MetadataAsync(ct);
            if (!meta.TryGetProperty("composite", out var c) || c.ValueKind != JsonValueKind.Object) return null;
            composite = c;
            string? state = c.GetProperty("state").GetString();
            if (state is "done" or "failed") return c;
            double progress = c.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDouble() : 0;
            if (progress - lastProgress >= 0.1)
            {
                log.WriteLine($"recording {Id}: composite {state} {progress:P0}");
                lastProgress = progress;
            }
            await Task.Delay(500, ct);
        }
        return composite;
    }

    public async Task DownloadAsync(string name, string path, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, $"/api/recordings/{Id}/files/{Uri.EscapeDataString(name)}");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new RecordingException($"GET /api/recordings/{Id}/files/{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        await using var file = File.Create(path);
        await response.Content.CopyToAsync(file, ct);
    }
}
