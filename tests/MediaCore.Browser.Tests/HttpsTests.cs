using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>
/// HTTPS for phones: a phone's browser opens its camera only in a secure context. MediaServer serves its page
/// and WHIP/WHEP over HTTPS with the self-signed certificate <c>./run.sh</c> makes; Chromium trusts exactly that
/// key (by its SPKI hash), as a phone whose user accepted the certificate would.
/// </summary>
public sealed class HttpsTests
{
    [Fact]
    public async Task Whip_HttpsWithSelfSignedCertificate_SecureContextPublishesAndViewerDecodes()
    {
        using var cert = await LocalCertificate.CreateAsync();
        await using var server = await BrowserTestServer.StartAsync(null, ["--urls=https://127.0.0.1:0", .. cert.KestrelArgs]);
        Assert.Equal("https", server.BaseAddress.Scheme);
        await using var chromium = await ChromiumSession.LaunchAsync(cert.ChromiumTrustFlag);
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 2);
        Assert.True(await pages[0].Page.EvaluateAsync<bool>("() => window.isSecureContext && location.protocol === 'https:'"));

        var publish = await pages[0].PublishAsync("/whip/phone", server.Token("phone", "duty-phone", ParticipantRole.Speaker));
        Assert.True(publish.Succeeded, $"WHIP over HTTPS failed: {publish.Status} {publish.Detail}");
        var watch = await pages[1].SubscribeAsync("/whep/phone", server.Token("phone", "county", ParticipantRole.Audience));
        Assert.True(watch.Succeeded, $"WHEP over HTTPS failed: {watch.Status} {watch.Detail}");

        var sent = await pages[0].WaitForStatsAsync(publish.Handle, s => s.Outbound.Any(x => x.Kind == "video" && x.FramesEncoded > 0), TimeSpan.FromSeconds(10));
        Assert.Contains(sent.Outbound, x => x.Kind == "video" && x.FramesEncoded > 0);
        var seen = await pages[1].WaitForStatsAsync(watch.Handle, s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 0), TimeSpan.FromSeconds(10));
        Assert.Contains(seen.Inbound, x => x.Kind == "video" && x.FramesDecoded > 0);
    }
}
