using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MediaCore.ControlPlane.Sites;

/// <summary>
/// What a hardware SIP terminal is configured with: its user name and password (derived, never stored), the realm,
/// MediaServer's SIP server (<c>ControlPlane:Sip:Server</c>, null when not configured) and port, and how to call a
/// meeting (<c>sip:{room}@server:port</c>). <paramref name="ParticipantId"/> is who the terminal is in a room;
/// <paramref name="Generation"/> counts the password resets (the password changes with it).
/// </summary>
public sealed record TerminalSipDto(int SiteId, int DeviceId, string DeviceName, bool Enabled, string Username, string Password, string Realm,
    string? Server, int Port, string Transports, string RoomUriFormat, string ParticipantId, int Generation);

/// <summary>
/// What MediaServer asks before it accepts a terminal's REGISTER or INVITE (<c>GET /api/media/sip-accounts/{username}</c>):
/// whether the device is enabled and which credential generation its password is derived with. Never the password.
/// </summary>
public sealed record SipAccountStateDto(string Username, int SiteId, int DeviceId, bool Enabled, int Generation);

/// <summary>
/// SIP credentials of terminal devices (MediaServer's SIP user agent server, README "SIP terminals"). Both services
/// derive the password from the media-token secret they share and the device's credential generation
/// (<see cref="Device.SipGeneration"/>): <c>base64url(HMAC-SHA256(secret, "mediacore-sip:" + username))</c> for generation 0,
/// <c>base64url(HMAC-SHA256(secret, "mediacore-sip:" + username + ":" + generation))</c> after a reset, first 24
/// characters. MediaServer asks <c>GET /api/media/sip-accounts/{username}</c> whether the device is enabled and for its
/// generation (docs/decisions.md, "SIP terminal revocation"), so disabling or resetting a terminal takes effect on
/// every node without a password ever leaving the ControlPlane except to the admin who reads it.
/// </summary>
public static partial class TerminalSip
{
    /// <summary>The <c>sub</c> claim of the tokens MediaServer nodes sign their account look-ups with.</summary>
    public const string MediaServerSubject = "mediaserver";

    private static readonly JsonWebTokenHandler Tokens = new();

    /// <summary>The username of terminal <paramref name="deviceId"/> of site <paramref name="siteId"/>.</summary>
    public static string Username(int siteId, int deviceId) => $"site-{siteId}-terminal-{deviceId}";

    /// <summary>The password of <paramref name="username"/> at credential <paramref name="generation"/> under the shared secret
    /// (MediaServer's <c>SipAccounts.Password</c>).</summary>
    public static string Password(string secret, string username, int generation = 0)
    {
        var input = generation == 0 ? "mediacore-sip:" + username : $"mediacore-sip:{username}:{generation.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(input));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')[..24];
    }

    /// <summary>Maps <c>GET /api/sites/{id}/devices/{deviceId}/sip</c> and <c>POST .../sip/reset</c> (admin).</summary>
    public static void MapTerminalSip(this RouteGroupBuilder sites)
    {
        sites.MapGet("/{id:int}/devices/{deviceId:int}/sip", Get).RequireAuthorization(Policies.Admin);
        sites.MapPost("/{id:int}/devices/{deviceId:int}/sip/reset", Reset).RequireAuthorization(Policies.Admin);
    }

    /// <summary>Maps <c>GET /api/media/sip-accounts/{username}</c> (MediaServer nodes, signed with the shared media-token secret).</summary>
    public static void MapSipAccountLookup(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/media/sip-accounts/{username}", Lookup).WithTags("Sites").AllowAnonymous();

    private static async Task<Results<Ok<TerminalSipDto>, ProblemHttpResult>> Get(int id, int deviceId, ClaimsPrincipal user, SiteScope scope,
        ControlPlaneDb db, IOptions<ControlPlaneOptions> options, CancellationToken ct)
    {
        if (await scope.CheckAsync(user, id, ct) != ScopeDecision.Allowed) return Problems.NotFound("Site");
        var device = await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deviceId && d.SiteId == id, ct);
        if (device is null) return Problems.NotFound("Device");
        if (device.Kind != DeviceKind.Terminal) return NotATerminal(device);
        return TypedResults.Ok(Describe(device, options.Value));
    }

