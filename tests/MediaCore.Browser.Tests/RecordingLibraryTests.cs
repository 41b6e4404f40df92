using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace MediaCore.Browser.Tests;

/// <summary>
/// Issue 10, the catalogue end to end: a lecture is recorded by itself (the ControlPlane asks MediaServer when the
/// first publisher joins and stops it when the last leaves), MediaServer's recording_finished webhooks fill the
/// catalogue, and the Portal's 录像库 plays meeting.mp4 through the ControlPlane's range-proxied file link.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class RecordingLibraryTests(LiveStackFixture fixture)
{
    private LiveStack Stack => fixture.Stack;

    [Fact]
    public async Task Lecture_PublishedAndLeft_AutoRecordedAndPlaysInTheLibrary()
    {
        var county = await Stack.CountyIdAsync();
        var (meetingId, room) = await Stack.ScheduleAsync("admin", county, "lecture", "冬训专题党课：乡村振兴");
        await using var chromium = await ChromiumSession.LaunchAsync();
        var publisher = await chromium.OpenPageAsync(Stack.Media.BaseAddress);
        var publish = await publisher.PublishAsync($"/whip/{room}", Stack.Media.Token(room, $"site:{county}", ParticipantRole.Host));
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");
        var recordings = Stack.Media.Services.GetRequiredService<MediaCore.Server.Recording.RecordingService>();
        await Stack.WaitAsync(() => Task.FromResult(recordings.ActiveId(RoomId.Parse(room)) != null), TimeSpan.FromSeconds(20),
            "MediaServer recording the lecture after its first publisher joined");
        await Task.Delay(TimeSpan.FromSeconds(8));
        await publisher.StopAsync(publish.Handle);
        await Stack.WaitAsync(() => Task.FromResult(recordings.ActiveId(RoomId.Parse(room)) == null), TimeSpan.FromSeconds(20),
            "the recording stopped after the last publisher left");

        string? id = null;
        await Stack.WaitAsync(async () =>
        {
            var page = await Stack.GetAsync("admin", $"/api/recordings?meetingId={meetingId}");
            var item = page["items"]!.AsArray().FirstOrDefault();
            id = (string?)item?["id"];
            return (string?)item?["compositeState"] is "done" or "failed";
        }, TimeSpan.FromMinutes(3), "the catalogue listing the lecture's recording with its composite rendered");
        var detail = await Stack.GetAsync("admin", $"/api/recordings/{id}");
        Assert.True(detail["composite"] is not null, $"composite not done: {detail}");
        Assert.Equal(2, detail["files"]!.AsArray().Count);

        var library = await Stack.OpenAsync(chromium, 0, "admin", "/recordings/library");
        await Stack.WaitAsync(async () => await library.Locator("[data-testid=recording-table]").GetByText("冬训专题党课：乡村振兴").CountAsync() > 0,
            TimeSpan.FromSeconds(20), "the lecture listed in 录像库");
        await library.Locator("[data-testid=recording-table] .el-table__row", new() { HasText = "冬训专题党课" }).First
            .GetByRole(AriaRole.Button, new() { Name = "播放" }).ClickAsync();
        var video = library.Locator("video[data-testid=recording-player]");
        await video.WaitForAsync(new() { Timeout = 20_000 });
        // The <video> loads meeting.mp4 from the signed link (no Authorization header) and decodes it.
        await library.EvaluateAsync("v => { v.muted = true; return v.play(); }", await video.ElementHandleAsync());
        await Stack.WaitAsync(async () => await video.EvaluateAsync<bool>(
                "v => v.videoWidth > 0 && v.currentTime > 1.5 && (v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) > 20"),
            TimeSpan.FromSeconds(30), "meeting.mp4 playing in the library's player with decoded frames");
        double duration = await video.EvaluateAsync<double>("v => v.duration");
        Assert.InRange(duration, 6, 12);
        await video.EvaluateAsync("v => v.pause()");
        await LiveStack.ScreenshotAsync(library, "portal-recording-detail");
        await LiveStack.LeaveAsync(library);
    }
}
