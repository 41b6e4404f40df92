using System.Net;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Playback;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.ControlPlane.Tests.Playback;

/// <summary>
/// 流动播放 schedules: the API refuses bad input with a reason, and two ControlPlane instances running the scheduler
/// against one database start a due playback exactly once (the run is claimed with a conditional UPDATE).
/// </summary>
public abstract class PlaybackScheduleTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    [Fact]
    public async Task CreateSchedule_BadCronOrNoSourceOrNoTarget_400NamesEachField()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var resp = await admin.PostJsonAsync("/api/playback/schedules", new { title = "夜间课件", siteIds = new[] { ids.OwnVillage }, cron = "每天 20 点" });
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        var problem = await resp.ReadAsync();
        var errors = problem["errors"]!.AsObject();
        Assert.Contains("Cron 表达式无效", (string)errors["cron"]![0]!);
        Assert.True(errors.ContainsKey("source"));

        resp = await admin.PostJsonAsync("/api/playback/schedules", new { title = "夜间课件", recordingId = "rec-x", cron = "0 20 * * *" });
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.True((await resp.ReadAsync())["errors"]!.AsObject().ContainsKey("targets"));

        resp = await admin.PostJsonAsync("/api/playback/schedules", new { title = "夜间课件", recordingId = "rec-unknown", siteIds = new[] { ids.OwnVillage }, cron = "0 20 * * *" });
        Assert.Equal(HttpStatusCode.NotFound, resp.StatusCode); // a recording this user cannot see (or that does not exist)
    }

    [Fact]
    public async Task RunDue_TwoSchedulerInstancesAtOnce_PlaybackStartedOncePerTarget()
    {
        var ids = await app.SeedAsync();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        string code = await app.DbAsync(db => db.Sites.Where(s => s.Id == ids.OwnVillage).Select(s => s.Code).SingleAsync());
        string room = $"play-{code}";
        int id = await app.DbAsync(async db =>
        {
            var s = new PlaybackSchedule
            {
                Title = "两实例测试" + Guid.NewGuid().ToString("N")[..6], SiteId = ids.OwnTown, RecordingId = "rec-two-instances",
                TargetSiteIds = ids.OwnVillage.ToString(System.Globalization.CultureInfo.InvariantCulture),
                StartAtUtc = now.AddMinutes(-1), NextRunUtc = now.AddMinutes(-1), CreatedAtUtc = now.AddHours(-1),
            };
            db.PlaybackSchedules.Add(s);
            await db.SaveChangesAsync();
            return s.Id;
        });
        int before = app.MediaServer.PlaybackCalls.Count(c => c == room);

        // Two ControlPlane instances: two schedulers (each with its own DbContext per pass) against the same database.
        var a = ActivatorUtilities.CreateInstance<PlaybackScheduler>(app.Services);
        var b = ActivatorUtilities.CreateInstance<PlaybackScheduler>(app.Services);
        var runs = await Task.WhenAll(a.RunDueAsync(CancellationToken.None), b.RunDueAsync(CancellationToken.None));

        Assert.Equal(1, app.MediaServer.PlaybackCalls.Count(c => c == room) - before);
        Assert.Equal(1, runs.Sum());
        var saved = await app.DbAsync(db => db.PlaybackSchedules.AsNoTracking().SingleAsync(s => s.Id == id));
        Assert.False(saved.Enabled); // a one-off schedule is done
        Assert.Null(saved.NextRunUtc);
        Assert.Equal(now, saved.LastRunUtc);
        Assert.StartsWith("已在 1 个站点开始播放", saved.LastResult);

        // A third pass finds nothing due.
        Assert.Equal(0, await a.RunDueAsync(CancellationToken.None));
        Assert.Equal(1, app.MediaServer.PlaybackCalls.Count(c => c == room) - before);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class PlaybackScheduleTestsSqlite(SqliteApp app) : PlaybackScheduleTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class PlaybackScheduleTestsPostgres(PostgresApp app) : PlaybackScheduleTests<PostgresApp>(app);
