using System.Collections.Concurrent;
using MediaCore.ControlPlane.Tests.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaCore.ControlPlane.Tests.Infrastructure;

/// <summary>
/// Stands in for MediaServer's snapshot endpoint until the lead's media core provides it:
/// GET /api/rooms/{room}/participants/{participantId}/snapshot with a Bearer host token for room "*".
/// Serves the JPEG registered for a participant, 404 otherwise; records the tokens it saw.
/// </summary>
public sealed class StubMediaServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentDictionary<string, byte[]> Snapshots { get; } = new();
    public ConcurrentQueue<string> RejectedTokens { get; } = new();

    /// <summary>Sessions served by GET /api/rooms/{room} (MediaServer's room details): (participant id, role, publisher|subscriber).</summary>
    public ConcurrentDictionary<string, (string Id, string Role, string Kind)[]> Rooms { get; } = new();

    public StubMediaServer(string secret)
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseUrls("http://127.0.0.1:0");
        _app = b.Build();
        _app.MapGet("/api/rooms/{room}/participants/{participantId}/snapshot", (string room, string participantId, HttpRequest req) =>
        {
            var auth = req.Headers.Authorization.ToString();
            try
            {
                var claims = LoginAndMediaTokenTests<SqliteApp>.VerifyHs256(auth["Bearer ".Length..], secret);
                if ((string?)claims["room"] != "*" || (string?)claims["role"] != "host") throw new InvalidOperationException("scope");
            }
            catch (Exception)
            {
                RejectedTokens.Enqueue(auth);
                return Results.Unauthorized();
            }
            return Snapshots.TryGetValue($"{room}/{participantId}", out var jpeg) ? Results.File(jpeg, "image/jpeg") : Results.NotFound();
        });
        _app.MapGet("/api/rooms/{room}", (string room) => Rooms.TryGetValue(room, out var sessions)
            ? Results.Json(new { room, participants = sessions.Select(x => new { id = x.Id, sessionId = Guid.NewGuid().ToString("N"), role = x.Role, kind = x.Kind,
                joinedAt = DateTimeOffset.UtcNow, tracks = Array.Empty<object>() }) })
            : Results.NotFound());
        _app.MapPost("/api/rooms/{room}/recording", (string room, HttpRequest req) =>
        {
            if (!HostToken(req, secret)) return Results.Unauthorized();
            RecordingCalls.Enqueue("start " + room);
            return Results.Created($"/api/recordings/rec-{room}", new { id = $"rec-{room}" });
        });
        _app.MapDelete("/api/rooms/{room}/recording", (string room, HttpRequest req) =>
        {
            if (!HostToken(req, secret)) return Results.Unauthorized();
            RecordingCalls.Enqueue("stop " + room);
            return Results.Ok(new { id = $"rec-{room}" });
        });
        _app.MapPost("/api/rooms/{room}/playback", (string room, HttpRequest req) =>
        {
            if (!HostToken(req, secret)) return Results.Unauthorized();
            PlaybackCalls.Enqueue(room);
            return Results.Created($"/api/rooms/{room}/playback", new { room });
        });
        _app.MapGet("/api/recordings/{id}/files/{name}", (string id, string name, HttpRequest req) =>
        {
            if (!HostToken(req, secret)) return Results.Unauthorized();
            return RecordingFiles.TryGetValue($"{id}/{name}", out var bytes)
                ? Results.File(bytes, "video/webm", enableRangeProcessing: true)
                : Results.NotFound();
        });
        _app.StartAsync().GetAwaiter().GetResult();
        Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public string Url { get; }

    /// <summary>"start room" / "stop room" for each recording call the ControlPlane made.</summary>
    public ConcurrentQueue<string> RecordingCalls { get; } = new();

    /// <summary>Rooms the ControlPlane started a playback in (POST /api/rooms/{room}/playback), one entry per call.</summary>
    public ConcurrentQueue<string> PlaybackCalls { get; } = new();

    /// <summary>Bytes served by GET /api/recordings/{id}/files/{name}, by "id/name".</summary>
    public ConcurrentDictionary<string, byte[]> RecordingFiles { get; } = new();

    private static bool HostToken(HttpRequest req, string secret)
    {
        try
        {
            var claims = LoginAndMediaTokenTests<SqliteApp>.VerifyHs256(req.Headers.Authorization.ToString()["Bearer ".Length..], secret);
            return (string?)claims["room"] == "*" && (string?)claims["role"] == "host";
        }
        catch (Exception)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
