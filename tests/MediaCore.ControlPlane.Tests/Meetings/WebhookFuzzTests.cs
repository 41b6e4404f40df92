using System.Text;
using MediaCore.ControlPlane.Meetings;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Meetings;

/// <summary>Correctly signed but mutated webhook bodies: a 2xx or a 400 problem, never a 500.</summary>
public abstract class WebhookFuzzTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    [Fact]
    public async Task Receive_500MutatedSignedBodies_NeverServerError()
    {
        var ids = await app.SeedAsync();
        // A meeting of its own: the mutated joins reopen and reshape it, which must not disturb other tests.
        var admin = await app.LoginAsync("admin");
        var room = (string)(await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.OwnVillage, kind = "partyLesson", title = "模糊测试" })).ReadAsync())["room"]!;
        var seed = Encoding.UTF8.GetBytes(
            $"{{\"event\":\"participant_joined\",\"room\":\"{room}\",\"participantId\":\"site:{ids.OwnVillage}\",\"role\":\"host\",\"at\":\"2026-11-20T01:00:00Z\",\"nodeId\":\"n1\"}}");
        var rng = new Random(2611);
        var client = app.CreateClient();
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < 500; i++)
        {
            var body = (byte[])seed.Clone();
            var flips = rng.Next(1, 6);
            for (var f = 0; f < flips; f++) body[rng.Next(body.Length)] = (byte)rng.Next(0, 256);
            if (rng.Next(10) == 0) body = body[..rng.Next(body.Length)];
            var content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } };
            content.Headers.Add(WebhookEndpoints.SignatureHeader, WebhookEndpoints.Sign(body, ControlPlaneApp.WebhookSecret));
            using var resp = await client.PostAsync("/api/webhooks/mediaserver", content);
            var status = (int)resp.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status is 200 or 202 or 400, $"body {Convert.ToHexString(body)} -> {status}: {await resp.Content.ReadAsStringAsync()}");
        }
        Assert.True(statuses.GetValueOrDefault(400) > 0 && statuses.GetValueOrDefault(200) + statuses.GetValueOrDefault(202) > 0, string.Join(", ", statuses));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class WebhookFuzzTestsSqlite(SqliteApp app) : WebhookFuzzTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class WebhookFuzzTestsPostgres(PostgresApp app) : WebhookFuzzTests<PostgresApp>(app);
