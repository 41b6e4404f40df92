using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCore.ControlPlane.Auth;

namespace MediaCore.ControlPlane.Live;

/// <summary>A session in MediaServer's <c>GET /api/rooms/{room}</c> (only the fields the live views need).</summary>
/// <param name="Id">The session's participant id (<c>site:12</c>, <c>user:3</c>).</param>
/// <param name="Role">The media role of its token.</param>
/// <param name="JoinedAt">When the session started.</param>
/// <param name="Kind"><c>publisher</c> (WHIP, SIP), <c>subscriber</c> (WHEP) or <c>ingest</c> (plain RTP, e.g. a pulled camera).</param>
public sealed record MediaRoomParticipant(string Id, string Role, string Kind, DateTimeOffset JoinedAt);

/// <summary>An ingest MediaServer opened: where to send RTP.</summary>
public sealed record MediaIngest(string Id, string Room, string Participant, string Address, int Port, int? VideoPayloadType);

/// <summary>Reads MediaServer's room API with the ControlPlane's service token (room <c>*</c>, role host).</summary>
public sealed class MediaRoomClient(HttpClient http, MediaTokenIssuer tokens)
{
    /// <summary>
    /// The room's sessions: empty when the room has none (MediaServer answers 404), null when MediaServer
    /// cannot be reached or answers an error.
    /// </summary>
    public async Task<IReadOnlyList<MediaRoomParticipant>?> GetParticipantsAsync(string room, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, $"api/rooms/{Uri.EscapeDataString(room)}");
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.MintServiceToken());
        try
        {
            using var resp = await http.SendAsync(req, ct);
            if (resp.StatusCode == System.Net.HttpStatusCode.NotFound) return [];
            if (!resp.IsSuccessStatusCode) return null;
            var body = await resp.Content.ReadFromJsonAsync<RoomBody>(JsonSerializerOptions.Web, ct);
            return body?.Participants ?? [];
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Opens a plain-RTP ingest (MediaServer <c>POST /api/rooms/{room}/ingest</c>); null when MediaServer refuses or is unreachable.</summary>
    public async Task<MediaIngest?> OpenIngestAsync(string room, string participant, string video, bool audio, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, $"api/rooms/{Uri.EscapeDataString(room)}/ingest")
        {
            Content = JsonContent.Create(new { participant, video, audio }),
        };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.MintServiceToken());
        try
        {
            using var resp = await http.SendAsync(req, ct);
            if (!resp.IsSuccessStatusCode) return null;
            return await resp.Content.ReadFromJsonAsync<MediaIngest>(JsonSerializerOptions.Web, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Closes an ingest (MediaServer <c>DELETE /api/rooms/{room}/ingest/{id}</c>); false when it could not.</summary>
    public async Task<bool> CloseIngestAsync(string room, string id, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Delete, $"api/rooms/{Uri.EscapeDataString(room)}/ingest/{Uri.EscapeDataString(id)}");
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.MintServiceToken());
        try
        {
            using var resp = await http.SendAsync(req, ct);
            return resp.IsSuccessStatusCode || resp.StatusCode == System.Net.HttpStatusCode.NotFound;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private sealed record RoomBody(string Room, List<MediaRoomParticipant> Participants);
}
