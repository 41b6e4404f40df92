using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Sites;

/// <summary>
/// What a hardware SIP terminal is configured with: its user name and password (derived, never stored), the realm,
/// MediaServer's SIP server (<c>ControlPlane:Sip:Server</c>, null when not configured) and port, and how to call a
/// meeting (<c>sip:{room}@server:port</c>). <paramref name="ParticipantId"/> is who the terminal is in a room.
/// </summary>
public sealed record TerminalSipDto(int SiteId, int DeviceId, string DeviceName, bool Enabled, string Username, string Password, string Realm,
    string? Server, int Port, string Transports, string RoomUriFormat, string ParticipantId);

/// <summary>
/// SIP credentials of terminal devices (MediaServer's SIP user agent server, README "SIP terminals"). Both services
/// derive the password from the media-token secret they share: <c>base64url(HMAC-SHA256(secret, "mediacore-sip:" +
/// username))</c>, first 24 characters, so MediaServer checks a REGISTER or INVITE without asking the ControlPlane.
/// </summary>
public static class TerminalSip
{
    /// <summary>The username of terminal <paramref name="deviceId"/> of site <paramref name="siteId"/>.</summary>
    public static string Username(int siteId, int deviceId) => $"site-{siteId}-terminal-{deviceId}";

    /// <summary>The password of <paramref name="username"/> under the shared secret (MediaServer's <c>SipAccounts.Password</c>).</summary>
    public static string Password(string secret, string username)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes("mediacore-sip:" + username));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')[..24];
    }

    /// <summary>Maps <c>GET /api/sites/{id}/devices/{deviceId}/sip</c> (admin).</summary>
    public static void MapTerminalSip(this RouteGroupBuilder sites) =>
        sites.MapGet("/{id:int}/devices/{deviceId:int}/sip", Get).RequireAuthorization(Policies.Admin);

    private static async Task<Results<Ok<TerminalSipDto>, ProblemHttpResult>> Get(int id, int deviceId, ClaimsPrincipal user, SiteScope scope,
        ControlPlaneDb db, IOptions<ControlPlaneOptions> options, CancellationToken ct)
    {
        if (await scope.CheckAsync(user, id, ct) != ScopeDecision.Allowed) return Problems.NotFound("Site");
        var device = await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deviceId && d.SiteId == id, ct);
        if (device is null) return Problems.NotFound("Device");
        if (device.Kind != DeviceKind.Terminal)
            return Problems.Unprocessable("Not a terminal", $"Only devices of kind terminal have SIP credentials; this one is a {device.Kind}.");
        var o = options.Value;
        var username = Username(id, deviceId);
        string? server = string.IsNullOrWhiteSpace(o.Sip.Server) ? null : o.Sip.Server.Trim();
        string host = server is null ? "{server}" : server.Contains(':', StringComparison.Ordinal) ? $"[{server}]" : server;
        return TypedResults.Ok(new TerminalSipDto(id, deviceId, device.Name, device.Enabled, username, Password(o.MediaTokenSecret!, username),
            o.Sip.Realm, server, o.Sip.Port, "UDP, TCP", $"sip:{{room}}@{host}:{o.Sip.Port}", $"site:{id}"));
    }
}
