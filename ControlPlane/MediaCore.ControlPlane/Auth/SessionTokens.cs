using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using MediaCore.ControlPlane.Data;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MediaCore.ControlPlane.Auth;

/// <summary>Mints and describes the validation of user session JWTs (HS256).</summary>
public sealed class SessionTokens
{
    /// <summary>Issuer and audience of session tokens.</summary>
    public const string Issuer = "mediacore-controlplane";

    private readonly SymmetricSecurityKey _key;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    /// <summary>Creates the issuer from options; without a configured key a random one is used per process.</summary>
    public SessionTokens(IOptions<ControlPlaneOptions> options, TimeProvider time)
    {
        var configured = options.Value.JwtSigningKey;
        var bytes = string.IsNullOrEmpty(configured) ? RandomNumberGenerator.GetBytes(64) : Encoding.UTF8.GetBytes(configured);
        if (bytes.Length < 32) throw new InvalidOperationException("ControlPlane:JwtSigningKey must be at least 32 bytes.");
        _key = new SymmetricSecurityKey(bytes);
        _time = time;
        _lifetime = TimeSpan.FromMinutes(options.Value.SessionMinutes);
    }

    /// <summary>
    /// Signs a link to <paramref name="resource"/> valid until <paramref name="expiresUnix"/> (seconds), for URLs a
    /// browser loads without an Authorization header (<c>&lt;video src&gt;</c>, downloads). HMAC-SHA256 under a key
    /// derived from the session key, so a link never doubles as a session token.
    /// </summary>
    public string SignLink(string resource, long expiresUnix)
    {
        var linkKey = HMACSHA256.HashData(_key.Key, "mediacore-link-v1"u8);
        return Convert.ToHexStringLower(HMACSHA256.HashData(linkKey, Encoding.UTF8.GetBytes($"{resource}\n{expiresUnix}")));
    }

    /// <summary>True when <paramref name="signature"/> signs <paramref name="resource"/> and has not expired.</summary>
    public bool VerifyLink(string resource, long expiresUnix, string? signature)
    {
        if (signature is null || expiresUnix < _time.GetUtcNow().ToUnixTimeSeconds()) return false;
        var expected = Encoding.ASCII.GetBytes(SignLink(resource, expiresUnix));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature.ToLowerInvariant()));
    }

    /// <summary>Validation parameters for the JwtBearer handler.</summary>
    public TokenValidationParameters ValidationParameters => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Issuer,
        IssuerSigningKey = _key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        NameClaimType = ClaimNames.Name,
        RoleClaimType = ClaimNames.Role,
        ClockSkew = TimeSpan.FromSeconds(30),
        LifetimeValidator = (nb, exp, _, _) => exp is null || exp > _time.GetUtcNow().UtcDateTime,
    };

    /// <summary>Mints a session token for a user whose home site has path <paramref name="sitePath"/>.</summary>
    public (string Token, DateTime ExpiresAtUtc) Mint(User user, string? sitePath)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var exp = now + _lifetime;
        var claims = new Dictionary<string, object>
        {
            [ClaimNames.Subject] = user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ClaimNames.Name] = user.DisplayName,
            [ClaimNames.Role] = Roles.Of(user.Role),
        };
        if (user.SiteId is { } site) claims[ClaimNames.Site] = site.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (sitePath is not null) claims[ClaimNames.ScopePath] = sitePath;
        var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Issuer,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = exp,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
        return (token, exp);
    }
}
