using System.Collections.Concurrent;
using System.Net.Http.Json;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Auth;

/// <summary>Role x endpoint x own/foreign town. "Own" is under 锦水街道 (the village operator's own village
/// 东关村); "foreign" is a village of 榆山街道. Out-of-scope access must end in 403 or 404, never 2xx.</summary>
public static class AuthorizationMatrix
{
    // Expected status per role for own / foreign: county, town, village, lecturer, device, anonymous.
    private static readonly (string Endpoint, int[] Own, int[] Foreign)[] Table =
    [
        ("GET site", [200, 200, 200, 403, 403, 401], [200, 404, 404, 403, 403, 401]),
        ("GET site devices", [200, 200, 200, 403, 403, 401], [200, 404, 404, 403, 403, 401]),
        ("GET people by site", [200, 200, 200, 403, 403, 401], [200, 403, 403, 403, 403, 401]),
        ("GET person", [200, 200, 200, 403, 403, 401], [200, 404, 404, 403, 403, 401]),
        ("POST person", [201, 201, 201, 403, 403, 401], [201, 403, 403, 403, 403, 401]),
        ("GET meetings by site", [200, 200, 200, 403, 403, 401], [200, 403, 403, 403, 403, 401]),
        ("GET meeting", [200, 200, 200, 403, 403, 401], [200, 404, 404, 403, 403, 401]),
        ("POST meeting", [201, 201, 201, 403, 403, 401], [201, 403, 403, 403, 403, 401]),
        ("POST review", [200, 200, 403, 403, 403, 401], [200, 404, 403, 403, 403, 401]),
        ("GET check-ins by site", [200, 200, 200, 403, 403, 401], [200, 403, 403, 403, 403, 401]),
        ("GET duty daily", [200, 200, 200, 403, 403, 401], [200, 403, 403, 403, 403, 401]),
        ("GET village ranking", [200, 200, 403, 403, 403, 401], [200, 403, 403, 403, 403, 401]),
        ("GET compliance", [200, 200, 403, 403, 403, 401], [200, 403, 403, 403, 403, 401]),
        ("GET missing disclosures", [200, 200, 403, 403, 403, 401], [200, 403, 403, 403, 403, 401]),
        ("GET disclosures by site", [200, 200, 200, 403, 403, 401], [200, 403, 403, 403, 403, 401]),
        ("POST observer token", [200, 200, 403, 404, 403, 401], [200, 404, 404, 404, 403, 401]),
        ("POST check-in", [403, 403, 403, 403, 201, 401], [403, 403, 403, 403, 403, 401]),
    ];

    public static readonly string[] Roles = ["county", "town", "village", "lecturer", "device", "anonymous"];

    public static TheoryData<string, string, bool, int> Cases()
    {
        var data = new TheoryData<string, string, bool, int>();
        foreach (var (endpoint, own, foreign) in Table)
            for (var r = 0; r < Roles.Length; r++)
            {
                data.Add(Roles[r], endpoint, true, own[r]);
                data.Add(Roles[r], endpoint, false, foreign[r]);
            }
        return data;
    }
}

public abstract class AuthorizationMatrixTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private static readonly ConcurrentDictionary<(ControlPlaneApp, string), HttpClient> Clients = new();
    private static int _counter;

    [Theory]
    [MemberData(nameof(AuthorizationMatrix.Cases), MemberType = typeof(AuthorizationMatrix))]
    public async Task Endpoint_RoleAndTown_ExpectedStatus(string role, string endpoint, bool own, int expected)
    {
        var ids = await app.SeedAsync();
        var client = await ClientAsync(role, ids);
        var village = own ? ids.OwnVillage : ids.ForeignVillage;
        var town = own ? ids.OwnTown : ids.ForeignTown;
        var n = Interlocked.Increment(ref _counter);
        using var resp = endpoint switch
        {
            "GET site" => await client.GetAsync($"/api/sites/{village}"),
            "GET site devices" => await client.GetAsync($"/api/sites/{village}/devices"),
            "GET people by site" => await client.GetAsync($"/api/people?siteId={village}"),
            "GET person" => await client.GetAsync($"/api/people/{(own ? ids.OwnPerson : ids.ForeignPerson)}"),
            "POST person" => await client.PostAsJsonAsync("/api/people", new { siteId = village, name = "测试党员" + n, role = "partyMember" }),
            "GET meetings by site" => await client.GetAsync($"/api/meetings?siteId={village}"),
            "GET meeting" => await client.GetAsync($"/api/meetings/{(own ? ids.OwnMeeting : ids.ForeignMeeting)}"),
            "POST meeting" => await client.PostAsJsonAsync("/api/meetings", new { siteId = village, kind = "partyLesson", title = "党课" + n }),
            "POST review" => await client.PostAsJsonAsync($"/api/meetings/{(own ? ids.OwnMeeting : ids.ForeignMeeting)}/review", new { decision = "approve", comment = "同意" }),
            "GET check-ins by site" => await client.GetAsync($"/api/attendance/events?siteId={village}&pageSize=5"),
            "GET duty daily" => await client.GetAsync($"/api/duty/daily?siteId={village}"),
            "GET village ranking" => await client.GetAsync($"/api/rankings/villages?townId={town}"),
            "GET compliance" => await client.GetAsync($"/api/meetings/compliance?townId={town}"),
            "GET missing disclosures" => await client.GetAsync($"/api/disclosures/missing?townId={town}"),
            "GET disclosures by site" => await client.GetAsync($"/api/disclosures?siteId={village}"),
            "POST observer token" => await client.PostAsJsonAsync("/api/media-tokens",
                new { room = await app.DbAsync(db => Task.FromResult(db.Meetings.Single(m => m.Id == (own ? ids.OwnMeeting : ids.ForeignMeeting)).Room)), role = "observer" }),
            "POST check-in" => await client.PostAsJsonAsync("/api/attendance/events", new
            {
                eventId = $"matrix-{app.Provider}-{n}", personId = ids.OwnPerson, method = "face",
                occurredAt = ControlPlaneApp.Now.AddMinutes(-1), deviceId = own ? ids.OwnDevice : ids.ForeignDevice,
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };
        var body = await resp.Content.ReadAsStringAsync();
        Assert.True(expected == (int)resp.StatusCode, $"{role} {endpoint} ({(own ? "own" : "foreign")}): expected {expected}, got {(int)resp.StatusCode} {body}");
        if (expected >= 400) Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
    }

    private async Task<HttpClient> ClientAsync(string role, SeedIds ids)
    {
        if (Clients.TryGetValue((app, role), out var c)) return c;
        c = role switch
        {
            "county" => await app.LoginAsync("admin"),
            "town" => await app.LoginAsync("jinshui"),
            "village" => await app.LoginAsync(ids.OwnOperator),
            "lecturer" => await app.LoginAsync("lecturer"),
            "device" => app.DeviceClient(ids.OwnDeviceKey),
            _ => app.CreateClient(),
        };
        return Clients.GetOrAdd((app, role), c);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class AuthorizationMatrixTestsSqlite(SqliteApp app) : AuthorizationMatrixTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class AuthorizationMatrixTestsPostgres(PostgresApp app) : AuthorizationMatrixTests<PostgresApp>(app);
