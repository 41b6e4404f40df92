using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCore.ControlPlane.Tests.Auth;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Tests.Live;

/// <summary>
/// 远程授课: only the lecturer assigned to a lecture gets a host token of that lecture's room (publish, raised hands,
/// floor); a lecturer of lecture A gets nothing beyond audience in lecture B; village operators never get a host token of
/// a lecture, so they cannot grant (MediaServer answers 403 to a non-host token on the hands queue: HandsApiTests).
/// </summary>
public abstract class LectureTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private async Task<int> UserIdAsync(string userName) => await app.DbAsync(db => db.Users.Where(u => u.UserName == userName).Select(u => u.Id).SingleAsync());

    /// <summary>A second expert lecturer (created once per host), so two lectures can have different lecturers.</summary>
    private async Task<(string UserName, int Id)> SecondLecturerAsync()
    {
        const string name = "lecturer2";
        if (!await app.DbAsync(db => db.Users.AnyAsync(u => u.UserName == name)))
        {
            var admin = await app.LoginAsync("admin");
            var resp = await admin.PostJsonAsync("/api/users", new { userName = name, displayName = "市委党校 李教授", password = ControlPlaneApp.Password, role = "expert_lecturer" });
            Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        }
        return (name, await UserIdAsync(name));
    }

    private async Task<(int Id, string Room)> LectureAsync(int? lecturerUserId, DateTimeOffset? start = null)
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var resp = await admin.PostJsonAsync("/api/meetings", new
        {
            siteId = ids.County, kind = "lecture", title = "远程授课" + Guid.NewGuid().ToString("N")[..6],
            scheduledStart = start ?? ControlPlaneApp.Now, lecturerUserId,
        });
        Assert.True(resp.StatusCode == HttpStatusCode.Created, await resp.Content.ReadAsStringAsync());
        var created = await resp.ReadAsync();
        return ((int)created["id"]!, (string)created["room"]!);
    }

    private static Task<HttpResponseMessage> TokenAsync(HttpClient client, string room, string role)
        => client.PostJsonAsync("/api/media-tokens", new { room, role });

    [Fact]
    public async Task MediaToken_LecturerOfLectureA_HostOfARoomOnly_NothingButAudienceInLectureB()
    {
        var (_, second) = await SecondLecturerAsync();
        var (_, roomA) = await LectureAsync(await UserIdAsync("lecturer"));
        var (_, roomB) = await LectureAsync(second);
        var lecturer = await app.LoginAsync("lecturer");

        var resp = await TokenAsync(lecturer, roomA, "host");
        Assert.True(resp.StatusCode == HttpStatusCode.OK, await resp.Content.ReadAsStringAsync());
        var claims = LoginAndMediaTokenTests<TApp>.VerifyHs256((string)(await resp.ReadAsync())["token"]!, ControlPlaneApp.MediaSecret);
        // The host token names lecture A's room: MediaServer refuses it in any other room ("the token is for another room").
        Assert.Equal(roomA, (string)claims["room"]!);
        Assert.Equal("host", (string)claims["role"]!);
        Assert.Equal($"user:{await UserIdAsync("lecturer")}", (string)claims["sub"]!);
        Assert.Equal("县委党校 王教授", (string)claims["name"]!);
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(lecturer, roomA, "speaker")).StatusCode);
        await (await TokenAsync(lecturer, roomA, "observer")).AssertProblemAsync(403);

        // Lecture B is another lecturer's: no host, no speaker; watching it is allowed.
        var refused = await (await TokenAsync(lecturer, roomB, "host")).AssertProblemAsync(403);
        Assert.Equal("Only the lecturer assigned to this lecture may teach in it.", (string)refused["detail"]!);
        await (await TokenAsync(lecturer, roomB, "speaker")).AssertProblemAsync(403);
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(lecturer, roomB, "audience")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(await app.LoginAsync("lecturer2"), roomB, "host")).StatusCode);
    }

    [Fact]
    public async Task MediaToken_LectureWithoutLecturer_NoLecturerTeaches_NonLectureRoomsHidden()
    {
        var ids = await app.SeedAsync();
        var (_, room) = await LectureAsync(null);
        var lecturer = await app.LoginAsync("lecturer");
        await (await TokenAsync(lecturer, room, "host")).AssertProblemAsync(403);
        await (await TokenAsync(lecturer, room, "speaker")).AssertProblemAsync(403);
        var villageRoom = await app.DbAsync(db => db.Meetings.Where(m => m.Id == ids.OwnMeeting).Select(m => m.Room).SingleAsync());
        await (await TokenAsync(lecturer, villageRoom, "audience")).AssertProblemAsync(404);
    }

    [Fact]
    public async Task MediaToken_VillageOperatorInALecture_AudienceOnly_SoItCannotGrant()
    {
        var ids = await app.SeedAsync();
        var (_, room) = await LectureAsync(await UserIdAsync("lecturer"));
        var village = await app.LoginAsync(ids.OwnOperator);
        await (await TokenAsync(village, room, "host")).AssertProblemAsync(403);
        await (await TokenAsync(village, room, "speaker")).AssertProblemAsync(403);
        var audience = await TokenAsync(village, room, "audience");
        Assert.Equal(HttpStatusCode.OK, audience.StatusCode);
        var claims = LoginAndMediaTokenTests<TApp>.VerifyHs256((string)(await audience.ReadAsync())["token"]!, ControlPlaneApp.MediaSecret);
        Assert.Equal(("audience", $"site:{ids.OwnVillage}"), ((string)claims["role"]!, (string)claims["sub"]!));
    }

    [Fact]
    public async Task MediaToken_EndedLecture_LecturerHost409()
    {
        var (id, room) = await LectureAsync(await UserIdAsync("lecturer"));
        await app.DbAsync(async db =>
        {
            var m = await db.Meetings.SingleAsync(x => x.Id == id);
            m.StartedAtUtc = ControlPlaneApp.Now.UtcDateTime.AddHours(-1);
            m.EndedAtUtc = ControlPlaneApp.Now.UtcDateTime.AddMinutes(-5);
            return await db.SaveChangesAsync();
        });
        await (await TokenAsync(await app.LoginAsync("lecturer"), room, "host")).AssertProblemAsync(409);
    }

    [Fact]
    public async Task Lectures_EachLecturerSeesOnlyItsOwnNotEndedLectures_OthersForbidden()
    {
        var ids = await app.SeedAsync();
        var (second, secondId) = await SecondLecturerAsync();
        var (a, _) = await LectureAsync(await UserIdAsync("lecturer"));
        var (b, _) = await LectureAsync(secondId);
        var (old, _) = await LectureAsync(await UserIdAsync("lecturer"), ControlPlaneApp.Now.AddDays(-2));

        var mine = (await (await app.LoginAsync("lecturer")).GetJsonAsync("/api/live/lectures")).AsArray().Select(m => (int)m!["id"]!).ToList();
        Assert.Contains(a, mine);
        Assert.DoesNotContain(b, mine);
        Assert.DoesNotContain(old, mine); // two days past its start, never held: not offered any more
        var theirs = (await (await app.LoginAsync(second)).GetJsonAsync("/api/live/lectures")).AsArray().Select(m => (int)m!["id"]!).ToList();
        Assert.Contains(b, theirs);
        Assert.DoesNotContain(a, theirs);

        await (await (await app.LoginAsync("admin")).GetAsync("/api/live/lectures")).AssertProblemAsync(403);
        await (await (await app.LoginAsync(ids.OwnOperator)).GetAsync("/api/live/lectures")).AssertProblemAsync(403);
    }

    [Fact]
    public async Task Lecturers_AdminsListThem_VillageAndLecturerForbidden()
    {
        var ids = await app.SeedAsync();
        var list = (await (await app.LoginAsync("jinshui")).GetJsonAsync("/api/live/lecturers")).AsArray();
        Assert.Contains(list, l => (string)l!["userName"]! == "lecturer" && (string)l["displayName"]! == "县委党校 王教授");
        Assert.DoesNotContain(list, l => (string)l!["userName"]! == "admin");
        await (await (await app.LoginAsync(ids.OwnOperator)).GetAsync("/api/live/lecturers")).AssertProblemAsync(403);
        await (await (await app.LoginAsync("lecturer")).GetAsync("/api/live/lecturers")).AssertProblemAsync(403);
    }

    [Fact]
    public async Task CreateMeeting_LecturerOnlyOnALectureOnlyAnExpertOnlyByAnAdmin()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var lecturerId = await UserIdAsync("lecturer");
        await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.County, kind = "plenary", title = "全县大会", lecturerUserId = lecturerId }))
            .AssertProblemAsync(400);
        await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.County, kind = "lecture", title = "党课", lecturerUserId = await UserIdAsync("jinshui") }))
            .AssertProblemAsync(400);
        await (await (await app.LoginAsync(ids.OwnOperator)).PostJsonAsync("/api/meetings",
            new { siteId = ids.OwnVillage, kind = "lecture", title = "村里的党课", lecturerUserId = lecturerId })).AssertProblemAsync(403);
    }

    [Fact]
    public async Task AssignLecturer_MovesTheHostRight_OutOfScopeTown404()
    {
        var (second, secondId) = await SecondLecturerAsync();
        var (id, room) = await LectureAsync(await UserIdAsync("lecturer"));
        var admin = await app.LoginAsync("admin");

        // 榆山街道's admin cannot see the county's lecture.
        var foreign = await (await app.LoginAsync("yushan")).PutAsJsonAsync($"/api/meetings/{id}/lecturer", new { lecturerUserId = secondId }, JsonSerializerOptions.Web);
        await foreign.AssertProblemAsync(404);

        var resp = await admin.PutAsJsonAsync($"/api/meetings/{id}/lecturer", new { lecturerUserId = secondId }, JsonSerializerOptions.Web);
        Assert.Equal(HttpStatusCode.NoContent, resp.StatusCode);
        await (await TokenAsync(await app.LoginAsync("lecturer"), room, "host")).AssertProblemAsync(403);
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(await app.LoginAsync(second), room, "host")).StatusCode);

        var ids = await app.SeedAsync();
        var villageMeeting = ids.OwnMeeting; // a village's 党课, not a lecture
        await (await admin.PutAsJsonAsync($"/api/meetings/{villageMeeting}/lecturer", new { lecturerUserId = secondId }, JsonSerializerOptions.Web)).AssertProblemAsync(400);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class LectureTestsSqlite(SqliteApp app) : LectureTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class LectureTestsPostgres(PostgresApp app) : LectureTests<PostgresApp>(app);
