using System.Text.Json;
using System.Text.Json.Nodes;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Meetings;
using MediaCore.ControlPlane.Rankings;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.ControlPlane.Tests.Meetings;

/// <summary>
/// The aggregates computed in SQL (stored attendee counts, statistics, cadre duty, search paging) give the same numbers
/// as the in-memory computations they replaced, on the demo data. The reference computations below are those earlier
/// implementations, kept as the definition of what the answers mean.
/// </summary>
public abstract class SqlAggregatesTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private static readonly TimeSpan EarlyArrival = TimeSpan.FromMinutes(30);

    /// <summary>The earlier MeetingQueries.ToDtosAsync: check-ins at the site in the window plus online people, distinct.</summary>
    internal static async Task<Dictionary<int, int>> ReferenceAttendeeCountsAsync(ControlPlaneDb db)
    {
        var meetings = await db.Meetings.AsNoTracking().Select(m => new { m.Id, m.SiteId, m.StartedAtUtc, m.EndedAtUtc }).ToListAsync();
        var checkIns = (await db.CheckIns.Select(c => new { c.SiteId, c.PersonId, c.OccurredAtUtc }).ToListAsync()).ToLookup(c => c.SiteId);
        var online = (await db.MeetingParticipations.Where(p => p.PersonId != null).Select(p => new { p.MeetingId, PersonId = p.PersonId!.Value }).ToListAsync())
            .ToLookup(p => p.MeetingId, p => p.PersonId);
        return meetings.ToDictionary(m => m.Id, m => m.StartedAtUtc is not { } start ? 0
            : checkIns[m.SiteId].Where(c => c.OccurredAtUtc >= start - EarlyArrival && c.OccurredAtUtc <= (m.EndedAtUtc ?? DateTime.MaxValue))
                .Select(c => c.PersonId).Union(online[m.Id]).Distinct().Count());
    }

    private static int ReferenceMinutes(DateTime start, DateTime end) => (int)Math.Round((end - start).TotalMinutes);

    [Fact]
    public async Task StoredAttendeeCounts_EqualInMemoryDefinition()
    {
        await app.SeedAsync();
        var (reference, stored) = await app.DbAsync(async db =>
            (await ReferenceAttendeeCountsAsync(db), await db.Meetings.ToDictionaryAsync(m => m.Id, m => m.AttendeeCount)));
        Assert.True(reference.Count(r => r.Value > 0) > 100, "the demo has held meetings with attendees");
        Assert.Equal(reference.OrderBy(r => r.Key), stored.OrderBy(r => r.Key));
    }

    [Fact]
    public async Task MeetingList_CountsAndDurations_EqualInMemoryDefinition()
    {
        await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var page = await admin.GetJsonAsync("/api/meetings?held=true&pageSize=500");
        var (reference, times) = await app.DbAsync(async db => (await ReferenceAttendeeCountsAsync(db),
            await db.Meetings.Where(m => m.StartedAtUtc != null).ToDictionaryAsync(m => m.Id, m => (m.StartedAtUtc, m.EndedAtUtc))));
        var items = page["items"]!.AsArray();
        Assert.True(items.Count > 100, $"the demo has held meetings ({items.Count})");
        foreach (var m in items)
        {
            var id = (int)m!["id"]!;
            Assert.Equal(reference[id], (int)m["attendeeCount"]!);
            var (start, end) = times[id];
            Assert.Equal(end is { } e ? ReferenceMinutes(start!.Value, e) : null, (int?)m["durationMinutes"]);
        }
    }

    [Fact]
    public async Task Stats_OverTwoMonths_EqualInMemoryAggregation()
    {
        await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var from = ControlPlaneApp.Now.AddDays(-60);
        var to = ControlPlaneApp.Now;
        var rows = (await admin.GetJsonAsync($"/api/meetings/stats?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}"))
            .AsArray();
        var expected = await app.DbAsync(async db =>
        {
            var counts = await ReferenceAttendeeCountsAsync(db);
            var villages = await db.Sites.Where(s => s.Kind == SiteKind.Village || s.Kind == SiteKind.Community).OrderBy(s => s.Code).Select(s => s.Id).ToListAsync();
            var held = (await db.Meetings.Where(m => m.StartedAtUtc >= from.UtcDateTime && m.StartedAtUtc < to.UtcDateTime).ToListAsync()).ToLookup(m => m.SiteId);
            return villages.Select(v => (Site: v, Sessions: held[v].Count(), Attendees: held[v].Sum(m => counts[m.Id]),
                Minutes: held[v].Sum(m => m.EndedAtUtc is { } e ? ReferenceMinutes(m.StartedAtUtc!.Value, e) : 0),
                Last: held[v].Max(m => m.StartedAtUtc))).ToList();
        });
        Assert.Equal(expected.Count, rows.Count);
        Assert.True(expected.Sum(e => e.Sessions) > 100);
        for (var i = 0; i < rows.Count; i++)
        {
            var (site, sessions, attendees, minutes, last) = expected[i];
            var row = rows[i]!;
            Assert.Equal(site, (int)row["siteId"]!);
            Assert.Equal(sessions, (int)row["sessions"]!);
            Assert.Equal(attendees, (int)row["attendees"]!);
            Assert.Equal(minutes, (int)row["totalMinutes"]!);
            Assert.Equal(last is { } l ? ChinaTime.ToOffset(l) : (DateTimeOffset?)null, row["lastHeld"] is { } lh ? DateTimeOffset.Parse((string)lh!) : null);
        }
    }

    [Theory]
    [InlineData("2026-10")]
    [InlineData("2026-11")]
    public async Task DutyPeople_PresentDays_EqualInMemoryCount(string month)
    {
        await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var rows = (await admin.GetJsonAsync($"/api/duty/people?month={month}")).AsArray();
        var expected = await app.DbAsync(async db =>
        {
            using var scope = app.Services.CreateScope();
            var (start, end, days) = scope.ServiceProvider.GetRequiredService<DutyCalculator>().MonthWindow(DateOnly.ParseExact(month + "-01", "yyyy-MM-dd"));
            var working = days.ToHashSet();
            var checkIns = await db.CheckIns.Where(c => c.OccurredAtUtc >= ChinaTime.StartOfDayUtc(start) && c.OccurredAtUtc < ChinaTime.StartOfDayUtc(end))
                .Select(c => new { c.PersonId, c.OccurredAtUtc }).ToListAsync();
            return checkIns.Select(c => (c.PersonId, Day: ChinaTime.DateOf(c.OccurredAtUtc))).Where(x => working.Contains(x.Day)).Distinct()
                .GroupBy(x => x.PersonId).ToDictionary(g => g.Key, g => g.Count());
        });
        Assert.True(rows.Count > 100);
        Assert.Contains(rows, r => (int)r!["presentDays"]! > 0);
        Assert.All(rows, r => Assert.Equal(expected.GetValueOrDefault((int)r!["personId"]!), (int)r["presentDays"]!));
    }

    [Fact]
    public async Task Search_PagedInSql_TotalIsExactAndPagesCoverEveryHitOnce()
    {
        await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var expected = await app.DbAsync(async db =>
            (await db.Sites.Select(s => s.Name).ToListAsync()).Count(n => n.Contains('村'))
            + (await db.People.Select(p => p.Name).ToListAsync()).Count(n => n.Contains('村'))
            + (await db.Meetings.Select(m => new { m.Title, m.Site!.Name }).ToListAsync()).Count(m => m.Title.Contains('村') || m.Name.Contains('村'))
            + (await db.Disclosures.Select(d => new { d.Title, d.Description, d.Site!.Name }).ToListAsync())
                .Count(d => d.Title.Contains('村') || d.Description?.Contains('村') == true || d.Name.Contains('村')));
        var seen = new HashSet<string>();
        var first = await admin.GetJsonAsync("/api/search?q=%E6%9D%91&pageSize=500");
        var total = (int)first["total"]!;
        Assert.Equal(expected, total);
        Assert.True(total > 500, $"the demo has many hits for 村 ({total}), more than a page");
        for (var page = 1; (page - 1) * 500 < total; page++)
        {
            var items = (page == 1 ? first : await admin.GetJsonAsync($"/api/search?q=%E6%9D%91&pageSize=500&page={page}"))["items"]!.AsArray();
            Assert.Equal(Math.Min(500, total - (page - 1) * 500), items.Count);
            foreach (var hit in items) Assert.True(seen.Add($"{hit!["type"]}:{hit["id"]}"), $"{hit!["type"]} {hit["id"]} on two pages");
        }
        Assert.Equal(total, seen.Count);
    }

    [Fact]
    public async Task UnixEpoch_InSql_EqualsTheCSharpDefinition()
    {
        // The day numbers and durations of the aggregates rest on unixepoch(): whole seconds, fractions dropped.
        DateTime[] times =
        [
            new(2026, 11, 26, 2, 0, 0, DateTimeKind.Utc),
            new DateTime(2026, 11, 25, 15, 59, 59, DateTimeKind.Utc).AddTicks(9_990_000), // 23:59:59.999 in Shanghai
            new(2026, 11, 25, 16, 0, 0, DateTimeKind.Utc), // Shanghai midnight
            new DateTime(2017, 2, 22, 1, 30, 30, DateTimeKind.Utc).AddMilliseconds(500),
            new(1970, 1, 1, 0, 0, 1, DateTimeKind.Utc),
        ];
        foreach (var t in times)
        {
            var sql = await app.DbAsync(db => db.Database.SqlQuery<long>($"SELECT unixepoch({t}) AS \"Value\"").SingleAsync());
            Assert.Equal(SqlFunctions.UnixEpochOf(t), sql);
        }
        // And on stored columns, as the queries use it: each held meeting's start.
        var stored = await app.DbAsync(db => db.Meetings.Where(m => m.StartedAtUtc != null)
            .Select(m => new { Start = m.StartedAtUtc!.Value, Epoch = SqlFunctions.UnixEpoch(m.StartedAtUtc!.Value) }).ToListAsync());
        Assert.NotEmpty(stored);
        Assert.All(stored, m => Assert.Equal(SqlFunctions.UnixEpochOf(m.Start), m.Epoch));
    }

    [Fact]
    public async Task Stats_HalfMinutesAndFractions_RoundAsTheMeetingList()
    {
        // Durations on the rounding boundaries (half minutes below odd and even neighbours, fractions of a second, a
        // session still running) added to a village's May 2019 and removed again afterwards; the statistics must move by
        // exactly their count and their minutes as the meeting list rounds them.
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        const string Range = "/api/meetings/stats?from=2019-05-01T00:00:00%2B08:00&to=2019-06-01T00:00:00%2B08:00";
        var before = (await admin.GetJsonAsync(Range)).AsArray().ToDictionary(r => (int)r!["siteId"]!, r => ((int)r!["sessions"]!, (int)r["totalMinutes"]!));
        var start = new DateTime(2019, 5, 6, 1, 0, 0, DateTimeKind.Utc);
        double[] seconds = [30, 90, 150, 210, 29.9, 30.4, 89.99, 3600, 0.5, 61];
        var meetings = seconds.Select((x, i) => new Meeting
        {
            SiteId = ids.OwnOtherVillage, Kind = MeetingKind.PartyLesson, Title = $"时长边界 {i}", Room = $"m-rounding-{i}-{Guid.NewGuid():N}",
            StartedAtUtc = start.AddHours(i).AddMilliseconds(i * 137), EndedAtUtc = start.AddHours(i).AddMilliseconds(i * 137).AddSeconds(x),
        }).Append(new Meeting
        {
            SiteId = ids.OwnOtherVillage, Kind = MeetingKind.PartyLesson, Title = "时长边界 进行中", Room = $"m-rounding-open-{Guid.NewGuid():N}",
            StartedAtUtc = start.AddDays(2),
        }).ToList();
        await app.DbAsync(async db => { db.Meetings.AddRange(meetings); return await db.SaveChangesAsync(); });
        try
        {
            var after = (await admin.GetJsonAsync(Range)).AsArray().ToDictionary(r => (int)r!["siteId"]!, r => ((int)r!["sessions"]!, (int)r["totalMinutes"]!));
            var expected = meetings.Where(m => m.EndedAtUtc is not null).Sum(m => MeetingQueries.DurationMinutes(m.StartedAtUtc!.Value, m.EndedAtUtc!.Value));
            // Whole seconds 30, 90, 150, 210, 30, 31, 90, 3600, 0, 61 (fractions dropped at both ends): 0+2+2+4+0+1+2+60+0+1.
            Assert.Equal(72, expected);
            Assert.Equal((before[ids.OwnOtherVillage].Item1 + 11, before[ids.OwnOtherVillage].Item2 + expected), after[ids.OwnOtherVillage]);
            Assert.All(after.Where(a => a.Key != ids.OwnOtherVillage), a => Assert.Equal(before[a.Key], a.Value));
        }
        finally
        {
            var made = meetings.Select(m => m.Id).ToList();
            await app.DbAsync(db => db.Meetings.Where(m => made.Contains(m.Id)).ExecuteDeleteAsync());
        }
    }

    [Fact]
    public async Task DutyDaily_FirstCheckIns_EqualInMemoryDefinition()
    {
        await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var day = new DateOnly(2026, 11, 20);
        var rows = (await admin.GetJsonAsync($"/api/duty/daily?date={day:yyyy-MM-dd}")).AsArray();
        var expected = await app.DbAsync(async db =>
        {
            var cadres = await db.People.Where(p => p.Active && p.Role != PersonRole.PartyMember).OrderBy(p => p.SiteId).ThenBy(p => p.Id)
                .Select(p => p.Id).ToListAsync();
            var from = ChinaTime.StartOfDayUtc(day);
            var to = ChinaTime.StartOfDayUtc(day.AddDays(1));
            var first = (await db.CheckIns.Where(c => c.OccurredAtUtc >= from && c.OccurredAtUtc < to).Select(c => new { c.PersonId, c.OccurredAtUtc }).ToListAsync())
                .GroupBy(c => c.PersonId).ToDictionary(g => g.Key, g => g.Min(c => c.OccurredAtUtc));
            return cadres.Select(id => (Id: id, First: first.TryGetValue(id, out var t) ? ChinaTime.ToOffset(t) : (DateTimeOffset?)null)).ToList();
        });
        Assert.Equal(expected.Select(e => e.Id), rows.Select(r => (int)r!["personId"]!));
        Assert.True(expected.Count(e => e.First is not null) > 10, "the demo has cadres who checked in that day");
        Assert.Equal(expected.Select(e => e.First), rows.Select(r => r!["firstCheckIn"] is { } f ? DateTimeOffset.Parse((string)f!) : (DateTimeOffset?)null));
        Assert.Equal(expected.Select(e => e.First is not null), rows.Select(r => (bool)r!["present"]!));
    }

    [Fact]
    public async Task FirstSecretaryVisits_EqualTheFirstSecretariesOfTheDutyList()
    {
        await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var visits = (await admin.GetJsonAsync("/api/duty/first-secretary-visits?month=2026-10")).AsArray();
        var duty = (await admin.GetJsonAsync("/api/duty/people?month=2026-10")).AsArray().Where(r => (string)r!["role"]! == "firstSecretary").ToList();
        Assert.True(visits.Count > 5, $"the demo has first secretaries ({visits.Count})");
        Assert.Equal(duty.Select(r => r!.ToJsonString()), visits.Select(r => r!.ToJsonString()));
    }

    [Fact]
    public async Task HeldMeetings_OfRankingsAndCompliance_EqualInMemoryCounts()
    {
        await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var (start, end) = (new DateOnly(2026, 10, 1), new DateOnly(2026, 11, 1));
        var held = await app.DbAsync(async db =>
        {
            var from = ChinaTime.StartOfDayUtc(start);
            var to = ChinaTime.StartOfDayUtc(end);
            return (await db.Meetings.Where(m => m.StartedAtUtc >= from && m.StartedAtUtc < to && m.Review != ReviewStatus.Rejected)
                .Select(m => new { m.SiteId, m.Kind }).ToListAsync()).ToLookup(m => m.SiteId, m => m.Kind);
        });
        var ranking = (await admin.GetJsonAsync("/api/rankings/villages?month=2026-10")).AsArray();
        Assert.True(ranking.Count > 20);
        Assert.True(ranking.Sum(r => (int)r!["meetingsHeld"]!) > 10, "the demo holds working-day meetings in October");
        Assert.All(ranking, r => Assert.Equal(
            held[(int)r!["siteId"]!].Count(k => k is MeetingKind.CommitteeDay or MeetingKind.ThemeDay or MeetingKind.DisclosureDay), (int)r["meetingsHeld"]!));
        var compliance = (await admin.GetJsonAsync("/api/meetings/compliance?period=month&date=2026-10-15"))["villages"]!.AsArray();
        Assert.Equal(ranking.Count, compliance.Count);
        Assert.All(compliance, r => Assert.Equal(held[(int)r!["siteId"]!].Count(k => k == MeetingKind.ThemeDay), (int)r["held"]!));
    }

    [Fact]
    public async Task StoredCount_FollowsCheckInsJoinsAndTheSessionEnd()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var t0 = ControlPlaneApp.Now.AddMinutes(-50);
        var created = await (await admin.PostJsonAsync("/api/meetings",
            new { siteId = ids.OwnVillage, kind = "partyLesson", title = "计数测试" + Guid.NewGuid().ToString("N")[..6], scheduledStart = t0 })).ReadAsync();
        var (id, room) = ((int)created["id"]!, (string)created["room"]!);
        var people = await app.DbAsync(db => db.People.Where(p => p.SiteId == ids.OwnVillage).OrderBy(p => p.Id).Select(p => p.Id).Take(3).ToListAsync());
        var device = app.DeviceClient(ids.OwnDeviceKey);

        async Task AssertCountAsync(int expected)
        {
            var (stored, reference) = await app.DbAsync(async db =>
                (await db.Meetings.Where(m => m.Id == id).Select(m => m.AttendeeCount).SingleAsync(), (await ReferenceAttendeeCountsAsync(db))[id]));
            Assert.Equal(reference, stored);
            Assert.Equal(expected, stored);
            Assert.Equal(expected, (int)(await admin.GetJsonAsync($"/api/meetings/{id}"))["meeting"]!["attendeeCount"]!);
        }
        Task<HttpResponseMessage> CheckInAsync(int person, DateTimeOffset at) => device.PostJsonAsync("/api/attendance/events",
            new { eventId = "agg-" + Guid.NewGuid().ToString("N"), personId = person, method = "face", occurredAt = at });

        await AssertCountAsync(0);
        (await CheckInAsync(people[0], t0.AddMinutes(-20))).EnsureSuccessStatusCode(); // before the start: not yet a session
        await AssertCountAsync(0);
        (await WebhookAsync(room, $"site:{ids.OwnVillage}", "host", "publisher", "whip-agg", t0)).EnsureSuccessStatusCode();
        await AssertCountAsync(1); // the start brings the early arrival in
        (await WebhookAsync(room, $"person:{people[1]}", "audience", "subscriber", "whep-agg", t0.AddMinutes(2))).EnsureSuccessStatusCode();
        await AssertCountAsync(2);
        (await CheckInAsync(people[1], t0.AddMinutes(5))).EnsureSuccessStatusCode(); // already counted online
        await AssertCountAsync(2);
        (await WebhookAsync(room, $"site:{ids.OwnVillage}", "host", "publisher", "whip-agg", t0.AddMinutes(30), "participant_left")).EnsureSuccessStatusCode();
        (await CheckInAsync(people[2], t0.AddMinutes(40))).EnsureSuccessStatusCode(); // after the end
        await AssertCountAsync(2);
        (await WebhookAsync(room, $"site:{ids.OwnVillage}", "host", "publisher", "whip-agg-2", t0.AddMinutes(45))).EnsureSuccessStatusCode();
        await AssertCountAsync(3); // resumed: the session runs on, the later check-in is in its window again
    }

    [Fact]
    public async Task CheckInList_Total_IsTheExactCountOfTheRowsInScope()
    {
        // The list's total is counted apart from its page (without the join to the sites when the caller sees every site):
        // it must still be exactly the number of check-ins the caller may see under each filter, as counted here in memory.
        var ids = await app.SeedAsync();
        var (rows, paths) = await app.DbAsync(async db => (
            await db.CheckIns.Select(c => new { c.SiteId, c.PersonId, c.OccurredAtUtc }).ToListAsync(),
            await db.Sites.ToDictionaryAsync(s => s.Id, s => s.Path)));
        var from = ControlPlaneApp.Now.AddDays(-20);
        var to = ControlPlaneApp.Now.AddDays(-5);
        var person = rows.Where(r => r.SiteId == ids.OwnVillage).GroupBy(r => r.PersonId).MaxBy(g => g.Count())!.Key;
        var filters = new (string Query, Func<int, int, DateTime, bool> Keep)[]
        {
            ("", (_, _, _) => true),
            ($"&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}",
                (_, _, at) => at >= from.UtcDateTime && at < to.UtcDateTime),
            ($"&siteId={ids.OwnVillage}", (site, _, _) => site == ids.OwnVillage),
            ($"&personId={person}&from={Uri.EscapeDataString(from.ToString("O"))}", (_, p, at) => p == person && at >= from.UtcDateTime),
        };
        foreach (var (user, scope) in new[] { ("admin", ids.County), ("jinshui", ids.OwnTown), (ids.OwnOperator, ids.OwnVillage) })
        {
            var client = await app.LoginAsync(user);
            var prefix = paths[scope];
            foreach (var (query, keep) in filters)
            {
                var expected = rows.Count(r => paths[r.SiteId].StartsWith(prefix, StringComparison.Ordinal) && keep(r.SiteId, r.PersonId, r.OccurredAtUtc));
                var page = await client.GetJsonAsync($"/api/attendance/events?pageSize=500{query}");
                Assert.True((int)page["total"]! == expected, $"{user} {query}: total {(int)page["total"]!}, expected {expected}");
                Assert.Equal(Math.Min(500, expected), page["items"]!.AsArray().Count);
            }
        }
        Assert.True(rows.Count(r => paths[r.SiteId].StartsWith(paths[ids.OwnTown], StringComparison.Ordinal)) > 500, "the demo has more check-ins than a page");
    }

    private Task<HttpResponseMessage> WebhookAsync(string room, string participant, string role, string kind, string sessionId, DateTimeOffset at,
        string evt = "participant_joined") =>
        app.WebhookAsync(new { @event = evt, room, participantId = participant, role, kind, sessionId, at = at.UtcDateTime.ToString("O"), nodeId = "county-1" });
}

[Collection(SqliteCollection.Name)]
public sealed class SqlAggregatesTestsSqlite(SqliteApp app) : SqlAggregatesTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class SqlAggregatesTestsPostgres(PostgresApp app) : SqlAggregatesTests<PostgresApp>(app)
{
    private readonly PostgresApp _app = app;

    [Fact]
    public async Task UnixEpoch_IsInlinedByThePlanner()
    {
        // A SQL function that the planner cannot inline runs as a separate query per row: a county's month of check-ins
        // then costs a second in unixepoch() alone. EXPLAIN VERBOSE shows the inlined expression instead of the call.
        var text = await _app.DbAsync(async db =>
        {
            var conn = db.Database.GetDbConnection();
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "EXPLAIN (VERBOSE) SELECT unixepoch(\"StartedAtUtc\") FROM \"Meetings\"";
            await using var reader = await cmd.ExecuteReaderAsync();
            var lines = new List<string>();
            while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
            return string.Join("\n", lines);
        });
        Assert.DoesNotContain("unixepoch", text);
        Assert.Contains("EXTRACT(epoch", text, StringComparison.OrdinalIgnoreCase);
    }
}
