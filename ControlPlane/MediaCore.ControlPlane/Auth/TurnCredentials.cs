using System.Security.Cryptography;
using System.Text;

namespace MediaCore.ControlPlane.Auth;

/// <summary>One entry of <c>RTCConfiguration.iceServers</c> (W3C WebRTC §4.2.4): same JSON names as the browser's.</summary>
public sealed record IceServer(IReadOnlyList<string> Urls, string? Username, string? Credential);

/// <summary>
/// Time-limited TURN credentials of the TURN REST scheme that coturn checks with <c>use-auth-secret</c>
/// (draft-uberti-behave-turn-rest-00 §2.2): username <c>{expiry unix seconds}:{subject}</c>, password
/// base64(HMAC-SHA1(secret, username)). coturn recomputes the password and refuses an expired username, so
/// nothing is stored and a leaked credential dies on its own.
/// </summary>
public static class TurnCredentials
{
    /// <summary>The ICE servers for <paramref name="subject"/>, or none when no TURN URL is configured.</summary>
    public static IReadOnlyList<IceServer> IceServers(TurnOptions turn, string subject, DateTimeOffset now)
    {
        if (turn.Urls.Count == 0) return [];
        if (string.IsNullOrEmpty(turn.Secret)) return [new IceServer(turn.Urls, null, null)];
        var (user, password) = Create(turn.Secret, subject, now + TimeSpan.FromMinutes(turn.CredentialMinutes));
        return [new IceServer(turn.Urls, user, password)];
    }

    /// <summary>Username and password valid until <paramref name="expires"/>.</summary>
    public static (string Username, string Password) Create(string secret, string subject, DateTimeOffset expires)
    {
        // ':' separates the expiry in coturn's parser; keep the subject readable but free of it.
        var username = $"{expires.ToUnixTimeSeconds()}:{subject.Replace(':', '-')}";
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username));
        return (username, Convert.ToBase64String(mac));
    }
}
