using System.Text;
using MediaCore.Server.Options;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MediaCore.Server.Auth;

/// <summary>
/// Mints media tokens (compact JWS, HS256, RFC 7515/7519) that <see cref="MediaTokenValidator"/> accepts.
/// Used by demo mode and tests; the ControlPlane mints the same shape with the same shared secret.
/// </summary>
public sealed class MediaTokenIssuer
{
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Creates an issuer for <paramref name="secret"/> (UTF-8, at least 32 bytes).</summary>
    public MediaTokenIssuer(string secret, TimeProvider? time = null)
    {
        _credentials = new SigningCredentials(CreateKey(secret), SecurityAlgorithms.HmacSha256);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>DI constructor: uses <c>MediaServer:TokenSecret</c>.</summary>
    public MediaTokenIssuer(IOptions<MediaServerOptions> options, TimeProvider time)
        : this(options.Value.TokenSecret ?? throw new InvalidOperationException("MediaServer:TokenSecret is not set."), time)
    {
    }

    /// <summary>Mints a token valid from now for <paramref name="lifetime"/>.</summary>
    /// <param name="room">A room id, or <see cref="MediaToken.AllRooms"/> for an admin (host) token.</param>
    public string Issue(string room, string subject, ParticipantRole role, TimeSpan lifetime, string? displayName = null)
    {
        var now = _time.GetUtcNow();
        return Issue(room, subject, role, now, now + lifetime, displayName);
    }

    /// <summary>Mints a token with an explicit validity window (tests use this for expired tokens).</summary>
    public string Issue(string room, string subject, ParticipantRole role, DateTimeOffset notBefore, DateTimeOffset expires, string? displayName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var claims = new Dictionary<string, object>
        {
            [MediaClaims.Room] = room,
            [MediaClaims.Role] = role.ToClaim(),
        };
        if (displayName is not null) claims[MediaClaims.Name] = displayName;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim(MediaClaims.Subject, subject)]),
            Claims = claims,
            IssuedAt = notBefore.UtcDateTime,
            NotBefore = notBefore.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = _credentials,
        });
    }

    internal static SymmetricSecurityKey CreateKey(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        if (bytes.Length < MediaServerOptions.MinTokenSecretBytes)
            throw new ArgumentException($"The token secret must be at least {MediaServerOptions.MinTokenSecretBytes} bytes.", nameof(secret));
        return new SymmetricSecurityKey(bytes);
    }
}

/// <summary>Claim names of a media token.</summary>
public static class MediaClaims
{
    public const string Room = "room";
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Name = "name";
}
