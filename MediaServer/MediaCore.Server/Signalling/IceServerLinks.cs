using System.Security.Cryptography;
using System.Text;
using MediaCore.Server.Options;

namespace MediaCore.Server.Signalling;

/// <summary>
/// ICE server configuration as WHIP/WHEP <c>Link</c> headers (RFC 9725 §4.6, RFC 8288):
/// <c>&lt;turn:host:3478?transport=udp&gt;; rel="ice-server"; username="..."; credential="..."; credential-type="password"</c>.
/// Credentials are the TURN REST scheme coturn checks with <c>use-auth-secret</c>: username
/// <c>{expiry unix seconds}:{participant}</c>, password base64(HMAC-SHA1(secret, username)); nothing is stored,
/// and a leaked credential expires on its own.
/// </summary>
public static class IceServerLinks
{
    /// <summary>Adds one <c>Link</c> header per configured URL; nothing when TURN is not configured.</summary>
    public static void Append(HttpResponse response, TurnOptions turn, string participant, DateTimeOffset now)
    {
        foreach (var link in Format(turn, participant, now)) response.Headers.Append("Link", link);
    }

    /// <summary>The <c>Link</c> header values for <paramref name="participant"/>.</summary>
    public static IEnumerable<string> Format(TurnOptions turn, string participant, DateTimeOffset now)
    {
        if (turn.Urls.Count == 0) yield break;
        string? username = null, password = null;
        if (!string.IsNullOrEmpty(turn.Secret))
            (username, password) = CreateCredential(turn.Secret, participant, now + turn.CredentialLifetime);
        foreach (var url in turn.Urls)
        {
            // STUN URLs take no credentials (RFC 9725 §4.6); TURN URLs do.
            bool isTurn = url.StartsWith("turn:", StringComparison.OrdinalIgnoreCase) || url.StartsWith("turns:", StringComparison.OrdinalIgnoreCase);
            yield return isTurn && username is not null
                ? $"<{url}>; rel=\"ice-server\"; username=\"{username}\"; credential=\"{password}\"; credential-type=\"password\""
                : $"<{url}>; rel=\"ice-server\"";
        }
    }

    /// <summary>A TURN REST credential valid until <paramref name="expires"/>.</summary>
    public static (string Username, string Password) CreateCredential(string secret, string participant, DateTimeOffset expires)
    {
        // Keep the username a token-safe quoted-string (RFC 9110 §5.6.4): no quote, backslash or control characters;
        // ':' is coturn's separator after the expiry.
        var user = new StringBuilder(participant.Length);
        foreach (char c in participant) user.Append(c is >= '!' and <= '~' and not '"' and not '\\' and not ':' ? c : '-');
        var username = $"{expires.ToUnixTimeSeconds()}:{user}";
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username));
        return (username, Convert.ToBase64String(mac));
    }
}
