using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MediaCore.ControlPlane.Auth;

/// <summary>
/// Mints the HS256 JWTs that MediaServer accepts (RFC 7519; JWS compact serialization, RFC 7515 s7.1):
/// claims <c>room</c>, <c>sub</c>, <c>role</c> (host|speaker|audience|observer), <c>iat</c>, <c>exp</c>, <c>iss</c>, and
/// optionally <c>name</c> (the display name MediaServer shows in participant lists). Signed by the JWT library
/// (<see cref="JsonWebTokenHandler"/>, as the session tokens and MediaServer's own issuer are); MediaServer validates them
/// with the same secret (its <c>MediaServer:TokenSecret</c>), the UTF-8 bytes of <see cref="ControlPlaneOptions.MediaTokenSecret"/>.
/// </summary>
public sealed class MediaTokenIssuer(IOptions<ControlPlaneOptions> options, TimeProvider time)
{
    /// <summary>Media roles MediaServer knows.</summary>
    public static readonly string[] MediaRoles = ["host", "speaker", "audience", "observer"];

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly SigningCredentials _credentials =
        new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.Value.MediaTokenSecret!)), SecurityAlgorithms.HmacSha256);

    /// <summary>Mints a token; returns it and its expiry.</summary>
    public (string Token, DateTime ExpiresAtUtc) Mint(string room, string subject, string role, TimeSpan? lifetime = null, string? name = null)
    {
        var now = time.GetUtcNow();
        var exp = now + (lifetime ?? TimeSpan.FromMinutes(options.Value.MediaTokenMinutes));
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["room"] = room, ["role"] = role };
        if (name is not null) claims["name"] = name;
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = SessionTokens.Issuer, Claims = claims, IssuedAt = now.UtcDateTime, Expires = exp.UtcDateTime, SigningCredentials = _credentials,
        });
        return (token, exp.UtcDateTime);
    }

    /// <summary>A host token for every room (<c>room = "*"</c>), for ControlPlane's own room-API calls.</summary>
    public string MintServiceToken() => Mint("*", "controlplane", "host", TimeSpan.FromMinutes(5)).Token;
}