    /// <summary>A new SIP password: the generation goes up, the old password stops working on every node (within MediaServer's
    /// <c>Sip:AccountCacheTtl</c>).</summary>
    private static async Task<Results<Ok<TerminalSipDto>, ProblemHttpResult>> Reset(int id, int deviceId, ClaimsPrincipal user, SiteScope scope,
        ControlPlaneDb db, IOptions<ControlPlaneOptions> options, ILoggerFactory logs, CancellationToken ct)
    {
        if (await scope.CheckAsync(user, id, ct) != ScopeDecision.Allowed) return Problems.NotFound("Site");
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId && d.SiteId == id, ct);
        if (device is null) return Problems.NotFound("Device");
        if (device.Kind != DeviceKind.Terminal) return NotATerminal(device);
        device.SipGeneration++;
        await db.SaveChangesAsync(ct);
        LogReset(logs.CreateLogger(typeof(TerminalSip).FullName!), Username(id, deviceId), device.SipGeneration, user.FindFirstValue(ClaimNames.Name) ?? "?");
        return TypedResults.Ok(Describe(device, options.Value));
    }

    private static async Task<Results<Ok<SipAccountStateDto>, ProblemHttpResult>> Lookup(string username, HttpRequest request, ControlPlaneDb db,
        IOptions<ControlPlaneOptions> options, CancellationToken ct)
    {
        if (!await FromMediaServerAsync(request, options.Value.MediaTokenSecret!))
            return TypedResults.Problem(title: "Unauthorized", detail: "A bearer token of a MediaServer node (signed with the media-token secret) is required.", statusCode: 401);
        var m = UsernamePattern().Match(username);
        if (!m.Success || !int.TryParse(m.Groups[1].ValueSpan, out int siteId) || !int.TryParse(m.Groups[2].ValueSpan, out int deviceId))
            return Problems.NotFound("Terminal");
        var device = await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deviceId && d.SiteId == siteId, ct);
        if (device is null || device.Kind != DeviceKind.Terminal) return Problems.NotFound("Terminal");
        return TypedResults.Ok(new SipAccountStateDto(username, siteId, deviceId, device.Enabled, device.SipGeneration));
    }

    private static TerminalSipDto Describe(Device device, ControlPlaneOptions o)
    {
        var username = Username(device.SiteId, device.Id);
        string? server = string.IsNullOrWhiteSpace(o.Sip.Server) ? null : o.Sip.Server.Trim();
        string host = server is null ? "{server}" : server.Contains(':', StringComparison.Ordinal) ? $"[{server}]" : server;
        return new TerminalSipDto(device.SiteId, device.Id, device.Name, device.Enabled, username, Password(o.MediaTokenSecret!, username, device.SipGeneration),
            o.Sip.Realm, server, o.Sip.Port, "UDP, TCP", $"sip:{{room}}@{host}:{o.Sip.Port}", $"site:{device.SiteId}", device.SipGeneration);
    }

    private static ProblemHttpResult NotATerminal(Device device) =>
        Problems.Unprocessable("Not a terminal", $"Only devices of kind terminal have SIP credentials; this one is a {device.Kind}.");

    /// <summary>True when the request carries a valid HS256 token of a MediaServer node (<c>sub</c> = <see cref="MediaServerSubject"/>,
    /// <c>room</c> = <c>*</c>) signed with the shared media-token secret.</summary>
    internal static async Task<bool> FromMediaServerAsync(HttpRequest request, string secret)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var result = await Tokens.ValidateTokenAsync(header[7..].Trim(), new TokenValidationParameters
        {
            ValidateIssuer = false, ValidateAudience = false, ValidateLifetime = true, RequireExpirationTime = true,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        return result.IsValid && result.Claims.TryGetValue("sub", out var sub) && sub as string == MediaServerSubject
            && result.Claims.TryGetValue("room", out var room) && room as string == "*";
    }

    [System.Text.RegularExpressions.GeneratedRegex("^site-([1-9][0-9]{0,8})-terminal-([1-9][0-9]{0,8})$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex UsernamePattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP password of terminal {Username} reset to generation {Generation} by {User}")]
    private static partial void LogReset(ILogger logger, string username, int generation, string user);
}
