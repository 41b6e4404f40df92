using System.Text.Json;
using MediaCore.Server.Options;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MediaCore.Server.Auth;

/// <summary>Outcome of checking an <c>Authorization</c> header.</summary>
/// <param name="Token">The validated token, or null.</param>
/// <param name="Error">RFC 6750 §3.1 error code (<c>invalid_request</c>, <c>invalid_token</c>), or null when no credentials were sent.</param>
/// <param name="Description">Why, safe to put in a quoted header parameter (no quotes or backslashes).</param>
public readonly record struct TokenCheck(MediaToken? Token, string? Error, string? Description)
{
    public bool IsValid => Token is not null;
}

/// <summary>
/// Validates <c>Authorization: Bearer &lt;JWT&gt;</c> (RFC 6750 §2.1): HS256 only, signature with the
/// configured secret, <c>exp</c> required and checked with a small skew, claims <c>room</c>/<c>sub</c>/<c>role</c>
/// present and well formed. Issuer and audience are not checked: the shared secret is the trust anchor.
/// </summary>
public sealed class MediaTokenValidator
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _parameters;

    public MediaTokenValidator(string secret, TimeSpan clockSkew)
    {
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = MediaTokenIssuer.CreateKey(secret),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = clockSkew,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateIssuerSigningKey = true,
        };
    }

    /// <summary>DI constructor.</summary>
    public MediaTokenValidator(IOptions<MediaServerOptions> options)
        : this(options.Value.TokenSecret ?? throw new InvalidOperationException("MediaServer:TokenSecret is not set."), options.Value.TokenClockSkew)
    {
    }

    /// <summary>Checks a raw <c>Authorization</c> header value (null when absent).</summary>
    public async Task<TokenCheck> CheckHeaderAsync(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization)) return new TokenCheck(null, null, null);
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return new TokenCheck(null, "invalid_request", "use the Bearer scheme");
        return await ValidateAsync(authorization[scheme.Length..].Trim());
    }

    /// <summary>Validates a compact JWT.</summary>
    public async Task<TokenCheck> ValidateAsync(string jwt)
    {
        if (jwt.Length == 0 || jwt.Length > 8192) return Invalid("malformed token");
        var result = await _handler.ValidateTokenAsync(jwt, _parameters);
        if (!result.IsValid)
            return Invalid(Describe(result.Exception));
        var token = (JsonWebToken)result.SecurityToken;
        // Read the claims from the payload JSON with their types: the token library converts numbers and
        // arrays to strings, but RFC 7519 §4.1.2 makes sub a string and so do our room/role claims.
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        var root = payload.RootElement;
        var room = GetString(root, MediaClaims.Room);
        if (string.IsNullOrEmpty(room))
            return Invalid("missing room claim");
        var subject = GetString(root, MediaClaims.Subject);
        if (string.IsNullOrEmpty(subject) || subject.Length > 128)
            return Invalid("missing or oversized sub claim");
        if (!ParticipantRoles.TryParse(GetString(root, MediaClaims.Role), out var role))
            return Invalid("missing or unknown role claim");
        if (room == MediaToken.AllRooms && role != ParticipantRole.Host)
            return Invalid("room * requires role host");
        var name = GetString(root, MediaClaims.Name);
        return new TokenCheck(new MediaToken(room, subject, role, new DateTimeOffset(token.ValidTo, TimeSpan.Zero), name), null, null);
    }

    private static string? GetString(JsonElement root, string claim)
        => root.TryGetProperty(claim, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static TokenCheck Invalid(string description) => new(null, "invalid_token", description);

    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "the token expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenNoExpirationException => "the token has no exp claim",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "invalid signature",
        SecurityTokenInvalidAlgorithmException => "only HS256 is accepted",
        SecurityTokenMalformedException or ArgumentException => "malformed token",
        _ => "invalid token",
    };
}
