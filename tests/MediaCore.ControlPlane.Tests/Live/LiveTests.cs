using System.Net;
using System.Text.Json;
using MediaCore.ControlPlane.Meetings;
using MediaCore.ControlPlane.Tests.Auth;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Tests.Live;

public abstract class LiveTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private async Task<(int Id, string Room)> NewMeetingAsync(int siteId, string kind, DateTimeOffset start)
    {
        var admin = await app.LoginAsync("admin");
        var resp = await admin.PostJsonAsync("/api/meetings", new { siteId, kind, title = "直播测试" + Guid.NewGuid().ToString("N")[..6], scheduledStart = start });
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        var created = await resp.ReadAsync();
        return ((int)created["id"]!, (string)created["room"]!);
    }

    private Task WebhookAsync(string evt, string room, string participant, DateTimeOffset at, string nodeId = "n1") =>
        WebhookAsync(new { @event = evt, room, participantId = participant, role = "audience", kind = "publisher", at = at.UtcDateTime.ToString("O"), nodeId });

    private async Task WebhookAsync(object payload) => (await app.WebhookAsync(payload)).EnsureSuccessStatusCode();

    [Fact]
    public async Task Sites_TownPartialMeeting_EveryVillageOfTheTownWithItsState()
    {
        var ids = await app.SeedAsync();
        var (id, room) = await NewMeetingAsync(ids.OwnTown, "partial", ControlPlaneApp.Now);
        var thirdVillage = await app.DbAsync(db => db.Sites.Where(s => s.ParentId == ids.OwnTown && s.Id != ids.OwnVillage && s.Id != ids.OwnOtherVillage)
            .OrderBy(s => s.Code).Select(s => s.Id).FirstAsync());
        app.MediaServer.Rooms[room] = [("user:2", "host", "publisher"), ($"site:{ids.OwnVillage}", "audience", "subscriber"),
            ($"site:{ids.OwnVillage}", "audience", "publisher"), ($"site:{ids.OwnOtherVillage}", "audience", "subscriber"),
            // The third village's camera, pulled over RTSP into a plain-RTP ingest: MediaServer lists it (kind "ingest"), but
            // it is not the village's terminal taking part, so the village stays "lost".
            ($"site:{thirdVillage}", "speaker", "ingest")];
        await WebhookAsync("participant_joined", room, $"site:{thirdVillage}", ControlPlaneApp.Now.AddMinutes(-5));
        await WebhookAsync("participant_left", room, $"site:{thirdVillage}", ControlPlaneApp.Now.AddMinutes(-1));

        var body = await (await app.LoginAsync("jinshui")).GetJsonAsync($"/api/live/meetings/{id}/sites");

        var villages = await app.DbAsync(db => db.Sites.CountAsync(s => s.ParentId == ids.OwnTown));
        var sites = body["sites"]!.AsArray();
        Assert.Equal(villages, sites.Count);
        string StateOf(int site) => (string)sites.Single(s => (int)s!["siteId"]! == site)!["state"]!;
        Assert.Equal("publishing", StateOf(ids.OwnVillage));
        Assert.Equal("watching", StateOf(ids.OwnOtherVillage));
        Assert.Equal("lost", StateOf(thirdVillage));
        Assert.True((bool)body["mediaServerReachable"]!);
        Assert.Equal((1, 1, 1, villages - 3), ((int)body["publishing"]!, (int)body["watching"]!, (int)body["lost"]!, (int)body["notJoined"]!));
    }

    [Fact]
    public async Task Sites_OtherTownsMeeting_Returns404()
    {
        var ids = await app.SeedAsync();
        var (id, _) = await NewMeetingAsync(ids.OwnTown, "partial", ControlPlaneApp.Now);
        var resp = await (await app.LoginAsync("yushan")).GetAsync($"/api/live/meetings/{id}/sites");
        await resp.AssertProblemAsync(404);
        var village = await (await app.LoginAsync(ids.OwnOperator)).GetAsync($"/api/live/meetings/{id}/sites");
        Assert.Equal(HttpStatusCode.Forbidden, village.StatusCode);
    }

    [Fact]
    public async Task Current_VillageOperator_JoinsItsTownsPartialMeetingAsAudience()
    {
        var ids = await app.SeedAsync();
        var (id, room) = await NewMeetingAsync(ids.OwnTown, "partial", ControlPlaneApp.Now.AddMinutes(10));
        var body = await (await app.LoginAsync(ids.OwnOperator)).GetJsonAsync("/api/live/current");
        Assert.Equal(id, (int)body["meeting"]!["id"]!);
        Assert.Equal(room, (string)body["meeting"]!["room"]!);
        Assert.Equal("audience", (string)body["role"]!);

        var foreign = await (await app.LoginAsync(ids.ForeignOperator)).GetJsonAsync("/api/live/current");
        Assert.NotEqual(id, (int?)foreign["meeting"]?["id"]);
    }

    [Fact]
    public async Task Emergency_AnyUserStartsCall_SpeakerTokenForItsRoomAndCountyAlerted()
    {
        var ids = await app.SeedAsync();
        var phone = await app.LoginAsync(ids.OwnOperator);
        var resp = await phone.PostJsonAsync("/api/live/emergency", new { });
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        var started = await resp.ReadAsync();
        var room = (string)started["call"]!["room"]!;
        Assert.StartsWith("em-", room);
        var claims = LoginAndMediaTokenTests<SqliteApp>.VerifyHs256((string)started["token"]!, ControlPlaneApp.MediaSecret);
        Assert.Equal((room, "speaker"), ((string?)claims["room"], (string?)claims["role"]));

        var alerts = await (await app.LoginAsync("admin")).GetJsonAsync("/api/live/emergency?active=true");
        Assert.Contains(alerts.AsArray(), c => (string)c!["room"]! == room && (bool)c["active"]!);
        var watch = await (await app.LoginAsync("admin")).PostJsonAsync("/api/media-tokens", new { room, role = "audience" });
        Assert.Equal(HttpStatusCode.OK, watch.StatusCode);

        // Nobody else learns of the room or may join it.
        Assert.Equal(HttpStatusCode.Forbidden, (await (await app.LoginAsync("yushan")).GetAsync("/api/live/emergency")).StatusCode);
        await (await (await app.LoginAsync("yushan")).PostJsonAsync("/api/media-tokens", new { room, role = "audience" })).AssertProblemAsync(404);
        await (await phone.PostJsonAsync("/api/media-tokens", new { room, role = "audience" })).AssertProblemAsync(404);

        // The phone leaves: no longer active.
        await WebhookAsync("participant_joined", room, (string)started["subject"]!, ControlPlaneApp.Now);
        await WebhookAsync("participant_left", room, (string)started["subject"]!, ControlPlaneApp.Now.AddMinutes(3));
        var after = await (await app.LoginAsync("admin")).GetJsonAsync("/api/live/emergency?active=true");
        Assert.DoesNotContain(after.AsArray(), c => (string)c!["room"]! == room);
    }

    [Fact]
    public async Task Emergency_NodeRestartsWithoutLeave_CallNoLongerActive()
    {
        // Regression: after a MediaServer restart the old process never sent participant_left, so the call stayed
        // in /api/live/emergency?active=true forever.
        var ids = await app.SeedAsync();
        var started = await (await (await app.LoginAsync(ids.OwnOperator)).PostJsonAsync("/api/live/emergency", new { })).ReadAsync();
        var room = (string)started["call"]!["room"]!;
        var node = "node-" + Guid.NewGuid().ToString("N")[..8];
        await WebhookAsync("participant_joined", room, (string)started["subject"]!, ControlPlaneApp.Now.AddMinutes(-2), node);
        var admin = await app.LoginAsync("admin");
        Assert.Contains((await admin.GetJsonAsync("/api/live/emergency?active=true")).AsArray(), c => (string)c!["room"]! == room);

        await WebhookAsync(new { @event = "node_started", nodeId = node, bootId = Guid.NewGuid().ToString(), at = ControlPlaneApp.Now.ToString("O") });
        Assert.DoesNotContain((await admin.GetJsonAsync("/api/live/emergency?active=true")).AsArray(), c => (string)c!["room"]! == room);
    }

    [Fact]
    public async Task CreateMeeting_EmergencyKind_Returns400()
    {
        var ids = await app.SeedAsync();
        var resp = await (await app.LoginAsync("admin")).PostJsonAsync("/api/meetings", new { siteId = ids.County, kind = "emergency", title = "x", scheduledStart = ControlPlaneApp.Now });
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class LiveTestsSqlite(SqliteApp app) : LiveTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class LiveTestsPostgres(PostgresApp app) : LiveTests<PostgresApp>(app);
