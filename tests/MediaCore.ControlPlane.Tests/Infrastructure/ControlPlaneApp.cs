using System.Net.Http.Headers;
using System.Net.Http.Json;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.ControlPlane.Tests.Infrastructure;

/// <summary>Storage a test host runs on.</summary>
public enum Provider { Sqlite, Postgres }

/// <summary>
/// The ControlPlane through its real HTTP pipeline (WebApplicationFactory), on a fresh SQLite file or a
/// fresh PostgreSQL database, seeded with the Pingyin demo data at a fixed "now".
/// </summary>
public abstract class ControlPlaneApp : WebApplicationFactory<Program>
{
    /// <summary>The fixed "now" of every test host: Thursday 2026-11-26 10:00 in Asia/Shanghai.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 2, 0, 0, TimeSpan.Zero);

    public const string Password = "Demo@2026";
    public const string MediaSecret = "test-media-token-secret-0123456789abcdef";
    public const string WebhookSecret = "test-webhook-secret";
    public const string TurnSecret = "test-turn-secret";
    public const string TurnUrl = "turn:turn.example.test:3478?transport=udp";
    public const string PublicMediaServerUrl = "https://media.example.test:8444";
    public const string SipServer = "192.0.2.10";
    /// <summary>The pilot town's own MediaServer node (a cluster: ControlPlane:MediaNodes maps 锦水街道, code 370124002, to it).</summary>
    public const string PilotTownNodeUrl = "https://jinshui.media.example.test:8444";

    private readonly string? _sqlitePath;
    private readonly string? _postgres;

    protected ControlPlaneApp(Provider provider)
    {
        Provider = provider;
        if (provider == Provider.Sqlite) _sqlitePath = Path.Combine(Path.GetTempPath(), $"cp-test-{Guid.NewGuid():N}.db");
        else _postgres = Postgres.CreateDatabase();
    }

    public Provider Provider { get; }
    public ManualTimeProvider Clock { get; } = new(Now);

