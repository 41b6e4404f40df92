using MediaCore.ControlPlane.Sites;
using MediaCore.ControlPlane.Tests.Infrastructure;

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

    /// <summary>The derivation is a contract with MediaServer (its SipAccounts.Password has the same vector).</summary>
    [Fact]
    public void Password_KnownVector() =>
        Assert.Equal("9f_R92QhM8kbJ_K4Q4JJ70JZ", TerminalSip.Password("test-media-token-secret-0123456789abcdef", "site-12-terminal-34"));
}
