using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Rooms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace MediaCore.Browser.Tests;

/// <summary>
/// 远程授课 end to end: the expert assigned to a lecture teaches from the Portal's 讲课 page (camera + microphone with the
/// host token of that lecture's room), a village terminal raises its hand, the lecturer grants it the floor and sees the
/// village's picture. Issue 10, the catalogue: the lecture is recorded by itself (the ControlPlane asks MediaServer when the
/// first publisher joins and stops it when the last leaves), MediaServer's recording_finished webhooks fill the
/// catalogue, and the Portal's 录像库 plays meeting.mp4 through the ControlPlane's range-proxied file link.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class RecordingLibraryTests(LiveStackFixture fixture)
{
    private LiveStack Stack => fixture.Stack;

    [Fact]
    public async Task Lecture_LecturerTeachesFromThePortalAndGrantsAVillage_AutoRecordedAndPlaysInTheLibrary()
    {
        const string title = "冬训专题党课：乡村振兴";
        var county = await Stack.CountyIdAsync();
        var lecturerId = (int)(await Stack.GetAsync("admin", "/api/live/lecturers")).AsArray().First(l => (string?)l!["userName"] == "lecturer")!["id"]!;
        var (meetingId, room) = await Stack.ScheduleAsync("admin", county, "lecture", title, lecturerId);
        var village = await Stack.VillageOperatorAsync(9);
        await using var chromium = await ChromiumSession.LaunchAsync();

        // The lecturer's 讲课 page lists the lecture; 开始讲课 publishes camera + microphone as the lecture's host.
        var lecture = await Stack.OpenAsync(chromium, 0, "lecturer", "/live/lecture");
        await Stack.WaitAsync(async () => await lecture.Locator("[data-testid=lecture-title]").CountAsync() > 0
            && (await lecture.Locator("[data-testid=lecture-title]").InnerTextAsync()).Trim() == title, TimeSpan.FromSeconds(20), "the lecture on the 讲课 page");
        var start = lecture.Locator("[data-testid=lecture-start]");
        await Stack.WaitAsync(() => start.IsEnabledAsync(), TimeSpan.FromSeconds(20), "开始讲课 enabled once the lecture's room is open");
        await start.ClickAsync();
        Task<string?> LecturerAsync(string attribute) => lecture.Locator("[data-testid=lecture-state]").GetAttributeAsync(attribute);
        await Stack.WaitAsync(async () => await LecturerAsync("data-publish") == "connected", TimeSpan.FromSeconds(30), "the lecturer publishing");
        var recordings = Stack.Media.Services.GetRequiredService<MediaCore.Server.Recording.RecordingService>();
        await Stack.WaitAsync(() => Task.FromResult(recordings.ActiveId(RoomId.Parse(room)) != null), TimeSpan.FromSeconds(20),
            "MediaServer recording the lecture after its first publisher joined");
        var recordingFrom = DateTime.UtcNow;

        // A village terminal joins the lecture by itself and raises its hand; the lecturer grants it on the 讲课 page.
        var terminal = await Stack.OpenAsync(chromium, 1, village.User, "/terminal");
        Task<string?> TerminalAsync(string attribute) => terminal.Locator("[data-testid=terminal-state]").GetAttributeAsync(attribute);
        await Stack.WaitAsync(async () => await terminal.Locator("[data-testid=terminal-meeting]").CountAsync() > 0
            && (await terminal.Locator("[data-testid=terminal-meeting]").InnerTextAsync()).Trim() == title
            && await TerminalAsync("data-play") == "connected", TimeSpan.FromSeconds(30), "the village terminal playing the lecture");
        await terminal.Locator("[data-testid=raise-hand]").ClickAsync();
        var hand = lecture.Locator($"[data-testid='lecture-hand-site:{village.SiteId}']");
        await Stack.WaitAsync(async () => await hand.CountAsync() > 0, TimeSpan.FromSeconds(20), "the raised hand on the 讲课 page");
        await hand.GetByRole(AriaRole.Button, new() { Name = "允许发言" }).ClickAsync();
        await Stack.WaitAsync(async () => await TerminalAsync("data-publish") == "connected", TimeSpan.FromSeconds(30), "the granted village publishing");
        // The lecturer sees the village that has the floor (its program's picture).
        await Stack.WaitAsync(async () => await lecture.EvaluateAsync<int>(
                "() => document.querySelector('[data-testid=lecture-speaker] video')?.getVideoPlaybackQuality().totalVideoFrames ?? 0") > 20,
            TimeSpan.FromSeconds(30), "the lecturer decoding the granted village's picture");
        await lecture.Mouse.MoveAsync(1, 1); // no hover colour on the button under the last click
        await LiveStack.ScreenshotAsync(lecture, "live-lecture");

        await LiveStack.LeaveAsync(terminal, lecture);
        var recordedFor = DateTime.UtcNow - recordingFrom;
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
        // The lecturer's and the granted village's camera and microphone, each its own file.
        var files = detail["files"]!.AsArray().Select(f => $"{(string?)f!["participantId"]}/{(string?)f["kind"]}").Order().ToList();
        Assert.Equal(new[] { $"site:{village.SiteId}/audio", $"site:{village.SiteId}/video", $"user:{lecturerId}/audio", $"user:{lecturerId}/video" }, files);

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
        Assert.InRange(duration, recordedFor.TotalSeconds - 4, recordedFor.TotalSeconds + 4);
        await video.EvaluateAsync("v => v.pause()");
        await LiveStack.ScreenshotAsync(library, "portal-recording-detail");
        await LiveStack.LeaveAsync(library);
    }
}
