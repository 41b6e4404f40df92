using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Headless Chromium against the real server: the page loads, fake devices work, an offer is created, and
/// the WHIP/WHEP POST with a valid token reaches the session manager (501 until sessions are wired).
/// </summary>
public sealed class SmokeTests
{
    [Fact]
    public async Task DemoPage_PublishAndWatch_OffersReachTheSessionManager()
    {
        var sessions = new CapturingSessionManager();
        await using var server = await BrowserTestServer.StartAsync(
            b => b.Services.Replace(ServiceDescriptor.Singleton<ISessionManager>(sessions)), "--MediaServer:DemoMode=true");
        await using var chromium = await ChromiumSession.LaunchAsync();
        var page = await chromium.OpenPageAsync(server.BaseAddress);
        var pageErrors = new List<string>();
        page.Page.PageError += (_, e) => pageErrors.Add(e);

        Assert.Equal("MediaCore MediaServer", await page.Page.TitleAsync());
        Assert.True(await page.Page.IsVisibleAsync("#demo-banner"));

        // The demo page's own button: demo token, camera, WHIP POST, and the 501 shown in its log.
        await page.Page.ClickAsync("#publish-start");
        await page.Page.Locator("#log").Filter(new() { HasText = "HTTP 501" }).WaitForAsync(new() { Timeout = 20_000 });
        Assert.Equal(SessionKind.Publisher, Assert.Single(sessions.Offers).Kind);
        sessions.Offers.Clear();

        var track = await page.Page.EvaluateAsync<string>("""
            async () => {
              const s = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
              const v = s.getVideoTracks()[0];
              const r = `${v.kind} ${v.readyState} ${v.getSettings().width}x${v.getSettings().height} audio=${s.getAudioTracks().length}`;
              s.getTracks().forEach(t => t.stop());
              return r;
            }
            """);
        Assert.Equal("video live 640x480 audio=1", track);

        var publish = await page.PublishAsync("/whip/smoke", server.Token("smoke", "site-1", ParticipantRole.Speaker), new PublishOptions(Simulcast: true));
        Assert.Equal(501, publish.Status);
        var offer = Assert.Single(sessions.Offers);
        Assert.Equal(("smoke", "site-1", SessionKind.Publisher), (offer.Room.Value, offer.Participant.Id, offer.Kind));
        Assert.Contains("m=audio", offer.Offer);
        Assert.Contains("m=video", offer.Offer);
        Assert.Contains("a=ice-ufrag:", offer.Offer);
        Assert.Contains("a=fingerprint:sha-256", offer.Offer);
        Assert.Contains("a=simulcast:send q;h;f", offer.Offer);
        Assert.Equal(publish.Offer, offer.Offer);

        var watch = await page.SubscribeAsync("/whep/smoke", server.Token("smoke", "site-2", ParticipantRole.Audience), videoCount: 2);
        Assert.Equal(501, watch.Status);
        Assert.Equal(2, sessions.Offers.Last().Offer.Split("m=video").Length - 1);
        Assert.Empty(pageErrors);
    }

    [Fact]
    public async Task Publish_FromAnotherOrigin_PassesCors_AndAudienceIsForbidden()
    {
        var sessions = new CapturingSessionManager();
        await using var server = await BrowserTestServer.StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<ISessionManager>(sessions)));
        await using var chromium = await ChromiumSession.LaunchAsync();
        // The page comes from http://localhost:port, the WHIP endpoint is http://127.0.0.1:port: two origins,
        // so the browser sends a CORS preflight (Authorization header) and checks the response headers.
        var page = await chromium.OpenPageAsync(new UriBuilder(server.BaseAddress) { Host = "localhost" }.Uri);
        var whip = new Uri(server.BaseAddress, "/whip/smoke").ToString();

        var forbidden = await page.PublishAsync(whip, server.Token("smoke", "v", ParticipantRole.Audience));
        Assert.Equal(403, forbidden.Status);
        Assert.Empty(sessions.Offers);

        var reached = await page.PublishAsync(whip, server.Token("smoke", "v", ParticipantRole.Speaker));
        Assert.Equal(501, reached.Status);
        Assert.Single(sessions.Offers);
    }
}

/// <summary>The audio helpers the mixer tests need: a tone file as the fake microphone, measured by an AnalyserNode.</summary>
public sealed class FakeAudioTests
{
    [Fact]
    public async Task FakeMicrophone_FromToneFile_PeaksAtTheToneFrequency()
    {
        var wav = ToneWav.Create(880);
        try
        {
            await using var server = await BrowserTestServer.StartAsync();
            await using var chromium = await ChromiumSession.LaunchAsync($"--use-file-for-fake-audio-capture={wav}");
            var page = await chromium.OpenPageAsync(server.BaseAddress);
            var handle = await page.CaptureAsync();
            var peak = await page.MeasureAudioFrequencyAsync(handle);
            Assert.InRange(peak.Hz, 870, 890);
        }
        finally
        {
            File.Delete(wav);
        }
    }
}
