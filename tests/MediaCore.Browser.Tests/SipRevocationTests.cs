using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Sip;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Per-terminal revocation with the real services: MediaServer asks the ControlPlane (<c>MediaServer:Sip:AccountsUrl</c>) about
/// a terminal before it accepts its REGISTER, so a terminal disabled there gets 403 "Terminal disabled in the ControlPlane"
/// from sipp's point of view, and after a password reset only the new password registers. Runs on the live pages' shared stack.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class SipRevocationTests(LiveStackFixture fixture)
{
    [Fact]
    public async Task DisabledTerminal_RegisterRefused403_ReEnabledAndReset_OnlyNewPasswordWorks()
    {
        Assert.True(File.Exists("/usr/bin/sipp"), "sipp is missing: apt-get install sip-tester (scripts/install-deps.sh)");
        var stack = fixture.Stack;
        int sipPort = stack.Media.Services.GetRequiredService<SipServer>().Port;
        var (_, siteId, _) = await stack.VillageOperatorAsync(13);
        var created = await stack.PostAsync("admin", $"/api/sites/{siteId}/devices", new { kind = "terminal", name = "村委会会议终端", code = "SIP-REVOKE-1" });
        int deviceId = (int)created["device"]!["id"]!;
        var sip = await stack.GetAsync("admin", $"/api/sites/{siteId}/devices/{deviceId}/sip");
        string user = (string)sip["username"]!, password = (string)sip["password"]!;
        Assert.Equal(SipAccounts.Username(siteId, deviceId), user);

        var dir = Directory.CreateTempSubdirectory("mc-sip-revoke-").FullName;
        try
        {
            await AssertRegisters(sipPort, dir, user, password, "an enabled terminal with its password");

            await PutEnabledAsync(stack, siteId, deviceId, false);
            await AssertRefused(sipPort, dir, user, password, "Terminal disabled in the ControlPlane");

            await PutEnabledAsync(stack, siteId, deviceId, true);
            var reset = await stack.PostAsync("admin", $"/api/sites/{siteId}/devices/{deviceId}/sip/reset", new { });
            string newPassword = (string)reset["password"]!;
            Assert.NotEqual(password, newPassword);
            Assert.Equal(SipAccounts.Password(BrowserTestServer.Secret, user, 1), newPassword);
            await AssertRefused(sipPort, dir, user, password, "Wrong username or password");
            await AssertRegisters(sipPort, dir, user, newPassword, "the re-enabled terminal with its new password");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task PutEnabledAsync(LiveStack stack, int siteId, int deviceId, bool enabled)
    {
        using var http = new HttpClient { BaseAddress = stack.Origin(0) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await stack.TokenAsync("admin"));
        using var resp = await http.PutAsJsonAsync($"/api/sites/{siteId}/devices/{deviceId}", new { enabled });
        Assert.True(resp.IsSuccessStatusCode, $"PUT device enabled={enabled}: {resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
    }

    private static async Task AssertRegisters(int port, string dir, string user, string password, string what)
    {
        var scenario = Path.Combine(AppContext.BaseDirectory, "Sip", "Scenarios", "register.xml");
        var (exit, output) = await RunSippAsync(port, dir, scenario, user, password);
        Assert.True(exit == 0, $"REGISTER of {what} failed:\n{output}");
    }

    /// <summary>sipp registers and must get a 403 whose reason phrase is <paramref name="reason"/> (sipp's ereg check).</summary>
    private static async Task AssertRefused(int port, string dir, string user, string password, string reason)
    {
        var scenario = Path.Combine(dir, "register-refused.xml");
        File.WriteAllText(scenario, RefusedScenario.Replace("{reason}", reason, StringComparison.Ordinal));
        var (exit, output) = await RunSippAsync(port, dir, scenario, user, password);
        Assert.True(exit == 0, $"REGISTER was not refused with 403 {reason}:\n{output}");
    }

    private static async Task<(int ExitCode, string Output)> RunSippAsync(int port, string dir, string scenario, string user, string password)
    {
        var psi = new ProcessStartInfo("sipp") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in (string[])[$"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "-sf", scenario, "-s", user, "-au", user, "-ap", password,
            "-i", "127.0.0.1", "-p", "0", "-m", "1", "-nostdin", "-timeout", "20", "-timeout_error", "-trace_err"])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var errors = Directory.GetFiles(dir, "*_errors.log").Select(File.ReadAllText);
        return (p.ExitCode, await stdout + await stderr + string.Join('\n', errors));
    }

    // A REGISTER answered by a challenge, then with credentials by 403 with the expected reason phrase (RFC 3261 §21.4.4).
    private const string RefusedScenario = """
        <?xml version="1.0" encoding="ISO-8859-1" ?>
        <!DOCTYPE scenario SYSTEM "sipp.dtd">
        <scenario name="MediaCore REGISTER refused">
          <send retrans="500">
            <![CDATA[
        REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
        Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
        From: <sip:[service]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
        To: <sip:[service]@[remote_ip]>
        Call-ID: [call_id]
        CSeq: 1 REGISTER
        Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
        Max-Forwards: 70
        Expires: 300
        Content-Length: 0

            ]]>
          </send>
          <recv response="401" auth="true"/>
          <send retrans="500">
            <![CDATA[
        REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
        Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
        From: <sip:[service]@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
        To: <sip:[service]@[remote_ip]>
        Call-ID: [call_id]
        CSeq: 2 REGISTER
        Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
        [authentication]
        Max-Forwards: 70
        Expires: 300
        Content-Length: 0

            ]]>
          </send>
          <recv response="403">
            <action>
              <ereg regexp="SIP/2.0 403 {reason}" search_in="msg" check_it="true" assign_to="status"/>
            </action>
          </recv>
          <Reference variables="status"/>
        </scenario>
        """;
}
