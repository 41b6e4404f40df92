using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MediaCore.Protocol.Sip;

namespace MediaCore.Server.Sip;

/// <summary>
/// SIP credentials of the ControlPlane's terminal devices, derived rather than stored (the TURN REST scheme's idea,
/// as coturn checks TURN credentials): a terminal of site S with device id D has username <c>site-S-terminal-D</c>
/// and password <c>base64url(HMAC-SHA256(TokenSecret, "mediacore-sip:" + username))</c> cut to 24 characters while its
/// credential generation is 0, <c>base64url(HMAC-SHA256(TokenSecret, "mediacore-sip:" + username + ":" + generation))</c>
/// after the ControlPlane reset it. The ControlPlane, which holds the same secret (<c>MediaTokenSecret</c>), shows an admin
/// the pair for a terminal (<c>GET /api/sites/{site}/devices/{device}/sip</c>); MediaServer recomputes it from the
/// generation the ControlPlane reports (<see cref="ControlPlaneSipAccounts"/>), so no password is stored or sent between
/// the services. The username names the site: the terminal joins rooms as participant <c>site:S</c>.
/// </summary>
public sealed partial class SipAccounts(string secret, string realm)
{
    public string Realm => realm;

    /// <summary>The username of a terminal device.</summary>
    public static string Username(int siteId, int deviceId) => $"site-{siteId}-terminal-{deviceId}";

    /// <summary>True when <paramref name="username"/> has the shape of a terminal's username.</summary>
    public static bool IsTerminal(string username) => UsernamePattern().IsMatch(username);

    /// <summary>The password of <paramref name="username"/> at credential <paramref name="generation"/> under <paramref name="secret"/>.</summary>
    public static string Password(string secret, string username, int generation = 0)
    {
        var input = generation == 0 ? "mediacore-sip:" + username : $"mediacore-sip:{username}:{generation.ToString(CultureInfo.InvariantCulture)}";
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(input));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')[..24];
    }

    /// <summary>The account of a terminal username at credential <paramref name="generation"/>, or null when the name is not one.</summary>
    public SipAccount? Find(string username, int generation = 0)
    {
        var m = UsernamePattern().Match(username);
        if (!m.Success) return null;
        return new SipAccount(username, SipDigest.Ha1(username, realm, Password(secret, username, generation)), "site:" + m.Groups[1].Value);
    }

    [GeneratedRegex("^site-([1-9][0-9]{0,8})-terminal-([1-9][0-9]{0,8})$", RegexOptions.CultureInvariant)]
    private static partial Regex UsernamePattern();
}
