using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Tests.Infrastructure;
using MediaCore.ControlPlane.Tests.Meetings;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Tests.Data;

/// <summary>
/// <c>ControlPlane:DemoScale=county</c> seeds what it promises: the pilot's 22 villages and 3 communities,
/// <c>DemoVillagesPerTown</c> villages in each of the 7 other towns (68 by default: 501 in all, about 500 sites), about 20
/// people a village (about 10,000 in all), equipment and accounts for every village, history written by bulk inserts with
/// attendee counts equal to their definition. To keep the test short it seeds 10 villages a town and the current month's
/// history only; scripts/county-scale.sh seeds the full county and twelve months (its log line gives the counts).
/// </summary>
public abstract class CountyScaleSeedTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    [Fact]
    public async Task CountyScale_SeedsItsVillagesAboutTwentyPeopleEachAndTheirHistory()
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
            Meetings = await db.Meetings.CountAsync(m => m.Room.StartsWith("seed-")), // the other test adds one
            Snapshots = await db.Snapshots.CountAsync(),
            CheckIns = await db.CheckIns.CountAsync(),
        });
        Assert.Equal(1, counts.Counties);
        Assert.Equal(8, counts.Towns);
        const int villages = 25 + 7 * CountyApp.VillagesPerTown;
        Assert.Equal(villages, counts.Grassroots.Count);
        Assert.Equal(counts.Grassroots.Count, counts.Grassroots.Distinct().Count());
        Assert.All(counts.PerTown, t => Assert.Equal(t.Name == DemoSeeder.PilotTown ? (22, 3) : (CountyApp.VillagesPerTown, 0), (t.Villages, t.Communities)));
        // 4-6 cadres and 10-20 party members a village: 20.2 on average, so 501 villages make about 10,000 people.
        Assert.InRange(counts.People / (double)villages, 19.0, 21.5);
        Assert.Equal(villages, counts.Operators);
        Assert.Equal(villages, counts.Machines);
        Assert.Equal(0, counts.VillagesWithoutMeetings);
        Assert.Equal(counts.Meetings, counts.Snapshots);
        Assert.True(counts.CheckIns > villages * 4 * 10, $"check-ins: {counts.CheckIns}");
    }

    [Fact]
    public async Task CountyScale_BulkHistory_CountsAttendeesAndKeepsIdsGoing()
    {
        var ids = await app.SeedAsync();
        var (reference, stored) = await app.DbAsync(async db =>
            (await SqlAggregatesTests<TApp>.ReferenceAttendeeCountsAsync(db), await db.Meetings.ToDictionaryAsync(m => m.Id, m => m.AttendeeCount)));
        Assert.Equal(reference.OrderBy(r => r.Key), stored.OrderBy(r => r.Key));
        Assert.True(stored.Values.Count(n => n > 0) > 300);
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

/// <summary>A county-scale demo host, 10 villages a town (history: the current month only).</summary>
public abstract class CountyApp(Provider provider) : ControlPlaneApp(provider)
{
    public const int VillagesPerTown = 10;

    protected override void Customize(IWebHostBuilder builder)
    {
        builder.UseSetting("ControlPlane:DemoScale", "county");
        builder.UseSetting("ControlPlane:DemoVillagesPerTown", VillagesPerTown.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("ControlPlane:SeedHistoryMonths", "0");
    }
}

/// <summary>County scale on SQLite.</summary>
public sealed class CountySqliteApp() : CountyApp(Provider.Sqlite);

/// <summary>County scale on PostgreSQL.</summary>
public sealed class CountyPostgresApp() : CountyApp(Provider.Postgres);

public sealed class CountyScaleSeedTestsSqlite(CountySqliteApp app) : CountyScaleSeedTests<CountySqliteApp>(app), IClassFixture<CountySqliteApp>;
public sealed class CountyScaleSeedTestsPostgres(CountyPostgresApp app) : CountyScaleSeedTests<CountyPostgresApp>(app), IClassFixture<CountyPostgresApp>;
