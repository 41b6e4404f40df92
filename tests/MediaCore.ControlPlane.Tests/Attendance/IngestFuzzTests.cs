using System.Text;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Attendance;

/// <summary>Mutated check-in bodies through the real pipeline: always a 2xx or a 4xx problem, never a 500.</summary>
public abstract class IngestFuzzTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    [Fact]
    public async Task PostEvent_500MutatedBodies_NeverServerError()
    {
        var ids = await app.SeedAsync();
        var device = app.DeviceClient(ids.OwnDeviceKey);
        var seed = Encoding.UTF8.GetBytes(
            $"{{\"eventId\":\"fuzz000\",\"personId\":{ids.OwnPerson},\"method\":\"face\",\"occurredAt\":\"2026-11-26T01:58:00Z\",\"deviceId\":{ids.OwnDevice},\"photo\":null}}");
        var rng = new Random(1126);
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < 500; i++)
        {
            var body = (byte[])seed.Clone();
            var idText = Encoding.UTF8.GetBytes($"fz{app.Provider.ToString()[0]}{i:D4}");
            idText.CopyTo(body, 12); // replaces "fuzz000" (same length), so accepted events never collide
            var flips = rng.Next(0, 6);
            for (var f = 0; f < flips; f++) body[rng.Next(body.Length)] = (byte)rng.Next(32, 127);
            if (rng.Next(10) == 0) body = body[..rng.Next(body.Length)];
            using var resp = await device.PostAsync(rng.Next(4) == 0 ? "/api/attendance/events/batch" : "/api/attendance/events",
                new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
            var status = (int)resp.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status is 200 or 201 or 400 or 403 or 422, $"body {Encoding.UTF8.GetString(body)} -> {status}: {await resp.Content.ReadAsStringAsync()}");
            if (status >= 400) Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
        }
        // The mutations must exercise both paths, or the test proves nothing.
        Assert.True(statuses.GetValueOrDefault(201) > 0 && statuses.GetValueOrDefault(400) > 0, string.Join(", ", statuses));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class IngestFuzzTestsSqlite(SqliteApp app) : IngestFuzzTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class IngestFuzzTestsPostgres(PostgresApp app) : IngestFuzzTests<PostgresApp>(app);
