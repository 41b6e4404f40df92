using System.Net.Http.Headers;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

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
/// room, sub, role, iat, nbf, exp (RFC 7519), signed with the shared <c>MediaServer:TokenSecret</c> by the JWT library
/// (the one MediaServer and the ControlPlane mint and validate with).
/// </summary>
internal static class MediaToken
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public static string Issue(string secret, string room, string subject, string role, TimeSpan lifetime)
    {
        var now = DateTime.UtcNow;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["room"] = room, ["sub"] = subject, ["role"] = role },
            IssuedAt = now, NotBefore = now.AddSeconds(-5), Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
    }
}
