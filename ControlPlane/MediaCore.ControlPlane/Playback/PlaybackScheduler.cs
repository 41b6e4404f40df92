using Cronos;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Recordings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Playback;

/// <summary>
/// Runs due playback schedules: every <c>Playback:PollSeconds</c> it takes the enabled schedules whose next run has
/// come, asks MediaServer to play the source into each target's playback room (<c>play-&lt;site code&gt;</c>), notes the
/// outcome and computes the next run (cron in Asia/Shanghai; a one-off schedule is then disabled).
/// Several ControlPlane instances may run the scheduler against one database: each due run is first claimed with a
/// conditional UPDATE (the row still has the next-run time this instance read), so exactly one instance starts it.
/// </summary>
public sealed partial class PlaybackScheduler(IServiceScopeFactory scopes, IOptions<ControlPlaneOptions> options, TimeProvider time,
    ILogger<PlaybackScheduler> log) : BackgroundService
{
    /// <summary>The playback room of a site: what its projector page plays.</summary>
    public static string RoomOf(Site site) => $"play-{site.Code}";

    /// <summary>The next run after <paramref name="afterUtc"/>, or null.</summary>
    public static DateTime? NextRun(PlaybackSchedule s, DateTime afterUtc)
    {
        if (s.Cron is { } cron)
            return CronExpression.Parse(cron).GetNextOccurrence(DateTime.SpecifyKind(afterUtc, DateTimeKind.Utc), ChinaTime.TimeZone);
        return s.StartAtUtc is { } at && at > afterUtc ? at : null;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Playback.EnableScheduler) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.Failed(log, e);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, options.Value.Playback.PollSeconds)), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs every due schedule once (those another instance claimed first are left to it); returns how many this instance ran.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct)
    {
        int ran = 0;
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlPlaneDb>();
        var media = scope.ServiceProvider.GetRequiredService<MediaRecordingClient>();
        var links = scope.ServiceProvider.GetRequiredService<Auth.SessionTokens>();
        var now = time.GetUtcNow().UtcDateTime;
        var due = await db.PlaybackSchedules.Include(s => s.Courseware).Where(s => s.Enabled && s.NextRunUtc != null && s.NextRunUtc <= now).ToListAsync(ct);
        foreach (var s in due)
        {
            // The claim: moves the next run on only if nobody did since we read it (works on SQLite and PostgreSQL alike).
            var seen = s.NextRunUtc;
            var next = NextRun(s, now);
            int claimed = await db.PlaybackSchedules.Where(x => x.Id == s.Id && x.Enabled && x.NextRunUtc == seen)
                .ExecuteUpdateAsync(u => u.SetProperty(x => x.NextRunUtc, next).SetProperty(x => x.LastRunUtc, now)
                    .SetProperty(x => x.Enabled, next != null), ct);
            if (claimed == 0)
            {
                Log.ClaimedElsewhere(log, s.Id);
                db.Entry(s).State = EntityState.Detached;
                continue;
            }
            ran++;
            var targets = await TargetsAsync(db, s, ct);
            object? body = null;
            if (s.RecordingId is { } rec) body = new { recordingId = rec, loops = s.Loops, participant = "playback" };
            else if (s.Courseware is { State: CoursewareState.Ready } cw)
            {
                long exp = time.GetUtcNow().AddHours(6).ToUnixTimeSeconds();
                var path = $"/api/courseware/{cw.Id}/file";
                var baseUrl = options.Value.Playback.PublicBaseUrl.TrimEnd('/');
                body = new { url = $"{baseUrl}{path}?exp={exp}&sig={links.SignLink(CoursewareEndpoints.Resource(cw.Id), exp)}", loops = s.Loops, participant = "playback" };
            }
            var failures = new List<string>();
            if (body is null) failures.Add("课件尚未导入完成或导入失败");
            else
            {
                foreach (var site in targets)
                {
                    if (await media.StartPlaybackAsync(RoomOf(site), body, ct) is { } error) failures.Add($"{site.Name}: {error}");
                }
            }
            s.LastRunUtc = now;
            s.LastResult = failures.Count == 0 ? $"已在 {targets.Count} 个站点开始播放" : $"{targets.Count - failures.Count}/{targets.Count} 个站点开始播放；失败：{string.Join("；", failures)}";
            if (s.LastResult.Length > 2000) s.LastResult = s.LastResult[..2000];
            s.NextRunUtc = next;
            if (next is null) s.Enabled = false;
            Log.Ran(log, s.Id, s.LastResult);
        }
        await db.SaveChangesAsync(ct);
        return ran;
    }

    /// <summary>The schedule's target sites: its listed sites, or the villages and communities of its town.</summary>
    public static async Task<List<Site>> TargetsAsync(ControlPlaneDb db, PlaybackSchedule s, CancellationToken ct)
    {
        if (s.TargetTownId is { } town)
            return await db.Sites.Where(x => x.ParentId == town).OrderBy(x => x.Code).ToListAsync(ct);
        var ids = s.TargetSiteIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        return await db.Sites.Where(x => ids.Contains(x.Id)).OrderBy(x => x.Code).ToListAsync(ct);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Playback schedule {Id} ran: {Result}")]
        public static partial void Ran(ILogger logger, int id, string result);

        [LoggerMessage(Level = LogLevel.Information, Message = "Playback schedule {Id} was claimed by another ControlPlane instance")]
        public static partial void ClaimedElsewhere(ILogger logger, int id);

        [LoggerMessage(Level = LogLevel.Error, Message = "Playback scheduler pass failed")]
        public static partial void Failed(ILogger logger, Exception e);
    }
}
