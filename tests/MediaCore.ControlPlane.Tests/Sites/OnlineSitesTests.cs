using System.Text.Json;
using MediaCore.ControlPlane.Meetings;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Sites;

public abstract class OnlineSitesTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private async Task WebhookAsync(string evt, string room, string participant, DateTimeOffset at, string role = "host") =>
        (await app.WebhookAsync(new { @event = evt, room, participantId = participant, role, at = at.UtcDateTime.ToString("O"), nodeId = "county-1" }))
            .EnsureSuccessStatusCode();

    // Other tests share the host and may have this site live in other rooms: look for this room.
    private static bool Lists(System.Text.Json.Nodes.JsonNode rows, int siteId, string room) =>
        rows.AsArray().Any(r => (int)r!["siteId"]! == siteId && (string)r["room"]! == room);

    [Fact]
    public async Task Online_SiteInRoom_ListedInScope_UntilItLeaves()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var created = await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.OwnOtherVillage, kind = "committeeDay", title = "在线测试", scheduledStart = ControlPlaneApp.Now })).ReadAsync();
        var room = (string)created["room"]!;
        await WebhookAsync("participant_joined", room, $"site:{ids.OwnOtherVillage}", ControlPlaneApp.Now.AddMinutes(-5));
        await WebhookAsync("participant_joined", room, "user:1", ControlPlaneApp.Now.AddMinutes(-4), "observer");

        var county = await admin.GetJsonAsync("/api/sites/online");
        var row = county.AsArray().Single(r => (int)r!["siteId"]! == ids.OwnOtherVillage && (string)r["room"]! == room)!;
        Assert.Equal("西关村", (string)row["siteName"]!);
        Assert.Equal((int)created["id"]!, (int)row["meetingId"]!);
        Assert.True(Lists(await (await app.LoginAsync("jinshui")).GetJsonAsync("/api/sites/online"), ids.OwnOtherVillage, room));
        Assert.False(Lists(await (await app.LoginAsync("yushan")).GetJsonAsync("/api/sites/online"), ids.OwnOtherVillage, room));

        await WebhookAsync("participant_left", room, $"site:{ids.OwnOtherVillage}", ControlPlaneApp.Now.AddMinutes(-1));
        Assert.False(Lists(await admin.GetJsonAsync("/api/sites/online"), ids.OwnOtherVillage, room));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class OnlineSitesTestsSqlite(SqliteApp app) : OnlineSitesTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class OnlineSitesTestsPostgres(PostgresApp app) : OnlineSitesTests<PostgresApp>(app);
