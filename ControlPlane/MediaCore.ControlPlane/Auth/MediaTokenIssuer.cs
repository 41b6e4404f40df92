using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Auth;

/// <summary>
/// Mints the HS256 JWTs that MediaServer accepts (RFC 7519; JWS compact serialization, RFC 7515 s7.1):
/// claims <c>room</c>, <c>sub</c>, <c>role</c> (host|speaker|audience|observer), <c>iat</c>, <c>exp</c>, and
/// optionally <c>name</c> (the display name MediaServer shows in participant lists).
/// MediaServer validates them with the same secret (its <c>MediaServer:TokenSecret</c>), the UTF-8
/// bytes of <see cref="ControlPlaneOptions.MediaTokenSecret"/>.
/// </summary>
public sealed class MediaTokenIssuer(IOptions<ControlPlaneOptions> options, TimeProvider time)
{
    /// <summary>Media roles MediaServer knows.</summary>
    public static readonly string[] MediaRoles = ["host", "speaker", "audience", "observer"];

    // Base64url of {"alg":"HS256","typ":"JWT"}: fixed, so computed once.
    private static readonly string Header = B64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);

    /// <summary>Mints a token; returns it and its expiry.</summary>
    public (string Token, DateTime ExpiresAtUtc) Mint(string room, string subject, string role, TimeSpan? lifetime = null, string? name = null)
    {
        var now = time.GetUtcNow();
        var exp = now + (lifetime ?? TimeSpan.FromMinutes(options.Value.MediaTokenMinutes));
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = SessionTokens.Issuer,
            ["sub"] = subject,
            ["room"] = room,
            ["role"] = role,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = exp.ToUnixTimeSeconds(),
        }.Concat(name is null ? [] : [new KeyValuePair<string, object>("name", name)]).ToDictionary());
        var signingInput = Header + "." + B64(payload);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.MediaTokenSecret!), Encoding.ASCII.GetBytes(signingInput));
        return (signingInput + "." + B64(mac), exp.UtcDateTime);
    }

    /// <summary>A host token for every room (<c>room = "*"</c>), for ControlPlane's own room-API calls.</summary>
    public string MintServiceToken() => Mint("*", "controlplane", "host", TimeSpan.FromMinutes(5)).Token;

    private static string B64(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);
}
