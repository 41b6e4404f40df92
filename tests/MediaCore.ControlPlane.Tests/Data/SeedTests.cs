using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace MediaCore.ControlPlane.Tests.Data;

public abstract class SeedTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    [Fact]
    public async Task Migrate_EmptyDatabase_SeedsPingyinPilot()
    {
        await app.SeedAsync();
        var (counties, towns, pilot, houzhai, equipped, otherTowns) = await app.DbAsync(async db =>
        {
            var counties = await db.Sites.Where(s => s.Kind == SiteKind.County).Select(s => s.Name).ToListAsync();
            var towns = await db.Sites.CountAsync(s => s.Kind == SiteKind.Town || s.Kind == SiteKind.SubDistrict);
            var jinshui = await db.Sites.SingleAsync(s => s.Name == "锦水街道");
            var pilot = await db.Sites.Where(s => s.ParentId == jinshui.Id).GroupBy(s => s.Kind).Select(g => new { g.Key, N = g.Count() }).ToListAsync();
            var houzhai = await db.Sites.SingleAsync(s => s.Name == "后寨村");
            var equipped = await db.Devices.Where(d => d.SiteId == houzhai.Id).Select(d => d.CreatedAtUtc).ToListAsync();
            var otherTowns = await db.Sites.Where(t => t.ParentId != null && t.Id != jinshui.Id && (t.Kind == SiteKind.Town || t.Kind == SiteKind.SubDistrict))
                .Select(t => db.Sites.Count(v => v.ParentId == t.Id)).ToListAsync();
            return (counties, towns, pilot.ToDictionary(x => x.Key, x => x.N), houzhai.ParentId == jinshui.Id, equipped, otherTowns);
        });
        Assert.Equal(["平阴县"], counties);
        Assert.Equal(8, towns);
        Assert.Equal(22, pilot[SiteKind.Village]);
        Assert.Equal(3, pilot[SiteKind.Community]);
        Assert.True(houzhai, "后寨村 is a village of the pilot 锦水街道");
        // The platform opened in the pilot on 2017-02-22 (Asia/Shanghai): its equipment dates from that day.
        Assert.NotEmpty(equipped);
        Assert.All(equipped, at => Assert.Equal(new DateOnly(2017, 2, 22), DateOnly.FromDateTime(at.AddHours(8))));
        Assert.Equal(7, otherTowns.Count);
        Assert.All(otherTowns, n => Assert.Equal(3, n));
    }

    [Fact]
    public async Task Seed_EveryVillage_HasEquipmentPeopleAndHistory()
    {
        var stats = await app.DbAsync(async db => await db.Sites.Where(s => s.Kind == SiteKind.Village || s.Kind == SiteKind.Community)
            .Select(s => new
            {
                s.Name,
                Kinds = s.Devices.Select(d => d.Kind).Distinct().Count(),
                Cadres = s.People.Count(p => p.Role != PersonRole.PartyMember),
                Members = s.People.Count(p => p.Role == PersonRole.PartyMember),
                Meetings = db.Meetings.Count(m => m.SiteId == s.Id),
                CheckIns = db.CheckIns.Count(c => c.SiteId == s.Id),
            }).ToListAsync());
        Assert.All(stats, s =>
        {
            Assert.Equal(4, s.Kinds); // camera, terminal, attendance machine, projector
            Assert.InRange(s.Cadres, 4, 6);
            Assert.True(s.Members >= 8);
            Assert.True(s.Meetings > 0, s.Name);
            Assert.True(s.CheckIns > 0, s.Name);
        });
        var names = await app.DbAsync(db => db.People.Select(p => p.Name).Take(50).ToListAsync());
        Assert.All(names, n => Assert.True(n.All(c => c >= 0x4E00 && c <= 0x9FFF), n));
    }

    /// <summary>
    /// The one migration set must describe the current model on both providers. SQLite: no difference at
    /// all. PostgreSQL: only the key columns' identity annotation differs (the migrations carry it on the
    /// operations, the snapshot does not), never a table, column, type, length or nullability.
    /// </summary>
    [Fact]
    public async Task Migrations_DescribeCurrentModel_OnlyProviderAnnotationsDiffer()
    {
        var ops = await app.DbAsync(db =>
        {
            var snapshot = db.GetService<IMigrationsAssembly>().ModelSnapshot!.Model;
            if (snapshot is IMutableModel mutable) snapshot = mutable.FinalizeModel();
            snapshot = db.GetService<IModelRuntimeInitializer>().Initialize(snapshot);
            var current = db.GetService<IDesignTimeModel>().Model;
            return Task.FromResult(db.GetService<IMigrationsModelDiffer>().GetDifferences(snapshot.GetRelationalModel(), current.GetRelationalModel()));
        });
        if (app.Provider == Provider.Sqlite) Assert.Empty(ops);
        Assert.All(ops, op =>
        {
            var alter = Assert.IsType<AlterColumnOperation>(op);
            Assert.Equal("Id", alter.Name);
            Assert.Equal(alter.OldColumn.ColumnType, alter.ColumnType);
            Assert.Equal(alter.OldColumn.IsNullable, alter.IsNullable);
            Assert.Equal(alter.OldColumn.MaxLength, alter.MaxLength);
        });
    }

    [Fact]
    public async Task Seed_Times_RoundTripAsUtc()
    {
        var c = await app.DbAsync(db => db.CheckIns.OrderBy(x => x.Id).FirstAsync());
        Assert.Equal(DateTimeKind.Utc, c.OccurredAtUtc.Kind);
        Assert.True(c.OccurredAtUtc < ControlPlaneApp.Now.UtcDateTime);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SeedTestsSqlite(SqliteApp app) : SeedTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class SeedTestsPostgres(PostgresApp app) : SeedTests<PostgresApp>(app);
