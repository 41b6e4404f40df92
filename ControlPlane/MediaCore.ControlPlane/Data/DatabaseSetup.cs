using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Data;

/// <summary>Chooses the provider, applies migrations and seeds demo data.</summary>
public static class DatabaseSetup
{
    /// <summary>Registers <see cref="ControlPlaneDb"/>: PostgreSQL when configured, else the SQLite file.</summary>
    public static IServiceCollection AddControlPlaneDb(this IServiceCollection services)
    {
        // Options are read when the context is built, so every configuration source (including a test
        // host's overrides) has been applied.
        services.AddDbContext<ControlPlaneDb>((sp, b) =>
        {
            var options = sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value;
            if (!string.IsNullOrWhiteSpace(options.PostgresConnectionString))
                b.UseNpgsql(options.PostgresConnectionString);
            else
                b.UseSqlite(SqliteConnectionString(options.SqlitePath)).AddInterceptors(SqlitePragmas.Instance);
            // The migrations are provider-neutral (see ControlPlaneDb), so each provider's snapshot diff
            // differs in annotations only; the schema itself is checked by the tests on both providers.
            b.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        return services;
    }

    /// <summary>Connection string of the SQLite file.</summary>
    public static string SqliteConnectionString(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();

    /// <summary>Applies migrations and, on an empty database, seeds the demo data.</summary>
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken ct = default)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlPlaneDb>();
        var options = scope.ServiceProvider.GetRequiredService<IOptions<ControlPlaneOptions>>().Value;
        if (db.Database.IsSqlite())
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(options.SqlitePath));
            if (dir is not null) Directory.CreateDirectory(dir);
        }
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        // A database from before Meetings.AttendeeCount existed: count its meetings' attendees once (one UPDATE).
        if (pending.Any(m => m.EndsWith("_MeetingAttendeeCount", StringComparison.Ordinal)))
            await Meetings.MeetingAttendance.RecountAsync(db, db.Meetings.Where(m => m.StartedAtUtc != null), ct);
        if (db.Database.IsSqlite())
            // WAL survives in the file; with synchronous=FULL (per connection, below) a commit is on disk
            // before SaveChanges returns, which is what "durable before 2xx" needs.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        if (db.Database.IsSqlite())
            // Table statistics for the query planner, refreshed where they are missing or stale (SQLite's recommended
            // start-up call; cheap when nothing changed). PostgreSQL's autovacuum does the same by itself.
            await db.Database.ExecuteSqlRawAsync("PRAGMA optimize=0x10002;", ct);
        if (await db.Sites.AnyAsync(ct)) return;
        if (options.SeedDemoData)
            await ActivatorUtilities.CreateInstance<DemoSeeder>(scope.ServiceProvider).SeedAsync(ct);
        else if (!string.IsNullOrEmpty(options.AdminPassword))
            await BootstrapAsync(db, options, scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.PasswordHasher<User>>(), ct);
    }

    /// <summary>A production start on an empty database: the county site and its first administrator.</summary>
    private static async Task BootstrapAsync(ControlPlaneDb db, ControlPlaneOptions options,
        Microsoft.AspNetCore.Identity.PasswordHasher<User> hasher, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var county = new Site { Name = options.CountyName, Code = options.CountyCode, Kind = SiteKind.County };
        db.Sites.Add(county);
        await db.SaveChangesAsync(ct);
        county.Path = $"/{county.Id}/";
        var admin = new User { UserName = "admin", DisplayName = options.CountyName + "管理员", PasswordHash = "", Role = UserRole.CountyAdmin, SiteId = county.Id };
        admin.PasswordHash = hasher.HashPassword(admin, options.AdminPassword!);
        db.Users.Add(admin);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();
        private const string Sql = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = Sql;
            cmd.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken ct = default)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = Sql;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}

/// <summary>Runs <see cref="DatabaseSetup.InitializeAsync"/> at host start, before Kestrel listens.</summary>
internal sealed class DatabaseInitializer(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => DatabaseSetup.InitializeAsync(services, ct);
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
