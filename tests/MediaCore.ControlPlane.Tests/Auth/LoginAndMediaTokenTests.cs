using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Tests.Auth;

public abstract class LoginAndMediaTokenTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    [Fact]
    public async Task Login_RightPassword_TokenAndMe()
    {
        var client = await app.LoginAsync("jinshui");
        var me = await client.GetJsonAsync("/api/auth/me");
        Assert.Equal("town_admin", (string)me["role"]!);
        Assert.Equal("锦水街道", (string)me["siteName"]!);
    }

    [Fact]
    public async Task Login_WrongPasswordOrUnknownUser_401Problem()
    {
        var c = app.CreateClient();
        await (await c.PostJsonAsync("/api/auth/login", new { userName = "jinshui", password = "wrong" })).AssertProblemAsync(401);
        await (await c.PostJsonAsync("/api/auth/login", new { userName = "nobody", password = "wrong" })).AssertProblemAsync(401);
        await (await c.PostJsonAsync("/api/auth/login", new { userName = "" })).AssertProblemAsync(400);
    }

    [Fact]
    public async Task ChangePassword_RightCurrent_NewOneWorks()
    {
        var ids = await app.SeedAsync();
        var name = $"pw{Guid.NewGuid():N}"[..16];
        var admin = await app.LoginAsync("admin");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/users", new { userName = name, displayName = "改密测试", password = ControlPlaneApp.Password, role = "village_operator", siteId = ids.OwnVillage })).StatusCode);
        var user = await app.LoginAsync(name);
        await (await user.PostJsonAsync("/api/auth/password", new { currentPassword = "wrong", newPassword = "NewSecret#1" })).AssertProblemAsync(400);
        await (await user.PostJsonAsync("/api/auth/password", new { currentPassword = ControlPlaneApp.Password, newPassword = "short" })).AssertProblemAsync(400);
        Assert.Equal(HttpStatusCode.NoContent, (await user.PostJsonAsync("/api/auth/password", new { currentPassword = ControlPlaneApp.Password, newPassword = "NewSecret#1" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().PostJsonAsync("/api/auth/login", new { userName = name, password = "NewSecret#1" })).StatusCode);
        await (await app.CreateClient().PostJsonAsync("/api/auth/login", new { userName = name, password = ControlPlaneApp.Password })).AssertProblemAsync(401);
    }

    [Fact]
    public async Task Login_StoredPassword_IsHashedNotPlain()
    {
        var hash = await app.DbAsync(db => db.Users.Where(u => u.UserName == "admin").Select(u => u.PasswordHash).SingleAsync());
        Assert.DoesNotContain(ControlPlaneApp.Password, hash);
        Assert.True(Convert.FromBase64String(hash)[0] == 0x01); // Identity v3 format marker
    }

    [Fact]
    public async Task Request_TamperedJwt_401()
    {
        var client = await app.LoginAsync("admin");
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        client.DefaultRequestHeaders.Authorization = new("Bearer", token[..^4] + "AAAA");
        await (await client.GetAsync("/api/auth/me")).AssertProblemAsync(401);
    }

    [Fact]
    public async Task MediaToken_TownObserverOwnVillage_SignedHs256WithClaims()
    {
        var ids = await app.SeedAsync();
        var room = await app.DbAsync(db => db.Meetings.Where(m => m.Id == ids.OwnMeeting).Select(m => m.Room).SingleAsync());
        var town = await app.LoginAsync("jinshui");
        var resp = await town.PostJsonAsync("/api/media-tokens", new { room, role = "observer" });
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var body = await resp.ReadAsync();
        var claims = VerifyHs256((string)body["token"]!, ControlPlaneApp.MediaSecret);
        Assert.Equal(room, (string)claims["room"]!);
        Assert.Equal("observer", (string)claims["role"]!);
        Assert.StartsWith("user:", (string)claims["sub"]!);
        Assert.True((long)claims["exp"]! > ControlPlaneApp.Now.ToUnixTimeSeconds());
        Assert.True(await app.DbAsync(db => db.MediaTokenGrants.AnyAsync(g => g.Room == room && g.Role == "observer")));
    }

    [Fact]
    public async Task MediaToken_ValidatesWithIdentityModelLikeMediaServer()
    {
        // MediaServer validates with JsonWebTokenHandler: HS256 only, signature, exp required; no issuer/audience.
        var ids = await app.SeedAsync();
        var room = await app.DbAsync(db => db.Meetings.Where(m => m.Id == ids.OwnMeeting).Select(m => m.Room).SingleAsync());
        var body = await (await (await app.LoginAsync("admin")).PostJsonAsync("/api/media-tokens", new { room, role = "host" })).ReadAsync();
        var result = await new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ValidateTokenAsync((string)body["token"]!,
            new Microsoft.IdentityModel.Tokens.TokenValidationParameters
            {
                IssuerSigningKey = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(ControlPlaneApp.MediaSecret)),
                ValidAlgorithms = ["HS256"], RequireSignedTokens = true, RequireExpirationTime = true,
                ValidateIssuer = false, ValidateAudience = false,
                LifetimeValidator = (_, exp, _, _) => exp > ControlPlaneApp.Now.UtcDateTime,
            });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(room, result.Claims["room"]);
    }

    [Fact]
    public async Task MediaToken_TownAsHostInVillageRoom_403()
    {
        var ids = await app.SeedAsync();
        var room = await app.DbAsync(db => db.Meetings.Where(m => m.Id == ids.OwnMeeting).Select(m => m.Room).SingleAsync());
        var resp = await (await app.LoginAsync("jinshui")).PostJsonAsync("/api/media-tokens", new { room, role = "host" });
        await resp.AssertProblemAsync(403);
    }

    [Fact]
    public async Task MediaToken_VillageOperatorOwnRoom_HostAsSite()
    {
        var ids = await app.SeedAsync();
        var room = await app.DbAsync(db => db.Meetings.Where(m => m.Id == ids.OwnMeeting).Select(m => m.Room).SingleAsync());
        var body = await (await (await app.LoginAsync(ids.OwnOperator)).PostJsonAsync("/api/media-tokens", new { room, role = "host" })).ReadAsync();
        var claims = VerifyHs256((string)body["token"]!, ControlPlaneApp.MediaSecret);
        Assert.Equal($"site:{ids.OwnVillage}", (string)claims["sub"]!);
        Assert.Equal("东关村", (string)claims["name"]!);
    }

    [Fact]
    public async Task MediaToken_TurnConfigured_AnswerCarriesIceServerWithRestCredentialAndPublicUrl()
    {
        var ids = await app.SeedAsync();
        var room = await app.DbAsync(db => db.Meetings.Where(m => m.Id == ids.OwnMeeting).Select(m => m.Room).SingleAsync());
        var body = await (await (await app.LoginAsync(ids.OwnOperator)).PostJsonAsync("/api/media-tokens", new { room, role = "host" })).ReadAsync();
        // The village's own town node (ControlPlane:MediaNodes), the county's default node as fallback.
        Assert.Equal(ControlPlaneApp.PilotTownNodeUrl, (string)body["mediaServerUrl"]!);
        Assert.Equal([ControlPlaneApp.PublicMediaServerUrl], body["fallbackUrls"]!.AsArray().Select(x => (string)x!));
        var server = Assert.Single(body["iceServers"]!.AsArray())!;
        Assert.Equal(ControlPlaneApp.TurnUrl, (string)server["urls"]![0]!);
        // TURN REST scheme as coturn checks it (use-auth-secret): "expiry:user", base64(HMAC-SHA1(secret, username)).
        var username = (string)server["username"]!;
        Assert.Equal($"{ControlPlaneApp.Now.AddMinutes(60).ToUnixTimeSeconds()}:site-{ids.OwnVillage}", username);
        var expected = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(ControlPlaneApp.TurnSecret), Encoding.UTF8.GetBytes(username)));
        Assert.Equal(expected, (string)server["credential"]!);
    }

    [Fact]
    public async Task MediaToken_Cluster_CountyAdminGetsDefaultNodeVillageOfOtherTownToo_PilotTownsVillageItsTownNode()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var created = await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.County, kind = "plenary", title = "全县党员大会" })).ReadAsync();
        var room = (string)created["room"]!;
        var county = await (await admin.PostJsonAsync("/api/media-tokens", new { room, role = "host" })).ReadAsync();
        Assert.Equal(ControlPlaneApp.PublicMediaServerUrl, (string)county["mediaServerUrl"]!);
        Assert.Equal([ControlPlaneApp.PilotTownNodeUrl], county["fallbackUrls"]!.AsArray().Select(x => (string)x!));
        var village = await (await (await app.LoginAsync(ids.OwnOperator)).PostJsonAsync("/api/media-tokens", new { room, role = "audience" })).ReadAsync();
        Assert.Equal(ControlPlaneApp.PilotTownNodeUrl, (string)village["mediaServerUrl"]!);
    }

    [Fact]
    public async Task MediaToken_VillageInCountyPlenary_AudienceOnly()
    {
        var ids = await app.SeedAsync();
        var admin = await app.LoginAsync("admin");
        var created = await (await admin.PostJsonAsync("/api/meetings", new { siteId = ids.County, kind = "plenary", title = "全县党员大会" })).ReadAsync();
        var room = (string)created["room"]!;
        var village = await app.LoginAsync(ids.OwnOperator);
        Assert.Equal(HttpStatusCode.OK, (await village.PostJsonAsync("/api/media-tokens", new { room, role = "audience" })).StatusCode);
        await (await village.PostJsonAsync("/api/media-tokens", new { room, role = "host" })).AssertProblemAsync(403);
    }

    [Fact]
    public async Task MediaToken_BadRoleOrUnknownRoom_400And404()
    {
        var admin = await app.LoginAsync("admin");
        await (await admin.PostJsonAsync("/api/media-tokens", new { room = "x", role = "king" })).AssertProblemAsync(400);
        await (await admin.PostJsonAsync("/api/media-tokens", new { room = "no-such-room", role = "host" })).AssertProblemAsync(404);
    }

    [Fact]
    public async Task CreateUser_TownAdminCreatesOperatorForOwnVillage_CanLogIn()
    {
        var ids = await app.SeedAsync();
        var town = await app.LoginAsync("jinshui");
        var name = $"op{Guid.NewGuid():N}"[..20];
        var resp = await town.PostJsonAsync("/api/users", new { userName = name, displayName = "东关村新操作员", password = "Secret#2026", role = "village_operator", siteId = ids.OwnVillage });
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        var login = await app.CreateClient().PostJsonAsync("/api/auth/login", new { userName = name, password = "Secret#2026" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        await (await town.PostJsonAsync("/api/users", new { userName = name + "x", displayName = "x", password = "Secret#2026", role = "village_operator", siteId = ids.ForeignVillage })).AssertProblemAsync(403);
        await (await town.PostJsonAsync("/api/users", new { userName = name + "y", displayName = "x", password = "Secret#2026", role = "county_admin", siteId = ids.County })).AssertProblemAsync(403);
        var users = (await town.GetJsonAsync("/api/users?pageSize=500"))["items"]!.AsArray();
        Assert.Contains(users, u => (string)u!["userName"]! == name && (string)u["role"]! == "village_operator");
        Assert.DoesNotContain(users, u => (string)u!["userName"]! == "yushan" || (string)u["userName"]! == "admin");
    }

    /// <summary>Verifies an HS256 JWS (RFC 7515 s5.2) independently of the code under test and returns its claims.</summary>
    internal static JsonObject VerifyHs256(string token, string secret)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(B64(parts[0])))!;
        Assert.Equal("HS256", (string)header["alg"]!);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        Assert.Equal(mac, B64(parts[2]));
        return JsonNode.Parse(Encoding.UTF8.GetString(B64(parts[1])))!.AsObject();
    }

    private static byte[] B64(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class LoginAndMediaTokenTestsSqlite(SqliteApp app) : LoginAndMediaTokenTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class LoginAndMediaTokenTestsPostgres(PostgresApp app) : LoginAndMediaTokenTests<PostgresApp>(app);
