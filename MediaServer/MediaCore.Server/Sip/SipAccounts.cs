using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MediaCore.Protocol.Sip;

namespace MediaCore.Server.Sip;

/// <summary>
/// SIP credentials of the ControlPlane's terminal devices, derived rather than stored (the TURN REST scheme's idea,
/// as coturn checks TURN credentials): a terminal of site S with device id D has username <c>site-S-terminal-D</c>
/// and password <c>base64url(HMAC-SHA256(TokenSecret, "mediacore-sip:" + username))</c> cut to 24 characters.
/// The ControlPlane, which holds the same secret (<c>MediaTokenSecret</c>), shows an admin the pair for a terminal
/// (<c>GET /api/sites/{site}/devices/{device}/sip</c>); MediaServer recomputes it, so no credential is stored or
/// fetched and a call never waits on the ControlPlane. The username names the site: the terminal joins rooms as
/// participant <c>site:S</c>. Revoking one terminal means changing the secret (all terminals) for now.
/// </summary>
public sealed partial class SipAccounts(string secret, string realm)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret);

    public string Realm => realm;

    /// <summary>The username of a terminal device.</summary>
    public static string Username(int siteId, int deviceId) => $"site-{siteId}-terminal-{deviceId}";

    /// <summary>The password of <paramref name="username"/> under <paramref name="secret"/>.</summary>
    public static string Password(string secret, string username)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes("mediacore-sip:" + username));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')[..24];
    }

    /// <summary>The account of a terminal username, or null when the name is not one.</summary>
    public SipAccount? Find(string username)
    {
        var m = UsernamePattern().Match(username);
        if (!m.Success) return null;
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("mediacore-sip:" + username));
        var password = Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')[..24];
        return new SipAccount(username, SipDigest.Ha1(username, realm, password), "site:" + m.Groups[1].Value);
    }

    [GeneratedRegex("^site-([1-9][0-9]{0,8})-terminal-([1-9][0-9]{0,8})$", RegexOptions.CultureInvariant)]
    private static partial Regex UsernamePattern();
}
