using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Meetings;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.ControlPlane.Tests.Meetings;

public abstract class MeetingTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private static readonly DateTimeOffset T0 = ControlPlaneApp.Now.AddMinutes(-60);

    private Task<HttpResponseMessage> WebhookAsync(object payload, string? secret = ControlPlaneApp.WebhookSecret) => app.WebhookAsync(payload, secret);

    private Task<HttpResponseMessage> WebhookRawAsync(byte[] body, string? secret) => app.WebhookRawAsync(body, secret);

    private async Task<(int Id, string Room)> NewMeetingAsync(int siteId, string kind)
    {
        var admin = await app.LoginAsync("admin");
        var created = await (await admin.PostJsonAsync("/api/meetings", new { siteId, kind, title = "测试会议" + Guid.NewGuid().ToString("N")[..6], scheduledStart = T0 })).ReadAsync();
        return ((int)created["id"]!, (string)created["room"]!);
    }

    private static object Evt(string evt, string room, string participant, DateTimeOffset at, string role = "speaker") =>
        new { @event = evt, room, participantId = participant, role, at = at.UtcDateTime.ToString("O"), nodeId = "county-1" };

    private static object Session(string evt, string room, string participant, DateTimeOffset at, string role, string kind, string sessionId) =>
        new { @event = evt, room, participantId = participant, role, kind, sessionId, at = at.UtcDateTime.ToString("O"), nodeId = "county-1" };

    private async Task<JsonNodeMeeting> MeetingStateAsync(int id) => await app.DbAsync(async db =>
    {
        var m = await db.Meetings.SingleAsync(x => x.Id == id);
        return new JsonNodeMeeting(m.StartedAtUtc, m.EndedAtUtc);
    });

    private sealed record JsonNodeMeeting(DateTime? Started, DateTime? Ended);

    [Fact]
    public async Task Webhooks_ObserverAndSubscriberJoinEmptyRoom_NoSessionStarts()
    {
        // Regression: any role's join used to set the start, so a town observer listening to an empty village
        // room made a "held" meeting.
        var ids = await app.SeedAsync();
        var (id, room) = await NewMeetingAsync(ids.OwnVillage, "committeeDay");
        await WebhookAsync(Session("participant_joined", room, "user:2", T0, "observer", "subscriber", "whep-obs-1"));
        await WebhookAsync(Session("participant_joined", room, $"site:{ids.OwnOtherVillage}", T0.AddMinutes(1), "audience", "subscriber", "whep-aud-1"));
        await WebhookAsync(Session("participant_left", room, "user:2", T0.AddMinutes(10), "observer", "subscriber", "whep-obs-1"));

        Assert.Equal(new JsonNodeMeeting(null, null), await MeetingStateAsync(id));
        var held = await (await app.LoginAsync("admin")).GetJsonAsync($"/api/meetings?siteId={ids.OwnVillage}&held=true&pageSize=500");
        Assert.DoesNotContain(held["items"]!.AsArray(), m => (int)m!["id"]! == id);
    }

    [Fact]
    public async Task Webhooks_LeaveOfOneSession_ClosesOnlyThatSession()
    {
        // Regression: participant_left closed every open entry of the participant and ignored the session id,
        // so the village's WHEP playback ending also ended its WHIP publication (and the meeting).
        var ids = await app.SeedAsync();
        var (id, room) = await NewMeetingAsync(ids.OwnVillage, "themeDay");
        var site = $"site:{ids.OwnVillage}";
        await WebhookAsync(Session("participant_joined", room, site, T0, "host", "publisher", "whip-a"));
        await WebhookAsync(Session("participant_joined", room, site, T0.AddMinutes(1), "host", "subscriber", "whep-a"));
        await WebhookAsync(Session("participant_left", room, site, T0.AddMinutes(20), "host", "subscriber", "whep-a"));

        var parts = await app.DbAsync(db => db.MeetingParticipations.Where(p => p.Meeting!.Id == id).OrderBy(p => p.JoinedAtUtc).ToListAsync());
        Assert.Equal([("whip-a", true, (DateTime?)null), ("whep-a", false, T0.AddMinutes(20).UtcDateTime)],
            parts.Select(p => (p.SessionId!, p.Publishing, p.LeftAtUtc)));
        Assert.Equal(new JsonNodeMeeting(T0.UtcDateTime, null), await MeetingStateAsync(id));

        // A second publication of the same site (a reconnect) overlaps the first: its leave ends nothing yet.
        await WebhookAsync(Session("participant_joined", room, site, T0.AddMinutes(30), "host", "publisher", "whip-b"));
        await WebhookAsync(Session("participant_left", room, site, T0.AddMinutes(31), "host", "publisher", "whip-a"));
        Assert.Equal(new JsonNodeMeeting(T0.UtcDateTime, null), await MeetingStateAsync(id));
        await WebhookAsync(Session("participant_left", room, site, T0.AddMinutes(60), "host", "publisher", "whip-b"));
        Assert.Equal(new JsonNodeMeeting(T0.UtcDateTime, T0.AddMinutes(60).UtcDateTime), await MeetingStateAsync(id));
    }

    [Fact]
    public async Task Webhooks_NodeStarted_ClosesThatNodesSessionsFromBeforeItsStart_EndsTheirMeetings()
    {
        // Regression: after kill -9 of a MediaServer the old process never sent participant_left, so its meetings'
        // participations (and an emergency call) stayed open forever.
        var ids = await app.SeedAsync();
        var (crashed, crashedRoom) = await NewMeetingAsync(ids.OwnVillage, "themeDay");
        var (elsewhere, elsewhereRoom) = await NewMeetingAsync(ids.OwnOtherVillage, "themeDay");
        string node = "node-" + Guid.NewGuid().ToString("N")[..8], other = "node-" + Guid.NewGuid().ToString("N")[..8];
        object On(string nodeId, string evt, string room, string participant, DateTimeOffset at, string kind, string sessionId) =>
            new { @event = evt, room, participantId = participant, role = "host", kind, sessionId, at = at.UtcDateTime.ToString("O"), nodeId };
        await WebhookAsync(On(node, "participant_joined", crashedRoom, $"site:{ids.OwnVillage}", T0, "publisher", "whip-old"));
        await WebhookAsync(On(node, "participant_joined", crashedRoom, "user:2", T0.AddMinutes(1), "subscriber", "whep-old"));
        await WebhookAsync(On(other, "participant_joined", elsewhereRoom, $"site:{ids.OwnOtherVillage}", T0, "publisher", "whip-other"));

        var restart = T0.AddMinutes(30);
        var started = new { @event = "node_started", nodeId = node, bootId = Guid.NewGuid().ToString(), at = restart.UtcDateTime.ToString("O") };
        Assert.Equal("applied", (string)(await (await WebhookAsync(started)).ReadAsync())["status"]!);
        Assert.Equal("duplicate", (string)(await (await WebhookAsync(started)).ReadAsync())["status"]!);

        var parts = await app.DbAsync(db => db.MeetingParticipations.Where(p => p.MeetingId == crashed || p.MeetingId == elsewhere)
            .OrderBy(p => p.SessionId).Select(p => new { p.SessionId, p.LeftAtUtc }).ToListAsync());
        Assert.Equal([("whep-old", (DateTime?)restart.UtcDateTime), ("whip-old", restart.UtcDateTime), ("whip-other", null)],
            parts.Select(p => (p.SessionId!, p.LeftAtUtc)));
        Assert.Equal(new JsonNodeMeeting(T0.UtcDateTime, restart.UtcDateTime), await MeetingStateAsync(crashed));
        Assert.Equal(new JsonNodeMeeting(T0.UtcDateTime, null), await MeetingStateAsync(elsewhere));

        // The site publishes again on the restarted node: the meeting resumes, and a later restart notice of
        // the other node does not touch it.
        await WebhookAsync(On(node, "participant_joined", crashedRoom, $"site:{ids.OwnVillage}", restart.AddSeconds(3), "publisher", "whip-new"));
        await WebhookAsync(new { @event = "node_started", nodeId = other, bootId = "b2", at = restart.AddSeconds(5).UtcDateTime.ToString("O") });
        Assert.Equal(new JsonNodeMeeting(T0.UtcDateTime, null), await MeetingStateAsync(crashed));
        Assert.Equal(new JsonNodeMeeting(T0.UtcDateTime, restart.AddSeconds(5).UtcDateTime), await MeetingStateAsync(elsewhere));
    }

    [Fact]
    public async Task Webhook_NodeStartedWithoutNodeId_400()
    {
        await (await WebhookAsync(new { @event = "node_started", at = T0.UtcDateTime.ToString("O") })).AssertProblemAsync(400);
    }

    [Fact]
    public async Task Webhooks_JoinAndLeave_BuildSessionWithAttendees()
    {
        var ids = await app.SeedAsync();
        var (id, room) = await NewMeetingAsync(ids.OwnVillage, "themeDay");
        Assert.Equal("applied", (string)(await (await WebhookAsync(Evt("participant_joined", room, $"site:{ids.OwnVillage}", T0, "host"))).ReadAsync())["status"]!);
        await WebhookAsync(Evt("participant_joined", room, "user:1", T0.AddMinutes(2), "observer"));
        var person = await app.DbAsync(db => db.People.Where(p => p.SiteId == ids.OwnVillage && p.Role == PersonRole.PartyMember).OrderBy(p => p.Id).FirstAsync());
        var checkIn = await app.DeviceClient(ids.OwnDeviceKey).PostJsonAsync("/api/attendance/events",
            new { eventId = $"mt-{Guid.NewGuid():N}", personId = person.Id, method = "face", occurredAt = T0.AddMinutes(1) });
        Assert.Equal(HttpStatusCode.Created, checkIn.StatusCode);
        await WebhookAsync(Evt("participant_left", room, "user:1", T0.AddMinutes(30)));
        // A cadre away from the village joins from a phone: an online attendee without a check-in.
        var remote = await app.DbAsync(db => db.People.Where(p => p.SiteId == ids.OwnVillage && p.Id != person.Id).OrderByDescending(p => p.Id).FirstAsync());
        await WebhookAsync(Evt("participant_joined", room, $"person:{remote.Id}", T0.AddMinutes(5), "audience"));
        await WebhookAsync(Evt("participant_left", room, $"person:{remote.Id}", T0.AddMinutes(50)));
        var town = await app.LoginAsync("jinshui");
        Assert.Null((await town.GetJsonAsync($"/api/meetings/{id}"))["meeting"]!["endedAt"]);
        await WebhookAsync(Evt("participant_left", room, $"site:{ids.OwnVillage}", T0.AddMinutes(75)));
        // A recording_finished without its recording is refused; with it, the meeting notes when the recording finished.
        await (await WebhookAsync(Evt("recording_finished", room, $"site:{ids.OwnVillage}", T0.AddMinutes(76)))).AssertProblemAsync(400);
        await WebhookAsync(new
        {
            @event = "recording_finished", room, at = T0.AddMinutes(76).UtcDateTime.ToString("O"), nodeId = "county-1", recordingId = "rec-" + room,
            startedAt = T0.UtcDateTime.ToString("O"), stoppedAt = T0.AddMinutes(75).UtcDateTime.ToString("O"), files = Array.Empty<object>(),
        });

        var detail = await town.GetJsonAsync($"/api/meetings/{id}");
        var m = detail["meeting"]!;
        Assert.Equal(T0, DateTimeOffset.Parse((string)m["startedAt"]!));
        Assert.Equal(T0.AddMinutes(75), DateTimeOffset.Parse((string)m["endedAt"]!));
        Assert.Equal(75, (int)m["durationMinutes"]!);
        Assert.Equal(T0.AddMinutes(76), DateTimeOffset.Parse((string)detail["recordingFinishedAt"]!));
        Assert.EndsWith("+08:00", (string)m["startedAt"]!);
        Assert.Contains(detail["attendees"]!.AsArray(), a => (int)a!["personId"]! == person.Id && (string)a["name"]! == person.Name && (string)a["source"]! == "checkIn");
        Assert.Contains(detail["attendees"]!.AsArray(), a => (int)a!["personId"]! == remote.Id && (string)a["source"]! == "online");
        Assert.Equal((int)m["attendeeCount"]!, detail["attendees"]!.AsArray().Count);
        Assert.Equal(3, detail["participants"]!.AsArray().Count);
        // The town's observer is invisible to the village it listened to.
        var villageView = await (await app.LoginAsync(ids.OwnOperator)).GetJsonAsync($"/api/meetings/{id}");
        Assert.Equal([$"site:{ids.OwnVillage}", $"person:{remote.Id}"], villageView["participants"]!.AsArray().Select(p => (string)p!["participantId"]!));
    }

    [Fact]
    public async Task CreateMeeting_KindAtWrongLevel_400()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.OwnVillage, kind = "plenary", title = "x" })).AssertProblemAsync(400);
        await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.County, kind = "committeeDay", title = "x" })).AssertProblemAsync(400);
        await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.OwnVillage, kind = "partial", title = "x" })).AssertProblemAsync(400);
        await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.OwnTown, title = "x" })).AssertProblemAsync(400);
        var partial = await admin.PostJsonAsync("/api/meetings", new { siteId = ids.OwnTown, kind = "partial", title = "锦水街道分会" });
        Assert.Equal(HttpStatusCode.Created, partial.StatusCode);
    }

    [Fact]
    public async Task Audit_TownListenIn_TokenAndObserverStartStopRecorded()
    {
        var ids = await app.SeedAsync();
        var (id, room) = await NewMeetingAsync(ids.OwnVillage, "branchCommittee");
        var town = await app.LoginAsync("jinshui");
        var token = await (await town.PostJsonAsync("/api/media-tokens", new { room, role = "observer" })).ReadAsync();
        var sub = (string)token["subject"]!;
        await WebhookAsync(Evt("participant_joined", room, $"site:{ids.OwnVillage}", T0, "host"));
        await WebhookAsync(Evt("participant_joined", room, sub, T0.AddMinutes(3), "observer"));
        await WebhookAsync(Evt("participant_left", room, sub, T0.AddMinutes(9)));
        var audit = (await town.GetJsonAsync($"/api/meetings/{id}/audit")).AsArray();
        Assert.Contains(audit, e => (string)e!["what"]! == "tokenIssued" && (string)e["role"]! == "observer" && (string)e["subject"]! == sub
            && (string)e["name"]! == "锦水街道管理员");
        Assert.Contains(audit, e => (string)e!["what"]! == "observerJoined" && DateTimeOffset.Parse((string)e["at"]!) == T0.AddMinutes(3)
            && (string)e["name"]! == "锦水街道管理员");
        Assert.Contains(audit, e => (string)e!["what"]! == "observerLeft" && DateTimeOffset.Parse((string)e["at"]!) == T0.AddMinutes(9));
        await (await (await app.LoginAsync(ids.OwnOperator)).GetAsync($"/api/meetings/{id}/audit")).AssertProblemAsync(403);
        await (await (await app.LoginAsync("yushan")).GetAsync($"/api/meetings/{id}/audit")).AssertProblemAsync(404);
    }

    [Fact]
    public async Task Webhook_BadOrMissingSignature_401()
    {
        var ids = await app.SeedAsync();
        var (_, room) = await NewMeetingAsync(ids.OwnVillage, "partyLesson");
        await (await WebhookAsync(Evt("participant_joined", room, "site:1", T0), "wrong-secret")).AssertProblemAsync(401);
        await (await WebhookAsync(Evt("participant_joined", room, "site:1", T0), null)).AssertProblemAsync(401);
    }

    [Fact]
    public async Task Webhook_MalformedSignedBody_400()
    {
        await (await WebhookRawAsync("{\"event\":"u8.ToArray(), ControlPlaneApp.WebhookSecret)).AssertProblemAsync(400);
        await (await WebhookAsync(new { @event = "exploded", room = "r", at = T0 })).AssertProblemAsync(400);
    }

    [Fact]
    public async Task Webhook_UnknownRoom_202Ignored_RedeliveryDuplicate()
    {
        var payload = Evt("participant_joined", "no-such-room-" + Guid.NewGuid().ToString("N"), "site:1", T0);
        Assert.Equal(HttpStatusCode.Accepted, (await WebhookAsync(payload)).StatusCode);
        Assert.Equal("duplicate", (string)(await (await WebhookAsync(payload)).ReadAsync())["status"]!);
    }

    [Fact]
    public async Task Review_TownApprovesAndRejects_VillageForbidden()
    {
        var ids = await app.SeedAsync();
        var (id, room) = await NewMeetingAsync(ids.OwnOtherVillage, "branchCommittee");
        var town = await app.LoginAsync("jinshui");
        await (await town.PostJsonAsync($"/api/meetings/{id}/review", new { decision = "approve" })).AssertProblemAsync(409); // not held yet
        await WebhookAsync(Evt("participant_joined", room, $"site:{ids.OwnOtherVillage}", T0, "host"));
        await WebhookAsync(Evt("participant_left", room, $"site:{ids.OwnOtherVillage}", T0.AddMinutes(40)));
        await (await town.PostJsonAsync($"/api/meetings/{id}/review", new { decision = "reject" })).AssertProblemAsync(400);
        await (await town.PostJsonAsync($"/api/meetings/{id}/review", new { decision = "maybe" })).AssertProblemAsync(400);
        var village = await app.LoginAsync(ids.OwnOperator);
        await (await village.PostJsonAsync($"/api/meetings/{id}/review", new { decision = "approve" })).AssertProblemAsync(403);
        var rejected = await (await town.PostJsonAsync($"/api/meetings/{id}/review", new { decision = "reject", comment = "参会人数不足" })).ReadAsync();
        Assert.Equal("rejected", (string)rejected["review"]!);
        Assert.Equal("参会人数不足", (string)rejected["reviewComment"]!);
        var approved = await (await town.PostJsonAsync($"/api/meetings/{id}/review", new { decision = "approve", comment = "已补充" })).ReadAsync();
        Assert.Equal("approved", (string)approved["review"]!);
    }

    [Fact]
    public async Task Compliance_HeldCommitteeDayThisWeek_VillageNotMissing()
    {
        var ids = await app.SeedAsync();
        var (_, room) = await NewMeetingAsync(ids.OwnVillage, "committeeDay");
        await WebhookAsync(Evt("participant_joined", room, $"site:{ids.OwnVillage}", T0, "host"));
        var report = await (await app.LoginAsync("jinshui")).GetJsonAsync("/api/meetings/compliance?period=week");
        Assert.Equal("2026-11-23", (string)report["start"]!); // Monday of the week of Thursday 2026-11-26
        Assert.Equal("committeeDay", (string)report["requiredKind"]!);
        var villages = report["villages"]!.AsArray();
        Assert.Equal(25, villages.Count);
        Assert.False((bool)villages.Single(v => (int)v!["siteId"]! == ids.OwnVillage)!["missing"]!);
        Assert.Equal(villages.Count(v => (bool)v!["missing"]!), (int)report["missing"]!);
        await (await (await app.LoginAsync("jinshui")).GetAsync("/api/meetings/compliance?period=decade")).AssertProblemAsync(400);
    }

    [Fact]
    public async Task Snapshot_CheckInWhileSiteLive_JpegLinkedWithItsDimensions()
    {
        var ids = await app.SeedAsync();
        var (meetingId, room) = await NewMeetingAsync(ids.OwnOtherVillage, "partyMemberAssembly");
        var participant = $"site:{ids.OwnOtherVillage}";
        var jpeg = FfmpegJpeg(320, 240);
        app.MediaServer.Snapshots[$"{room}/{participant}"] = jpeg;
        await WebhookAsync(Evt("participant_joined", room, participant, ControlPlaneApp.Now.AddMinutes(-5), "host"));

        var device = await app.DbAsync(db => db.Devices.SingleAsync(d => d.SiteId == ids.OwnOtherVillage && d.Kind == DeviceKind.AttendanceMachine));
        var person = await app.DbAsync(db => db.People.FirstAsync(p => p.SiteId == ids.OwnOtherVillage));
        var requests = app.Services.GetRequiredService<SnapshotRequests>();
        while (requests.Reader.TryRead(out _)) { }
        var resp = await app.DeviceClient(DemoSeeder.DemoDeviceKey(device.Code)).PostJsonAsync("/api/attendance/events",
            new { eventId = $"snap-{Guid.NewGuid():N}", personId = person.Id, method = "face", occurredAt = ControlPlaneApp.Now.AddSeconds(-20) });
        var checkInId = (long)(await resp.ReadAsync())["id"]!;
        Assert.True(requests.Reader.TryRead(out var request));
        Assert.Equal(checkInId, request!.CheckInId);

        using (var scope = app.Services.CreateScope())
        {
            var snap = await scope.ServiceProvider.GetRequiredService<SnapshotTaker>().TakeAsync(request, CancellationToken.None);
            Assert.NotNull(snap);
            Assert.Equal((320, 240), (snap.Width, snap.Height));
            Assert.Equal(meetingId, snap.MeetingId);
        }
        var town = await app.LoginAsync("jinshui");
        var detail = await town.GetJsonAsync($"/api/attendance/events/{checkInId}");
        var snapshotId = (long)detail["checkIn"]!["snapshotIds"]![0]!;
        var info = detail["snapshots"]![0]!;
        Assert.Equal((snapshotId, 320, 240, "checkIn"), ((long)info["id"]!, (int)info["width"]!, (int)info["height"]!, (string)info["reason"]!));
        var image = await town.GetAsync($"/api/snapshots/{snapshotId}");
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal(jpeg, await image.Content.ReadAsByteArrayAsync());
        Assert.Empty(app.MediaServer.RejectedTokens);
        await (await (await app.LoginAsync("yushan")).GetAsync($"/api/snapshots/{snapshotId}")).AssertProblemAsync(404);
    }

    [Fact]
    public async Task Snapshot_MediaServerHasNoFrame_CheckInStillStoredNoSnapshot()
    {
        var ids = await app.SeedAsync();
        var (_, room) = await NewMeetingAsync(ids.OwnVillage, "partyGroupMeeting");
        await WebhookAsync(Evt("participant_joined", room, $"site:{ids.OwnVillage}", ControlPlaneApp.Now.AddMinutes(-5), "host"));
        using var scope = app.Services.CreateScope();
        var snap = await scope.ServiceProvider.GetRequiredService<SnapshotTaker>()
            .TakeAsync(new SnapshotRequest(ids.OwnVillage, SnapshotReason.MeetingStart), CancellationToken.None);
        Assert.Null(snap); // the stub has no frame for this participant: 404 is tolerated
    }

    [Fact]
    public async Task Snapshot_SiteNotLive_NoCallNoSnapshot()
    {
        var ids = await app.SeedAsync();
        using var scope = app.Services.CreateScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<SnapshotTaker>()
            .TakeAsync(new SnapshotRequest(ids.ForeignVillage, SnapshotReason.CheckIn, CheckInId: 1), CancellationToken.None));
    }

    [Fact]
    public async Task IntervalSnapshots_SiteLiveLongerThanInterval_DueUntilTaken()
    {
        var ids = await app.SeedAsync();
        var (meetingId, room) = await NewMeetingAsync(ids.OwnOtherVillage, "partyLesson");
        var participant = $"site:{ids.OwnOtherVillage}";
        app.MediaServer.Snapshots[$"{room}/{participant}"] = FfmpegJpeg(160, 120);
        await WebhookAsync(Evt("participant_joined", room, participant, ControlPlaneApp.Now.AddMinutes(-30), "host"));
        using var scope = app.Services.CreateScope();
        var taker = scope.ServiceProvider.GetRequiredService<SnapshotTaker>();
        var due = (await taker.DueIntervalRequestsAsync(TimeSpan.FromMinutes(10), CancellationToken.None)).Where(r => r.MeetingId == meetingId).ToList();
        var request = Assert.Single(due);
        Assert.Equal(SnapshotReason.MeetingInterval, request.Reason);
        var snap = await taker.TakeAsync(request, CancellationToken.None);
        Assert.Equal((160, 120), (snap!.Width, snap.Height));
        Assert.DoesNotContain(await taker.DueIntervalRequestsAsync(TimeSpan.FromMinutes(10), CancellationToken.None), r => r.MeetingId == meetingId);
        var detail = await (await app.LoginAsync("jinshui")).GetJsonAsync($"/api/meetings/{meetingId}");
        Assert.Contains(detail["snapshots"]!.AsArray(), s => (string)s!["reason"]! == "meetingInterval" && (int)s["width"]! == 160);
    }

    [Fact]
    public async Task Stats_October_SessionsAttendeesDurationPerVillage()
    {
        var ids = await app.SeedAsync();
        var town = await app.LoginAsync("jinshui");
        var rows = (await town.GetJsonAsync("/api/meetings/stats?from=2026-10-01T00:00:00%2B08:00&to=2026-11-01T00:00:00%2B08:00")).AsArray();
        Assert.Equal(25, rows.Count);
        var own = rows.Single(r => (int)r!["siteId"]! == ids.OwnVillage)!;
        Assert.True((int)own["sessions"]! > 0);
        Assert.True((int)own["attendees"]! >= (int)own["sessions"]!);
        Assert.True((int)own["totalMinutes"]! >= 45 * (int)own["sessions"]!);
        var xlsx = Rankings.RankingAndExportTests<TApp>.ReadXlsx(await (await town.GetAsync("/api/meetings/stats?from=2026-10-01T00:00:00%2B08:00&to=2026-11-01T00:00:00%2B08:00&format=xlsx")).Content.ReadAsByteArrayAsync());
        Assert.Equal(["村(社区)", "乡镇(街道)", "会议次数", "参会人次", "总时长(分钟)", "最近一次"], xlsx[0]);
        Assert.Equal(26, xlsx.Count);
    }

    [Fact]
    public async Task Calendar_Quarter_HasDisclosureDayOnJanuaryTenth()
    {
        var client = await app.LoginAsync("admin");
        var days = (await client.GetJsonAsync("/api/calendar/working-days?from=2027-01-01&to=2027-01-31")).AsArray();
        Assert.Contains(days, d => (string)d!["date"]! == "2027-01-10" && (string)d["kind"]! == "disclosureDay");
        Assert.Contains(days, d => (string)d!["kind"]! == "themeDay");
        Assert.Equal(4, days.Count(d => (string)d!["kind"]! == "committeeDay"));
    }

    [Fact]
    public async Task ListMeetings_FilterAndPage_ShowsCountsAndDuration()
    {
        var ids = await app.SeedAsync();
        var page = await (await app.LoginAsync("jinshui")).GetJsonAsync($"/api/meetings?siteId={ids.OwnVillage}&kind=committeeDay&held=true&pageSize=5&to=2026-11-26T00:00:00%2B08:00");
        var items = page["items"]!.AsArray();
        Assert.NotEmpty(items);
        Assert.All(items, m =>
        {
            Assert.Equal("committeeDay", (string)m!["kind"]!);
            Assert.True((int)m["attendeeCount"]! > 0);
            Assert.True((int)m["durationMinutes"]! > 0);
        });
        await (await (await app.LoginAsync("jinshui")).GetAsync("/api/meetings?kind=party")).AssertProblemAsync(400);
    }

    internal static byte[] FfmpegJpeg(int width, int height)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cp-snap-{Guid.NewGuid():N}.jpg");
        var psi = new ProcessStartInfo("ffmpeg", ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc=size={width}x{height}:rate=1", "-frames:v", "1", path]);
        using var p = Process.Start(psi)!;
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "ffmpeg did not finish");
        Assert.Equal(0, p.ExitCode);
        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }
}

[Collection(SqliteCollection.Name)]
public sealed class MeetingTestsSqlite(SqliteApp app) : MeetingTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class MeetingTestsPostgres(PostgresApp app) : MeetingTests<PostgresApp>(app);
