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
        if (!token.TryGetPayloadValue<string>(MediaClaims.Room, out var room) || string.IsNullOrEmpty(room))
            return Invalid("missing room claim");
        if (string.IsNullOrEmpty(token.Subject) || token.Subject.Length > 128)
            return Invalid("missing or oversized sub claim");
        if (!token.TryGetPayloadValue<string>(MediaClaims.Role, out var roleClaim) || !ParticipantRoles.TryParse(roleClaim, out var role))
            return Invalid("missing or unknown role claim");
        if (room == MediaToken.AllRooms && role != ParticipantRole.Host)
            return Invalid("room * requires role host");
        token.TryGetPayloadValue<string>(MediaClaims.Name, out var name);
        return new TokenCheck(new MediaToken(room, token.Subject, role, new DateTimeOffset(token.ValidTo, TimeSpan.Zero), name), null, null);
    }

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
