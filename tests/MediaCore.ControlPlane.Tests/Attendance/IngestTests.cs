using System.Net;
using System.Text;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Tests.Attendance;

public abstract class IngestTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private static string NewId(string tag) => $"{tag}-{Guid.NewGuid():N}";

    private object Event(string id, int person, DateTimeOffset? at = null, string method = "fingerprint", int? deviceId = null, string? photo = null) =>
        new { eventId = id, personId = person, method, occurredAt = at ?? ControlPlaneApp.Now.AddMinutes(-2), deviceId, photo };

    [Fact]
    public async Task PostEvent_New_Created201AndStored()
    {
        var ids = await app.SeedAsync();
        var id = NewId("one");
        var resp = await app.DeviceClient(ids.OwnDeviceKey).PostJsonAsync("/api/attendance/events", Event(id, ids.OwnPerson, deviceId: ids.OwnDevice));
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        var body = await resp.ReadAsync();
        Assert.Equal("created", (string)body["status"]!);
        var stored = await app.DbAsync(db => db.CheckIns.SingleAsync(c => c.EventId == id));
        Assert.Equal(ids.OwnVillage, stored.SiteId);
        Assert.Equal(CheckInMethod.Fingerprint, stored.Method);
        Assert.Equal(ControlPlaneApp.Now.AddMinutes(-2).UtcDateTime, stored.OccurredAtUtc);
    }

    [Fact]
    public async Task PostEvent_SameEventTwice_SecondIs200DuplicateAndStoredOnce()
    {
        var ids = await app.SeedAsync();
        var device = app.DeviceClient(ids.OwnDeviceKey);
        var id = NewId("dup");
        Assert.Equal(HttpStatusCode.Created, (await device.PostJsonAsync("/api/attendance/events", Event(id, ids.OwnPerson))).StatusCode);
        var second = await device.PostJsonAsync("/api/attendance/events", Event(id, ids.OwnPerson));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("duplicate", (string)(await second.ReadAsync())["status"]!);
        Assert.Equal(1, await app.DbAsync(db => db.CheckIns.CountAsync(c => c.EventId == id)));
    }

    [Fact]
    public async Task PostBatch_BacklogWithRepeats_StoresEachOnce()
    {
        var ids = await app.SeedAsync();
        var device = app.DeviceClient(ids.OwnDeviceKey);
        var events = Enumerable.Range(0, 50).Select(i => Event($"batch-{app.Provider}-{Guid.NewGuid():N}", ids.OwnPerson, ControlPlaneApp.Now.AddHours(-50 + i))).ToList();
        var first = await device.PostJsonAsync("/api/attendance/events/batch", new { events = events.Take(30) });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(30, (int)(await first.ReadAsync())["created"]!);
        // The machine lost the answer and re-sends everything, plus one event twice in the same batch.
        var again = await device.PostJsonAsync("/api/attendance/events/batch", new { events = events.Append(events[40]) });
        var body = await again.ReadAsync();
        Assert.Equal(20, (int)body["created"]!);
        Assert.Equal(31, (int)body["duplicates"]!);
        var eventIds = events.Select(e => (string)e.GetType().GetProperty("eventId")!.GetValue(e)!).ToList();
        Assert.Equal(50, await app.DbAsync(db => db.CheckIns.CountAsync(c => eventIds.Contains(c.EventId))));
    }

    [Fact]
    public async Task PostEvent_UnknownPerson_422NothingStored()
    {
        var ids = await app.SeedAsync();
        var id = NewId("ghost");
        var resp = await app.DeviceClient(ids.OwnDeviceKey).PostJsonAsync("/api/attendance/events", Event(id, 999_999));
        var problem = await resp.AssertProblemAsync(422);
        Assert.Contains("Unknown person", problem["errors"]!["personId"]![0]!.ToString());
        Assert.False(await app.DbAsync(db => db.CheckIns.AnyAsync(c => c.EventId == id)));
    }

    [Fact]
    public async Task PostEvent_FutureClock_422ClockSkew()
    {
        var ids = await app.SeedAsync();
        var resp = await app.DeviceClient(ids.OwnDeviceKey).PostJsonAsync("/api/attendance/events", Event(NewId("skew"), ids.OwnPerson, ControlPlaneApp.Now.AddHours(2)));
        var problem = await resp.AssertProblemAsync(422);
        Assert.Contains("Clock skew", problem["errors"]!["occurredAt"]![0]!.ToString());
    }

    [Fact]
    public async Task PostEvent_UnknownDeviceKey_401()
    {
        var ids = await app.SeedAsync();
        var resp = await app.DeviceClient("not-a-key").PostJsonAsync("/api/attendance/events", Event(NewId("nokey"), ids.OwnPerson));
        await resp.AssertProblemAsync(401);
    }

    [Fact]
    public async Task PostEvent_OtherDeviceId_403()
    {
        var ids = await app.SeedAsync();
        var resp = await app.DeviceClient(ids.OwnDeviceKey).PostJsonAsync("/api/attendance/events", Event(NewId("other"), ids.OwnPerson, deviceId: ids.ForeignDevice));
        await resp.AssertProblemAsync(403);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"eventId\":\"x1\",\"personId\":1,\"method\":\"retina\",\"occurredAt\":\"2026-11-26T01:00:00Z\"}")]
    [InlineData("{\"eventId\":\"has space\",\"personId\":1,\"method\":\"face\",\"occurredAt\":\"2026-11-26T01:00:00Z\"}")]
    [InlineData("{\"eventId\":\"x2\",\"method\":\"face\",\"occurredAt\":\"2026-11-26T01:00:00Z\"}")]
    [InlineData("{\"eventId\":\"x3\",\"personId\":1,\"method\":\"face\",\"occurredAt\":\"yesterday\"}")]
    [InlineData("{\"eventId\":\"x4\",\"personId\":1,\"method\":\"face\",\"occurredAt\":\"2026-11-26T01:00:00Z\",\"photo\":\"!!notbase64\"}")]
    [InlineData("{\"eventId\":\"x5\",\"personId\":1,\"method\":\"face\",\"occurredAt\":\"2026-11-26T01:00:00Z\",\"photo\":\"aGVsbG8=\"}")]
    public async Task PostEvent_Malformed_400Problem(string json)
    {
        var ids = await app.SeedAsync();
        var resp = await app.DeviceClient(ids.OwnDeviceKey).PostAsync("/api/attendance/events", new StringContent(json, Encoding.UTF8, "application/json"));
        await resp.AssertProblemAsync(400);
    }

    [Fact]
    public async Task PostBatch_OneBadEvent_400NamesItAndStoresNothing()
    {
        var ids = await app.SeedAsync();
        var good = NewId("good");
        var resp = await app.DeviceClient(ids.OwnDeviceKey).PostJsonAsync("/api/attendance/events/batch",
            new { events = new[] { Event(good, ids.OwnPerson), Event(NewId("bad"), ids.OwnPerson, method: "voice") } });
        var problem = await resp.AssertProblemAsync(400);
        Assert.NotNull(problem["errors"]!["events[1].method"]);
        Assert.False(await app.DbAsync(db => db.CheckIns.AnyAsync(c => c.EventId == good)));
    }

    [Fact]
    public async Task PostBatch_EmptyOrTooLarge_400()
    {
        var ids = await app.SeedAsync();
        var device = app.DeviceClient(ids.OwnDeviceKey);
        await (await device.PostJsonAsync("/api/attendance/events/batch", new { events = Array.Empty<object>() })).AssertProblemAsync(400);
        var tooMany = Enumerable.Range(0, 501).Select(i => Event($"big-{i}", ids.OwnPerson)).ToList();
        await (await device.PostJsonAsync("/api/attendance/events/batch", new { events = tooMany })).AssertProblemAsync(400);
    }

    [Fact]
    public async Task PostEvent_WithJpegPhoto_PhotoServedBack()
    {
        var ids = await app.SeedAsync();
        var jpeg = DemoJpeg();
        var resp = await app.DeviceClient(ids.OwnDeviceKey).PostJsonAsync("/api/attendance/events",
            Event(NewId("photo"), ids.OwnPerson, method: "face", photo: Convert.ToBase64String(jpeg)));
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        var id = (long)(await resp.ReadAsync())["id"]!;
        var town = await app.LoginAsync("jinshui");
        var detail = await town.GetJsonAsync($"/api/attendance/events/{id}");
        Assert.True((bool)detail["checkIn"]!["hasPhoto"]!);
        var photo = await town.GetAsync($"/api/attendance/events/{id}/photo");
        Assert.Equal("image/jpeg", photo.Content.Headers.ContentType?.MediaType);
        Assert.Equal(jpeg, await photo.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ListEvents_Paged_NewestFirstInScope()
    {
        var ids = await app.SeedAsync();
        var town = await app.LoginAsync("jinshui");
        var page = await town.GetJsonAsync($"/api/attendance/events?siteId={ids.OwnVillage}&pageSize=10&page=2");
        Assert.Equal(10, page["items"]!.AsArray().Count);
        Assert.Equal(2, (int)page["pageNumber"]!);
        Assert.True((int)page["total"]! > 10);
        var times = page["items"]!.AsArray().Select(i => DateTimeOffset.Parse((string)i!["occurredAt"]!)).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        Assert.All(page["items"]!.AsArray(), i => Assert.Equal(ids.OwnVillage, (int)i!["siteId"]!));
    }

    internal static byte[] DemoJpeg() => Convert.FromBase64String(
        (string)typeof(DemoSeeder).Assembly.GetType("MediaCore.ControlPlane.Data.DemoImage")!
            .GetField("Base64", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetRawConstantValue()!);
}

[Collection(SqliteCollection.Name)]
public sealed class IngestTestsSqlite(SqliteApp app) : IngestTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class IngestTestsPostgres(PostgresApp app) : IngestTests<PostgresApp>(app);
