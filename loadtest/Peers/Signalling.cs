using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MediaCore.LoadTest.Peers;

/// <summary>WHIP/WHEP over HTTP (RFC 9725 §4.2): POST the offer with a Bearer token, read 201 + answer + Location.</summary>
internal sealed class Signalling(HttpClient http, Uri server, string tokenSecret)
{
    public async Task<(string Answer, Uri Location)> PostOfferAsync(string kind, string room, string subject, string role, string offer,
        CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, $"/{kind}/{room}"))
        {
            Content = new StringContent(offer, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/sdp");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MediaToken.Issue(tokenSecret, room, subject, role, TimeSpan.FromHours(2)));
        using var response = await http.SendAsync(request, ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        if ((int)response.StatusCode != 201)
            throw new InvalidOperationException($"{kind.ToUpperInvariant()} POST /{kind}/{room}: {(int)response.StatusCode} {body}");
        var location = response.Headers.Location ?? throw new InvalidOperationException("201 without Location");
        return (body, location.IsAbsoluteUri ? location : new Uri(server, location));
    }

    public async Task DeleteAsync(Uri location, string room, string subject, string role, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, location);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MediaToken.Issue(tokenSecret, room, subject, role, TimeSpan.FromMinutes(5)));
        using var _ = await http.SendAsync(request, ct);
    }
}

/// <summary>
/// Media tokens as the MediaServer validates them: a compact JWS (RFC 7515) with HS256 over the claims
/// room, sub, role, iat, nbf, exp (RFC 7519), signed with the shared <c>MediaServer:TokenSecret</c>.
/// </summary>
internal static class MediaToken
{
    public static string Issue(string secret, string room, string subject, string role, TimeSpan lifetime)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        string payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["room"] = room,
            ["sub"] = subject,
            ["role"] = role,
            ["iat"] = now,
            ["nbf"] = now - 5,
            ["exp"] = now + (long)lifetime.TotalSeconds,
        }));
        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(header + "." + payload));
        return header + "." + payload + "." + Base64Url(mac);
    }

    private static string Base64Url(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
