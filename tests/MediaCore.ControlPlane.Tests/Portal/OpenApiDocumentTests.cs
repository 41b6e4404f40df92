using System.Text.Json.Nodes;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Portal;

/// <summary>
/// The Portal's API types are generated from Portal/src/api/openapi.json; this test keeps that copy equal to
/// what the service serves, so a renamed field reaches the Portal's type-check (test.sh runs it) instead of
/// the user. To refresh after an API change: run this test with UPDATE_PORTAL_OPENAPI=1, then
/// `cd Portal && npm run gen:api` and commit both files.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class OpenApiDocumentTests(SqliteApp app)
{
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MediaCore.sln"))) return dir.FullName;
        throw new InvalidOperationException("MediaCore.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The served document without its "servers" (the test host's address).</summary>
    public static string Normalize(string json)
    {
        var doc = JsonNode.Parse(json)!.AsObject();
        doc.Remove("servers");
        return doc.ToJsonString(new System.Text.Json.JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }).Replace("\r\n", "\n") + "\n";
    }

    [Fact]
    public async Task OpenApiDocument_EqualsPortalCopy()
    {
        var served = Normalize(await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        var path = Path.Combine(RepositoryRoot(), "Portal", "src", "api", "openapi.json");
        if (Environment.GetEnvironmentVariable("UPDATE_PORTAL_OPENAPI") == "1") await File.WriteAllTextAsync(path, served);
        var committed = File.Exists(path) ? Normalize(await File.ReadAllTextAsync(path)) : "(missing)";
        Assert.True(served == committed,
            "Portal/src/api/openapi.json differs from the served /openapi/v1.json. Refresh it: UPDATE_PORTAL_OPENAPI=1 dotnet test " +
            "tests/MediaCore.ControlPlane.Tests --filter OpenApiDocument_EqualsPortalCopy, then `cd Portal && npm run gen:api` and commit both.");
    }

    [Fact]
    public async Task OpenApiDocument_ListEndpoints_DeclareTheirRows()
    {
        var doc = JsonNode.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        foreach (var path in new[] { "/api/meetings", "/api/people", "/api/attendance/events", "/api/disclosures", "/api/rankings/towns",
                     "/api/rankings/villages", "/api/duty/daily", "/api/duty/people", "/api/meetings/compliance", "/api/meetings/stats" })
        {
            var content = doc["paths"]![path]!["get"]!["responses"]!["200"]!["content"];
            Assert.True(content?["application/json"]?["schema"] is not null, $"{path} has no JSON schema for 200");
        }
        // Numbers are written as numbers: no "integer or string" unions in the schemas clients generate from.
        var id = doc["components"]!["schemas"]!["MeetingDto"]!["properties"]!["id"]!;
        Assert.Equal("integer", id["type"]!.GetValue<string>());
    }
}
