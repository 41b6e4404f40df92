using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MediaCore.ControlPlane.Meetings;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Recordings;

public abstract class RecordingCatalogueTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private static readonly DateTimeOffset T0 = ControlPlaneApp.Now.AddMinutes(-90);

    private Task<HttpResponseMessage> WebhookAsync(object payload) => app.WebhookAsync(payload);

    private async Task<(int Id, string Room)> NewMeetingAsync(int siteId, string kind)
    {
        var admin = await app.LoginAsync("admin");
        var created = await (await admin.PostJsonAsync("/api/meetings", new { siteId, kind, title = "录像测试" + Guid.NewGuid().ToString("N")[..6], scheduledStart = T0 })).ReadAsync();
        return ((int)created["id"]!, (string)created["room"]!);
    }

    private static object Finished(string room, string id, string compositeState, string? compositeFile = null, string? error = null) => new
    {
        @event = "recording_finished", room, recordingId = id, at = T0.AddMinutes(31).UtcDateTime.ToString("O"), nodeId = "county-1",
        recovered = false, startedAt = T0.UtcDateTime.ToString("O"), stoppedAt = T0.AddMinutes(30).UtcDateTime.ToString("O"),
        files = new object[]
        {
            new { name = "site-1-audio-1.webm", participantId = "site:1", kind = "audio", codec = "opus", startMs = 0, durationMs = 1_800_000, sizeBytes = 4_000_000, frames = 90000, gaps = 0 },
            new { name = "site-1-video-2.webm", participantId = "site:1", kind = "video", codec = "vp8", startMs = 120, durationMs = 1_799_000, sizeBytes = 40_000_000, frames = 54000, gaps = 1 },
        },
        composite = new { state = compositeState, layout = "program", progress = compositeState == "done" ? 1.0 : 0.0, file = compositeFile, error },
    };

    [Fact]
    public async Task RecordingFinished_ThenCompositeDone_CatalogueKeepsLatestScopedBySite()
    {
        var ids = await app.SeedAsync();
        var (meetingId, room) = await NewMeetingAsync(ids.OwnVillage, "partyLesson");
        var recId = "rec-20261126-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.OK, (await WebhookAsync(Finished(room, recId, "pending"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WebhookAsync(Finished(room, recId, "done", "meeting.mp4"))).StatusCode);
        // A late retry of the first delivery (another body) must not undo the composite.
        var late = Finished(room, recId, "pending");
        Assert.Equal(HttpStatusCode.OK, (await WebhookAsync(new Dictionary<string, object?>(JsonSerializer.Deserialize<Dictionary<string, object?>>(
            JsonSerializer.Serialize(late, JsonSerializerOptions.Web))!) { ["at"] = T0.AddMinutes(40).UtcDateTime.ToString("O") })).StatusCode);

        var town = await app.LoginAsync("jinshui");
        var list = await town.GetJsonAsync($"/api/recordings?meetingId={meetingId}");
        var item = Assert.Single(list["items"]!.AsArray())!;
        Assert.Equal(recId, (string)item["id"]!);
        Assert.Equal("done", (string)item["compositeState"]!);
        Assert.Equal(2, (int)item["fileCount"]!);
        Assert.Equal(44_000_000, (long)item["totalBytes"]!);
        Assert.Equal(1_800_000, (long)item["durationMs"]!);

        var detail = await town.GetJsonAsync($"/api/recordings/{recId}");
        Assert.Equal(2, detail["files"]!.AsArray().Count);
        Assert.Equal("meeting.mp4", (string)detail["composite"]!["name"]!);
        Assert.Equal("video/mp4", (string)detail["composite"]!["contentType"]!);

        // Out of scope: the other town's admin and operator see neither the list entry nor the detail.
        var foreignOperator = await app.LoginAsync(ids.ForeignOperator);
        Assert.Empty((await foreignOperator.GetJsonAsync($"/api/recordings?meetingId={meetingId}"))["items"]!.AsArray());
        await (await foreignOperator.GetAsync($"/api/recordings/{recId}")).AssertProblemAsync(404);
        Assert.Single((await (await app.LoginAsync(ids.OwnOperator)).GetJsonAsync($"/api/recordings?meetingId={meetingId}"))["items"]!.AsArray());
    }

    [Fact]
    public async Task FileLink_RangeRequest_ProxiesPartialContentFromTheNode()
    {
        var ids = await app.SeedAsync();
        var (_, room) = await NewMeetingAsync(ids.OwnVillage, "partyLesson");
        var recId = "rec-20261126-" + Guid.NewGuid().ToString("N")[..8];
        var bytes = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
        app.MediaServer.RecordingFiles[$"{recId}/site-1-video-2.webm"] = bytes;
        await WebhookAsync(Finished(room, recId, "pending"));
        var detail = await (await app.LoginAsync("jinshui")).GetJsonAsync($"/api/recordings/{recId}");
        var url = (string)detail["files"]!.AsArray().Single(f => (string)f!["kind"]! == "video")!["url"]!;

        // The browser's <video> loads the signed link without any Authorization header.
        var anonymous = app.CreateClient();
        var req = new HttpRequestMessage(HttpMethod.Get, url);
        req.Headers.Range = new RangeHeaderValue(1000, 1999);
        var resp = await anonymous.SendAsync(req);
        Assert.Equal(HttpStatusCode.PartialContent, resp.StatusCode);
        Assert.Equal("bytes 1000-1999/10000", resp.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[1000..2000], await resp.Content.ReadAsByteArrayAsync());
        var whole = await anonymous.GetAsync(url + "&download=true");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(bytes, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", whole.Content.Headers.ContentDisposition?.DispositionType);

        // A tampered signature, another file under the same signature, no credentials at all: refused.
        await (await anonymous.GetAsync(url[..^4] + "0000")).AssertProblemAsync(401);
        await (await anonymous.GetAsync(url.Replace("site-1-video-2.webm", "site-1-audio-1.webm"))).AssertProblemAsync(401);
        await (await anonymous.GetAsync($"/api/recordings/{recId}/files/site-1-video-2.webm")).AssertProblemAsync(401);
        // A name the catalogue does not list is never asked of MediaServer.
        await (await (await app.LoginAsync("jinshui")).GetAsync($"/api/recordings/{recId}/files/recording.json")).AssertProblemAsync(404);
        // An expired link.
        app.Clock.Advance(TimeSpan.FromMinutes(241));
        try { await (await anonymous.GetAsync(url)).AssertProblemAsync(401); }
        finally { app.Clock.Advance(TimeSpan.FromMinutes(-241)); }
    }

    [Fact]
    public async Task PlenaryMeeting_FirstPublisherAndLastLeave_StartAndStopRecording()
    {
        var ids = await app.SeedAsync();
        var (_, room) = await NewMeetingAsync(ids.County, "plenary");
        var (_, lessonRoom) = await NewMeetingAsync(ids.OwnVillage, "partyLesson");
        object Session(string evt, string r, string who, int minute, string kind, string session) => new
        {
            @event = evt, room = r, participantId = who, role = kind == "publisher" ? "host" : "audience", kind, sessionId = session,
            at = T0.AddMinutes(minute).UtcDateTime.ToString("O"), nodeId = "county-1",
        };
        await WebhookAsync(Session("participant_joined", lessonRoom, $"site:{ids.OwnVillage}", 0, "publisher", "whip-l"));
        await WebhookAsync(Session("participant_joined", room, $"site:{ids.OwnVillage}", 0, "subscriber", "whep-1"));
        await WebhookAsync(Session("participant_joined", room, $"site:{ids.County}", 1, "publisher", "whip-1"));
        await WebhookAsync(Session("participant_joined", room, $"site:{ids.OwnTown}", 2, "publisher", "whip-2"));
        await WebhookAsync(Session("participant_left", room, $"site:{ids.County}", 50, "publisher", "whip-1"));
        await WebhookAsync(Session("participant_left", room, $"site:{ids.OwnTown}", 60, "publisher", "whip-2"));
        await WaitForCallsAsync(room, 2);
        Assert.Equal(["start " + room, "stop " + room], app.MediaServer.RecordingCalls.Where(c => c.EndsWith(" " + room)).ToArray());
        Assert.DoesNotContain(app.MediaServer.RecordingCalls, c => c.EndsWith(" " + lessonRoom)); // party lessons are not auto-recorded by default
    }

    private async Task WaitForCallsAsync(string room, int count)
    {
        // The calls run on the background worker; wait for their effect, bounded.
        for (int i = 0; i < 200 && app.MediaServer.RecordingCalls.Count(c => c.EndsWith(" " + room)) < count; i++) await Task.Delay(25);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class RecordingCatalogueTestsSqlite(SqliteApp app) : RecordingCatalogueTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class RecordingCatalogueTestsPostgres(PostgresApp app) : RecordingCatalogueTests<PostgresApp>(app);
