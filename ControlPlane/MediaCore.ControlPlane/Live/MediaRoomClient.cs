using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCore.ControlPlane.Auth;

namespace MediaCore.ControlPlane.Live;

/// <summary>A session in MediaServer's <c>GET /api/rooms/{room}</c> (only the fields the live views need).</summary>
/// <param name="Kind"><c>publisher</c> (WHIP) or <c>subscriber</c> (WHEP).</param>
public sealed record MediaRoomParticipant(string Id, string Role, string Kind, DateTimeOffset JoinedAt);

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

    private sealed record RoomBody(string Room, List<MediaRoomParticipant> Participants);
}
