using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Meetings;

/// <summary>The meeting list's town filter (the Portal's 乡镇 filter): the town's villages, in scope only.</summary>
public abstract class MeetingTownFilterTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    [Fact]
    public async Task List_TownId_ListsOnlyThatTownsVillages()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var page = await admin.GetJsonAsync($"/api/meetings?townId={ids.OwnTown}&pageSize=500");
        Assert.True((int)page["total"]! > 0);
        var villages = (await admin.GetJsonAsync($"/api/sites?parentId={ids.OwnTown}&pageSize=500"))["items"]!.AsArray()
            .Select(s => (int)s!["id"]!).Append(ids.OwnTown).ToHashSet();
        Assert.All(page["items"]!.AsArray(), m => Assert.Contains((int)m!["siteId"]!, villages));
        Assert.Contains(page["items"]!.AsArray(), m => (int)m!["siteId"]! == ids.OwnVillage);
    }

    [Fact]
    public async Task List_TownIdOutsideScope_403()
    {
        var ids = await app.SeedAsync();
        var town = await app.LoginAsync("jinshui");
        await (await town.GetAsync($"/api/meetings?townId={ids.ForeignTown}")).AssertProblemAsync(403);
        var xlsx = await town.GetAsync($"/api/meetings?townId={ids.OwnTown}&format=xlsx");
        Assert.True(xlsx.IsSuccessStatusCode);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class MeetingTownFilterTestsSqlite(SqliteApp app) : MeetingTownFilterTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class MeetingTownFilterTestsPostgres(PostgresApp app) : MeetingTownFilterTests<PostgresApp>(app);