    /// <summary>The MediaServer stand-in the host calls for snapshots.</summary>
    public StubMediaServer MediaServer { get; } = new(MediaSecret);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ControlPlane:SqlitePath", _sqlitePath ?? "unused.db");
        builder.UseSetting("ControlPlane:PostgresConnectionString", _postgres ?? "");
        builder.UseSetting("ControlPlane:SeedDemoData", "true");
        builder.UseSetting("ControlPlane:SeedHistoryMonths", "1");
        builder.UseSetting("ControlPlane:DemoPassword", Password);
        builder.UseSetting("ControlPlane:JwtSigningKey", "test-jwt-signing-key-0123456789abcdef0123456789");
        builder.UseSetting("ControlPlane:MediaTokenSecret", MediaSecret);
        builder.UseSetting("ControlPlane:WebhookSecret", WebhookSecret);
        builder.UseSetting("ControlPlane:MediaServerUrl", MediaServer.Url);
        builder.UseSetting("ControlPlane:PublicMediaServerUrl", PublicMediaServerUrl);
        builder.UseSetting("ControlPlane:Turn:Urls:0", TurnUrl);
        builder.UseSetting("ControlPlane:MediaNodes:0:Url", PilotTownNodeUrl);
        builder.UseSetting("ControlPlane:MediaNodes:0:Sites:0", "370124002");
        builder.UseSetting("ControlPlane:Turn:Secret", TurnSecret);
        builder.UseSetting("ControlPlane:Sip:Server", SipServer);
        builder.UseSetting("ControlPlane:Turn:CredentialMinutes", "60");
        builder.UseSetting("ControlPlane:EnableSnapshotWorker", "false");
        builder.UseSetting("ControlPlane:LoginAttemptsPerMinute", "1000000");
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
        Customize(builder);
    }

    /// <summary>Extra settings of a specialised host (applied last).</summary>
    protected virtual void Customize(IWebHostBuilder builder) { }

    /// <summary>A client logged in as <paramref name="userName"/>.</summary>
    public async Task<HttpClient> LoginAsync(string userName)
    {
        var client = CreateClient();
        var resp = await client.PostAsJsonAsync("/api/auth/login", new { userName, password = Password });
        resp.EnsureSuccessStatusCode();
        var body = await resp.Content.ReadFromJsonAsync<LoginBody>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body!.Token);
        return client;
    }

    /// <summary>A client authenticated as an attendance machine.</summary>
    public HttpClient DeviceClient(string deviceKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Device-Key", deviceKey);
        return client;
    }

    /// <summary>Posts a MediaServer webhook (JSON of <paramref name="payload"/>) signed with <paramref name="secret"/> (null: unsigned).</summary>
    public Task<HttpResponseMessage> WebhookAsync(object payload, string? secret = WebhookSecret) =>
        WebhookRawAsync(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(payload, System.Text.Json.JsonSerializerOptions.Web), secret);

    /// <summary>Posts these exact webhook bytes, signed as MediaServer signs them (null: unsigned).</summary>
    public async Task<HttpResponseMessage> WebhookRawAsync(byte[] body, string? secret = WebhookSecret)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        if (secret is not null) content.Headers.Add(MediaCore.ControlPlane.Meetings.WebhookEndpoints.SignatureHeader, MediaCore.ControlPlane.Meetings.WebhookEndpoints.Sign(body, secret));
        return await CreateClient().PostAsync("/api/webhooks/mediaserver", content);
    }

    /// <summary>Runs a query against the host's database.</summary>
    public async Task<T> DbAsync<T>(Func<ControlPlaneDb, Task<T>> query)
    {
        using var scope = Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<ControlPlaneDb>());
    }

    /// <summary>Well-known seeded ids, looked up once.</summary>
    public async Task<SeedIds> SeedAsync() => _seed ??= await DbAsync(async db =>
    {
        var jinshui = await db.Sites.SingleAsync(s => s.Name == "锦水街道");
        var yushan = await db.Sites.SingleAsync(s => s.Name == "榆山街道");
        var own = await db.Sites.SingleAsync(s => s.Name == "东关村");
        var ownOther = await db.Sites.SingleAsync(s => s.Name == "西关村");
        var foreign = await db.Sites.Where(s => s.ParentId == yushan.Id).OrderBy(s => s.Code).FirstAsync();
        var ownPerson = await db.People.Where(p => p.SiteId == own.Id).OrderBy(p => p.Id).FirstAsync();
        var foreignPerson = await db.People.Where(p => p.SiteId == foreign.Id).OrderBy(p => p.Id).FirstAsync();
        var ownMeeting = await db.Meetings.Where(m => m.SiteId == own.Id).OrderBy(m => m.Id).FirstAsync();
        var foreignMeeting = await db.Meetings.Where(m => m.SiteId == foreign.Id).OrderBy(m => m.Id).FirstAsync();
        var ownDevice = await db.Devices.SingleAsync(d => d.SiteId == own.Id && d.Kind == DeviceKind.AttendanceMachine);
        var foreignDevice = await db.Devices.SingleAsync(d => d.SiteId == foreign.Id && d.Kind == DeviceKind.AttendanceMachine);
        var county = await db.Sites.SingleAsync(s => s.Kind == SiteKind.County);
        return new SeedIds(county.Id, jinshui.Id, yushan.Id, own.Id, ownOther.Id, foreign.Id, ownPerson.Id, foreignPerson.Id, ownMeeting.Id, foreignMeeting.Id,
            ownDevice.Id, DemoSeeder.DemoDeviceKey(ownDevice.Code), foreignDevice.Id, DemoSeeder.DemoDeviceKey(foreignDevice.Code),
            (await db.Users.SingleAsync(u => u.SiteId == own.Id)).UserName, (await db.Users.SingleAsync(u => u.SiteId == foreign.Id)).UserName);
    });

    private SeedIds? _seed;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        MediaServer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_postgres is not null) Postgres.DropDatabase(_postgres);
        if (_sqlitePath is not null)
            foreach (var f in new[] { _sqlitePath, _sqlitePath + "-wal", _sqlitePath + "-shm" }) File.Delete(f);
    }

    private sealed record LoginBody(string Token);
}

/// <summary>Ids in the seeded data that tests use: "own" is under 锦水街道, "foreign" under 榆山街道.</summary>
public sealed record SeedIds(int County, int OwnTown, int ForeignTown, int OwnVillage, int OwnOtherVillage, int ForeignVillage,
    int OwnPerson, int ForeignPerson, int OwnMeeting, int ForeignMeeting, int OwnDevice, string OwnDeviceKey, int ForeignDevice, string ForeignDeviceKey,
    string OwnOperator, string ForeignOperator);

/// <summary>SQLite-backed host.</summary>
public sealed class SqliteApp() : ControlPlaneApp(Provider.Sqlite);

/// <summary>An unseeded (production-style) SQLite host with a login limit of 3 per minute.</summary>
public sealed class RateLimitedApp() : ControlPlaneApp(Provider.Sqlite)
{
    public const string AdminPassword = "Bootstrap#2026";

    protected override void Customize(IWebHostBuilder builder)
    {
        builder.UseSetting("ControlPlane:SeedDemoData", "false");
        builder.UseSetting("ControlPlane:AdminPassword", AdminPassword);
        builder.UseSetting("ControlPlane:LoginAttemptsPerMinute", "3");
    }
}

/// <summary>PostgreSQL-backed host.</summary>
public sealed class PostgresApp() : ControlPlaneApp(Provider.Postgres);

/// <summary>All SQLite API tests share one seeded host and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class SqliteCollection : ICollectionFixture<SqliteApp> { public const string Name = "sqlite"; }

/// <summary>All PostgreSQL API tests share one seeded host and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresApp> { public const string Name = "postgres"; }
