using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MediaCore.ControlPlane.Sites;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MediaCore.ControlPlane.Tests.Sites;

/// <summary>
/// A terminal device's SIP credentials (<c>GET /api/sites/{id}/devices/{deviceId}/sip</c>): the username names the site and
/// device, the password is the one MediaServer derives from the shared secret, the server and room URI come from
/// configuration; admins only, terminals only.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class TerminalSipTests(SqliteApp app)
{
    [Fact]
    public async Task TerminalSip_AdminSeesDerivedCredentialsAndServer()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var code = "TERM-" + Guid.NewGuid().ToString("N")[..8];
        var created = await (await admin.PostJsonAsync($"/api/sites/{ids.OwnVillage}/devices", new { kind = "terminal", name = "会议终端", code })).ReadAsync();
        int device = (int)created["device"]!["id"]!;

        var sip = await (await admin.GetAsync($"/api/sites/{ids.OwnVillage}/devices/{device}/sip")).ReadAsync();
        var user = $"site-{ids.OwnVillage}-terminal-{device}";
        Assert.Equal(user, (string?)sip["username"]);
        Assert.Equal(TerminalSip.Password(ControlPlaneApp.MediaSecret, user), (string?)sip["password"]);
        Assert.Equal(ControlPlaneApp.SipServer, (string?)sip["server"]);
        Assert.Equal(5060, (int)sip["port"]!);
        Assert.Equal("mediacore", (string?)sip["realm"]);
        Assert.Equal($"sip:{{room}}@{ControlPlaneApp.SipServer}:5060", (string?)sip["roomUriFormat"]);
        Assert.Equal($"site:{ids.OwnVillage}", (string?)sip["participantId"]);

        // Attendance machines have no SIP account; a village operator may not read passwords; unknown devices are 404.
        await (await admin.GetAsync($"/api/sites/{ids.OwnVillage}/devices/{ids.OwnDevice}/sip")).AssertProblemAsync(422);
        var op = await app.LoginAsync(ids.OwnOperator);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await op.GetAsync($"/api/sites/{ids.OwnVillage}/devices/{device}/sip")).StatusCode);
        await (await admin.GetAsync($"/api/sites/{ids.OwnVillage}/devices/999999/sip")).AssertProblemAsync(404);
    }

    /// <summary>
    /// Revocation: MediaServer asks <c>GET /api/media/sip-accounts/{username}</c> (with a token signed by the shared secret) whether
    /// the terminal is enabled and for its credential generation; disabling shows there, a reset raises the generation and changes
    /// the password the admin sees.
    /// </summary>
    [Fact]
    public async Task SipAccountLookup_FollowsDisableAndReset_OnlyForMediaServerTokens()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var code = "TERM-" + Guid.NewGuid().ToString("N")[..8];
        var created = await (await admin.PostJsonAsync($"/api/sites/{ids.OwnVillage}/devices", new { kind = "terminal", name = "会议终端", code })).ReadAsync();
        int device = (int)created["device"]!["id"]!;
        var user = $"site-{ids.OwnVillage}-terminal-{device}";
        var node = app.CreateClient();
        node.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(TerminalSip.MediaServerSubject, "*", ControlPlaneApp.MediaSecret));

        var state = await (await node.GetAsync($"/api/media/sip-accounts/{user}")).ReadAsync();
        Assert.True((bool)state["enabled"]!);
        Assert.Equal(0, (int)state["generation"]!);
        Assert.Equal(device, (int)state["deviceId"]!);

        (await admin.PutAsJsonAsync($"/api/sites/{ids.OwnVillage}/devices/{device}", new { enabled = false })).EnsureSuccessStatusCode();
        Assert.False((bool)(await (await node.GetAsync($"/api/media/sip-accounts/{user}")).ReadAsync())["enabled"]!);

        var reset = await (await admin.PostJsonAsync($"/api/sites/{ids.OwnVillage}/devices/{device}/sip/reset", new { })).ReadAsync();
        Assert.Equal(1, (int)reset["generation"]!);
        Assert.Equal(TerminalSip.Password(ControlPlaneApp.MediaSecret, user, 1), (string?)reset["password"]);
        Assert.NotEqual(TerminalSip.Password(ControlPlaneApp.MediaSecret, user), (string?)reset["password"]);
        Assert.Equal(1, (int)(await (await node.GetAsync($"/api/media/sip-accounts/{user}")).ReadAsync())["generation"]!);
        Assert.Equal(1, (int)(await (await admin.GetAsync($"/api/sites/{ids.OwnVillage}/devices/{device}/sip")).ReadAsync())["generation"]!);

        // Unknown and non-terminal devices are 404; no token, a user's media token or another secret's token is 401.
        await (await node.GetAsync($"/api/media/sip-accounts/site-{ids.OwnVillage}-terminal-999999")).AssertProblemAsync(404);
        await (await node.GetAsync($"/api/media/sip-accounts/site-{ids.OwnVillage}-terminal-{ids.OwnDevice}")).AssertProblemAsync(404);
        await (await node.GetAsync("/api/media/sip-accounts/bob")).AssertProblemAsync(404);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync($"/api/media/sip-accounts/{user}")).StatusCode);
        foreach (var bad in new[] { Token("user:1", "*", ControlPlaneApp.MediaSecret), Token(TerminalSip.MediaServerSubject, "room1", ControlPlaneApp.MediaSecret),
                     Token(TerminalSip.MediaServerSubject, "*", "another-secret-0123456789abcdef0123456789") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/media/sip-accounts/{user}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bad);
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().SendAsync(request)).StatusCode);
        }
        var op = await app.LoginAsync(ids.OwnOperator);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.PostJsonAsync($"/api/sites/{ids.OwnVillage}/devices/{device}/sip/reset", new { })).StatusCode);
    }

    /// <summary>The derivation is a contract with MediaServer (its SipAccounts.Password has the same vectors).</summary>
    [Fact]
    public void Password_KnownVectors()
    {
        Assert.Equal("9f_R92QhM8kbJ_K4Q4JJ70JZ", TerminalSip.Password("test-media-token-secret-0123456789abcdef", "site-12-terminal-34"));
        Assert.Equal("PhfJRbf3ejz74LVV6wg18yzN", TerminalSip.Password("test-media-token-secret-0123456789abcdef", "site-12-terminal-34", 1));
    }

    private static string Token(string subject, string room, string secret) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { ["sub"] = subject, ["room"] = room, ["role"] = "host" },
        Expires = DateTime.UtcNow.AddMinutes(1),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
    });
}
