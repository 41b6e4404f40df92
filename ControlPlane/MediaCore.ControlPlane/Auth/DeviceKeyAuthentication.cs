using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Auth;

/// <summary>
/// Authenticates attendance machines by their own key, sent as <c>X-Device-Key</c>. Keys are random
/// high-entropy strings, so the database keeps only their SHA-256 and looks the hash up directly.
/// </summary>
public sealed class DeviceKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ControlPlaneDb db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>Scheme name.</summary>
    public const string SchemeName = "DeviceKey";
    /// <summary>Request header carrying the key.</summary>
    public const string Header = "X-Device-Key";

    /// <summary>Hex SHA-256 of a device key, as stored.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A fresh random device key.</summary>
    public static string NewKey() => "dk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values)) return AuthenticateResult.NoResult();
        var key = values.ToString();
        if (key.Length is 0 or > 200) return AuthenticateResult.Fail("Malformed device key.");
        var hash = Hash(key);
        var device = await db.Devices.AsNoTracking()
            .Where(d => d.KeyHash == hash)
            .Select(d => new { d.Id, d.SiteId, d.Name, d.Enabled, Path = d.Site!.Path })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (device is null) return AuthenticateResult.Fail("Unknown device key.");
        if (!device.Enabled) return AuthenticateResult.Fail("Device is disabled.");
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimNames.Subject, "device:" + device.Id),
            new Claim(ClaimNames.Name, device.Name),
            new Claim(ClaimNames.Role, Roles.Device),
            new Claim(ClaimNames.Device, device.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimNames.Site, device.SiteId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimNames.ScopePath, device.Path),
        ], SchemeName, ClaimNames.Name, ClaimNames.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
