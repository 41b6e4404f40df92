using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Tests.Infrastructure;
using MediaCore.ControlPlane.Tests.Meetings;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Tests.Data;

/// <summary>
/// <c>ControlPlane:DemoScale=county</c> seeds what it promises: about 500 sites (the pilot's 22 villages and 3 communities,
/// 68 villages in each of the 7 other towns), about 10,000 people, equipment and accounts for every village, history
/// written by bulk inserts with attendee counts equal to their definition. The history is the current month only
/// (SeedHistoryMonths=0) to keep the test short; scripts/county-scale.sh seeds the twelve months.
/// </summary>
public abstract class CountyScaleSeedTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    [Fact]
    public async Task CountyScale_SeedsFiveHundredSitesAndTenThousandPeople()
    {
        await app.SeedAsync();
        var counts = await app.DbAsync(async db => new
        {
            Counties = await db.Sites.CountAsync(s => s.Kind == SiteKind.County),
            Towns = await db.Sites.CountAsync(s => s.Kind == SiteKind.Town || s.Kind == SiteKind.SubDistrict),
            Grassroots = await db.Sites.Where(s => s.Kind == SiteKind.Village || s.Kind == SiteKind.Community).Select(s => s.Name).ToListAsync(),
            PerTown = await db.Sites.Where(t => t.Kind == SiteKind.Town || t.Kind == SiteKind.SubDistrict)
                .Select(t => new { t.Name, Villages = db.Sites.Count(v => v.ParentId == t.Id && v.Kind == SiteKind.Village),
                    Communities = db.Sites.Count(v => v.ParentId == t.Id && v.Kind == SiteKind.Community) }).ToListAsync(),
            People = await db.People.CountAsync(),
            Operators = await db.Users.CountAsync(u => u.Role == UserRole.VillageOperator),
            Machines = await db.Devices.CountAsync(d => d.Kind == DeviceKind.AttendanceMachine),
            VillagesWithoutMeetings = await db.Sites.CountAsync(s => (s.Kind == SiteKind.Village || s.Kind == SiteKind.Community)
                && !db.Meetings.Any(m => m.SiteId == s.Id)),
            Meetings = await db.Meetings.CountAsync(),
            Snapshots = await db.Snapshots.CountAsync(),
            CheckIns = await db.CheckIns.CountAsync(),
        });
        Assert.Equal(1, counts.Counties);
        Assert.Equal(8, counts.Towns);
        Assert.Equal(501, counts.Grassroots.Count);
        Assert.Equal(counts.Grassroots.Count, counts.Grassroots.Distinct().Count());
        Assert.All(counts.PerTown, t => Assert.Equal(t.Name == DemoSeeder.PilotTown ? (22, 3) : (68, 0), (t.Villages, t.Communities)));
        Assert.InRange(counts.People, 9_500, 10_500);
        Assert.Equal(501, counts.Operators);
        Assert.Equal(501, counts.Machines);
        Assert.Equal(0, counts.VillagesWithoutMeetings);
        Assert.Equal(counts.Meetings, counts.Snapshots);
        Assert.True(counts.CheckIns > 501 * 4 * 10, $"check-ins: {counts.CheckIns}");
    }

    [Fact]
    public async Task CountyScale_BulkHistory_CountsAttendeesAndKeepsIdsGoing()
    {
        var ids = await app.SeedAsync();
        var (reference, stored) = await app.DbAsync(async db =>
            (await SqlAggregatesTests<TApp>.ReferenceAttendeeCountsAsync(db), await db.Meetings.ToDictionaryAsync(m => m.Id, m => m.AttendeeCount)));
        Assert.Equal(reference.OrderBy(r => r.Key), stored.OrderBy(r => r.Key));
        Assert.True(stored.Values.Count(n => n > 0) > 1000);
        // Meetings were written with explicit ids: the next one made through the API takes the next id.
        var admin = await app.LoginAsync("admin");
        var created = await (await admin.PostJsonAsync("/api/meetings",
            new { siteId = ids.OwnVillage, kind = "partyLesson", title = "县级规模测试", scheduledStart = ControlPlaneApp.Now })).ReadAsync();
        Assert.Equal(stored.Keys.Max() + 1, (int)created["id"]!);
    }

    [Fact]
    public void CountyVillageNames_EveryTownCanHaveSixtyEightDistinctNames()
    {
        Assert.True(DemoSeeder.MaxVillagesPerTown >= 68);
        var names = DemoSeeder.CountyVillageNames("东阿镇", DemoSeeder.MaxVillagesPerTown).ToList();
        Assert.Equal(DemoSeeder.MaxVillagesPerTown, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^东.+村$", n));
    }
}

/// <summary>A county-scale demo host (history: the current month only).</summary>
public abstract class CountyApp(Provider provider) : ControlPlaneApp(provider)
{
    protected override void Customize(IWebHostBuilder builder)
    {
        builder.UseSetting("ControlPlane:DemoScale", "county");
        builder.UseSetting("ControlPlane:SeedHistoryMonths", "0");
    }
}

/// <summary>County scale on SQLite.</summary>
public sealed class CountySqliteApp() : CountyApp(Provider.Sqlite);

/// <summary>County scale on PostgreSQL.</summary>
public sealed class CountyPostgresApp() : CountyApp(Provider.Postgres);

public sealed class CountyScaleSeedTestsSqlite(CountySqliteApp app) : CountyScaleSeedTests<CountySqliteApp>(app), IClassFixture<CountySqliteApp>;
public sealed class CountyScaleSeedTestsPostgres(CountyPostgresApp app) : CountyScaleSeedTests<CountyPostgresApp>(app), IClassFixture<CountyPostgresApp>;
