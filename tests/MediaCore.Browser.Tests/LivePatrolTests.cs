using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests;

/// <summary>
/// 视频巡查: three villages send simulcast pictures into the county plenary; the county's patrol grid shows
/// each in its own WHEP cell at the lowest layer (pinned per subscription through the room API) and points
/// each cell at its village through PUT .../source, without renegotiation.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class LivePatrolTests(LiveStackFixture fixture)
{
    private LiveStack Stack => fixture.Stack;

    [Fact]
    public async Task PatrolGrid_ThreeVillagesPublishing_DecodesEachAtLowestLayer()
    {
        var county = await Stack.CountyIdAsync();
        const string title = "全县视频巡查演练";
        var (_, room) = await Stack.ScheduleAsync("admin", county, "plenary", title);
        await using var chromium = await ChromiumSession.LaunchAsync();

        // Three village cameras (the MediaServer page's client, simulcast q/h/f), as sites of the county.
        var villages = new List<int>();
        var cameras = new List<(MediaPage Page, SessionStart Published)>();
        for (int n = 6; n <= 8; n++)
        {
            var v = await Stack.VillageOperatorAsync(n);
            villages.Add(v.SiteId);
            var camera = await chromium.OpenPageAsync(Stack.Media.BaseAddress);
            var published = await camera.PublishAsync($"/whip/{room}", Stack.Media.Token(room, $"site:{v.SiteId}", ParticipantRole.Speaker),
                new PublishOptions(Simulcast: true));
            Assert.True(published.Succeeded, $"WHIP failed: {published.Status} {published.Detail}");
            cameras.Add((camera, published));
        }

        var patrol = await Stack.OpenAsync(chromium, 0, "admin", "/live/patrol");
        await LiveStack.SelectMeetingAsync(patrol, title);
        var expected = villages.Select(id => $"site:{id}").ToHashSet();
        Dictionary<string, int> widths = [];
        List<string> seen = [];
        try
        {
            await Stack.WaitAsync(async () =>
            {
                widths = [];
                seen = [];
                foreach (var cell in await patrol.Locator("[data-testid^=patrol-cell-]").AllAsync())
                {
                    var source = await cell.GetAttributeAsync("data-source") ?? "";
                    var width = await cell.GetAttributeAsync("data-width");
                    seen.Add($"{source}={width}");
                    if (int.TryParse(width, out int w) && w > 0) widths[source] = w;
                }
                return expected.All(widths.ContainsKey);
            }, TimeSpan.FromSeconds(45), "three patrol cells decoding the three villages");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // What the grid showed: which cells existed, their villages and decoded widths, and the page's error line.
            var alert = await patrol.Locator(".el-alert").AllInnerTextsAsync();
            Assert.Fail($"expected {string.Join(",", expected)}; cells [{string.Join(" ", seen)}]; page error: {string.Join(" | ", alert)}\n{e.Message}");
        }
        foreach (var (source, w) in widths)
            Assert.True(w <= 320, $"{source} decoded at {w} px wide: not the lowest simulcast layer");
        await LiveStack.ScreenshotAsync(patrol, "live-patrol");
        await LiveStack.LeaveAsync(patrol);
        // The cameras leave (WHIP DELETE) so the plenary ends now, not at the ICE timeout: a village terminal of the next
        // test would otherwise join this plenary, still on air, instead of its own meeting.
        foreach (var (page, published) in cameras) await page.StopAsync(published.Handle);
    }
}
