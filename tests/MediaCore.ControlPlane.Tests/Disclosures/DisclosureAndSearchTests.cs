using System.Net;
using System.Net.Http.Headers;
using MediaCore.ControlPlane.Tests.Attendance;
using System.Net.Http.Json;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Disclosures;

public abstract class DisclosureAndSearchTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private static MultipartFormDataContent Form(int siteId, string category, string month, string title, byte[] file)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(siteId.ToString()), "siteId" },
            { new StringContent(category), "category" },
            { new StringContent(month), "month" },
            { new StringContent(title), "title" },
            { new StringContent("村务公开栏照片"), "description" },
        };
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(content, "file", "公开栏.jpg");
        return form;
    }

    [Fact]
    public async Task Upload_VillageOperator_StoredListedAndServed()
    {
        var ids = await app.SeedAsync();
        var village = await app.LoginAsync(ids.OwnOperator);
        var jpeg = IngestTests<TApp>.DemoJpeg();
        var title = "十二月财务公开" + Guid.NewGuid().ToString("N")[..4];
        var resp = await village.PostAsync("/api/disclosures", Form(ids.OwnVillage, "finance", "2026-12", title, jpeg));
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        var created = await resp.ReadAsync();
        var list = await village.GetJsonAsync($"/api/disclosures?siteId={ids.OwnVillage}&month=2026-12&category=finance");
        Assert.Contains(list["items"]!.AsArray(), d => (string)d!["title"]! == title);
        var content = await village.GetAsync((string)created["url"]!);
        Assert.Equal(jpeg, await content.Content.ReadAsByteArrayAsync());
        await (await (await app.LoginAsync("yushan")).GetAsync((string)created["url"]!)).AssertProblemAsync(404);
    }

    [Fact]
    public async Task Upload_BadInput_400_ForeignVillage_403()
    {
        var ids = await app.SeedAsync();
        var village = await app.LoginAsync(ids.OwnOperator);
        var jpeg = IngestTests<TApp>.DemoJpeg();
        await (await village.PostAsync("/api/disclosures", Form(ids.OwnVillage, "gossip", "2026-12", "x", jpeg))).AssertProblemAsync(400);
        await (await village.PostAsync("/api/disclosures", Form(ids.OwnVillage, "finance", "Dec", "x", jpeg))).AssertProblemAsync(400);
        await (await village.PostAsync("/api/disclosures", Form(ids.OwnVillage, "finance", "2026-12", "x", "not an image"u8.ToArray()))).AssertProblemAsync(400);
        await (await village.PostAsync("/api/disclosures", Form(ids.ForeignVillage, "finance", "2026-12", "x", jpeg))).AssertProblemAsync(403);
    }

    [Fact]
    public async Task Missing_Town_ListsVillagesWithoutUploadsForMonth()
    {
        var ids = await app.SeedAsync();
        var town = await app.LoginAsync("jinshui");
        var missing = (await town.GetJsonAsync("/api/disclosures/missing?month=2027-03")).AsArray();
        Assert.Equal(25, missing.Count); // nobody uploaded for a future month yet
        Assert.All(missing, m => Assert.Equal(3, m!["missingCategories"]!.AsArray().Count));
        var village = await app.LoginAsync(ids.OwnOperator);
        await village.PostAsync("/api/disclosures", Form(ids.OwnVillage, "partyAffairs", "2027-03", "三月党务公开", IngestTests<TApp>.DemoJpeg()));
        var after = (await town.GetJsonAsync("/api/disclosures/missing?month=2027-03")).AsArray();
        var own = after.Single(m => (int)m!["siteId"]! == ids.OwnVillage)!;
        Assert.Equal(["villageAffairs", "finance"], own["missingCategories"]!.AsArray().Select(c => (string)c!));
    }

    [Fact]
    public async Task Search_ChineseText_FindsAcrossTypesInScopeOnly()
    {
        var town = await app.LoginAsync("jinshui");
        var hits = (await town.GetJsonAsync("/api/search?q=东关村&pageSize=500"))["items"]!.AsArray();
        Assert.Contains(hits, h => (string)h!["type"]! == "site");
        Assert.Contains(hits, h => (string)h!["type"]! == "meeting");
        Assert.Contains(hits, h => (string)h!["type"]! == "disclosure");
        Assert.All(hits, h => Assert.Equal("东关村", (string)h!["siteName"]!));
        var foreign = (await (await app.LoginAsync("yushan")).GetJsonAsync("/api/search?q=东关村"))["items"]!.AsArray();
        Assert.Empty(foreign);
    }

    [Fact]
    public async Task Search_TypeAndTimeRange_FiltersMeetings()
    {
        var town = await app.LoginAsync("jinshui");
        var hits = (await town.GetJsonAsync("/api/search?q=主题党日&type=meeting&from=2026-10-01T00:00:00%2B08:00&to=2026-10-31T00:00:00%2B08:00&pageSize=500"))["items"]!.AsArray();
        Assert.NotEmpty(hits);
        Assert.All(hits, h =>
        {
            Assert.Equal("meeting", (string)h!["type"]!);
            var at = DateTimeOffset.Parse((string)h["at"]!);
            Assert.Equal(10, at.Month);
        });
        await (await town.GetAsync("/api/search?q=x&type=planet")).AssertProblemAsync(400);
        await (await town.GetAsync("/api/search")).AssertProblemAsync(400);
    }

    [Fact]
    public async Task People_CreateUpdateAndFilter()
    {
        var ids = await app.SeedAsync();
        var village = await app.LoginAsync(ids.OwnOperator);
        var created = await (await village.PostJsonAsync("/api/people", new { siteId = ids.OwnVillage, name = "李秀英", role = "committeeMember", phone = "13800000000" })).ReadAsync();
        var id = (int)created["id"]!;
        var updated = await (await village.PutAsJsonAsync($"/api/people/{id}", new { role = "secretary" })).ReadAsync();
        Assert.Equal("secretary", (string)updated["role"]!);
        var list = await village.GetJsonAsync($"/api/people?siteId={ids.OwnVillage}&role=secretary&q=李秀英");
        Assert.Contains(list["items"]!.AsArray(), p => (int)p!["id"]! == id);
        await (await village.PostJsonAsync("/api/people", new { siteId = ids.OwnVillage, name = "" })).AssertProblemAsync(400);
        await (await village.GetAsync("/api/people?role=emperor")).AssertProblemAsync(400);
    }

    [Fact]
    public async Task Sites_TreeAndDeviceKey_TownSeesItsVillagesAndRegistersMachine()
    {
        var ids = await app.SeedAsync();
        var town = await app.LoginAsync("jinshui");
        var tree = (await town.GetJsonAsync("/api/sites/tree")).AsArray();
        Assert.Single(tree);
        Assert.Equal(25, tree[0]!["children"]!.AsArray().Count);
        var code = "TEST-ATT-" + Guid.NewGuid().ToString("N")[..6];
        var created = await (await town.PostJsonAsync($"/api/sites/{ids.OwnVillage}/devices", new { kind = "attendanceMachine", name = "新考勤机", code })).ReadAsync();
        var key = (string)created["key"]!;
        var person = (await town.GetJsonAsync($"/api/people?siteId={ids.OwnVillage}&pageSize=1"))["items"]![0]!;
        var resp = await app.DeviceClient(key).PostJsonAsync("/api/attendance/events",
            new { eventId = "newdev-" + Guid.NewGuid().ToString("N"), personId = (int)person["id"]!, method = "face", occurredAt = ControlPlaneApp.Now });
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        await (await town.PostJsonAsync($"/api/sites/{ids.OwnVillage}/devices", new { kind = "attendanceMachine", name = "重复", code })).AssertProblemAsync(409);
        var deviceId = (int)created["device"]!["id"]!;
        var disabled = await (await town.PutAsJsonAsync($"/api/sites/{ids.OwnVillage}/devices/{deviceId}", new { enabled = false })).ReadAsync();
        Assert.False((bool)disabled["enabled"]!);
        await (await app.DeviceClient(key).PostJsonAsync("/api/attendance/events",
            new { eventId = "disabled-" + Guid.NewGuid().ToString("N"), personId = (int)person["id"]!, method = "face", occurredAt = ControlPlaneApp.Now })).AssertProblemAsync(401);
        await (await (await app.LoginAsync("yushan")).PutAsJsonAsync($"/api/sites/{ids.OwnVillage}/devices/{deviceId}", new { enabled = true })).AssertProblemAsync(404);
        await (await town.GetAsync("/api/sites?kind=galaxy")).AssertProblemAsync(400);
    }

    [Fact]
    public async Task CreateSite_CountyAddsVillageUnderTown_InScopeOfThatTownOnly()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var code = "T" + Guid.NewGuid().ToString("N")[..10];
        var resp = await admin.PostJsonAsync("/api/sites", new { parentId = ids.ForeignTown, kind = "village", name = "新建村", code });
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        var id = (int)(await resp.ReadAsync())["id"]!;
        Assert.Equal("新建村", (string)(await (await app.LoginAsync("yushan")).GetJsonAsync($"/api/sites/{id}"))["site"]!["name"]!);
        await (await (await app.LoginAsync("jinshui")).GetAsync($"/api/sites/{id}")).AssertProblemAsync(404);
        await (await admin.PostJsonAsync("/api/sites", new { parentId = ids.ForeignTown, kind = "village", name = "重复村", code })).AssertProblemAsync(409);
        await (await admin.PostJsonAsync("/api/sites", new { parentId = ids.ForeignTown, kind = "town", name = "错层", code = code + "x" })).AssertProblemAsync(400);
        await (await (await app.LoginAsync("jinshui")).PostJsonAsync("/api/sites", new { parentId = ids.ForeignTown, kind = "village", name = "越权村", code = code + "y" })).AssertProblemAsync(403);
        await (await (await app.LoginAsync(ids.OwnOperator)).PostJsonAsync("/api/sites", new { parentId = ids.OwnTown, kind = "village", name = "越权村", code = code + "z" })).AssertProblemAsync(403);
    }

    [Fact]
    public async Task OpenApi_Document_ListsFeatureEndpoints()
    {
        var doc = await app.CreateClient().GetJsonAsync("/openapi/v1.json");
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var p in new[] { "/api/auth/login", "/api/attendance/events/batch", "/api/webhooks/mediaserver", "/api/rankings/villages", "/api/disclosures", "/api/media-tokens", "/api/search" })
            Assert.Contains(p, paths);
        Assert.NotNull(doc["components"]!["securitySchemes"]!["bearer"]);
        Assert.NotNull(doc["components"]!["securitySchemes"]!["deviceKey"]);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class DisclosureAndSearchTestsSqlite(SqliteApp app) : DisclosureAndSearchTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class DisclosureAndSearchTestsPostgres(PostgresApp app) : DisclosureAndSearchTests<PostgresApp>(app);
