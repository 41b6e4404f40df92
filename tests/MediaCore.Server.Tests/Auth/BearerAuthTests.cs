using System.Text;
using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MediaCore.Server.Tests.Auth;

/// <summary>Bearer token checks on WHIP/WHEP (RFC 6750 §3) and role/room authorization; nothing is created on failure.</summary>
public sealed class BearerAuthTests : IAsyncLifetime
{
    private TestMediaServer _server = null!;
    private FakeSessionManager Fake => (FakeSessionManager)_server.Services.GetRequiredService<ISessionManager>();

    public async Task InitializeAsync()
        => _server = await TestMediaServer.StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<ISessionManager, FakeSessionManager>()));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<HttpResponseMessage> PublishAsync(string? token, string room = "room1")
        => await _server.Client.SendAsync(HttpExtensions.SdpPost($"/whip/{room}", token));

    [Fact]
    public async Task Post_NoToken_Returns401WithBareChallenge()
    {
        using var response = await PublishAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.DoesNotContain("error=", challenge.Parameter);
        Assert.Empty(Fake.Calls);
    }

    [Fact]
    public async Task Post_WrongSignature_Returns401InvalidToken()
    {
        var forged = new MediaTokenIssuer("another-secret-0123456789-abcdefghijk").Issue("room1", "a", ParticipantRole.Host, TimeSpan.FromMinutes(5));
        using var response = await PublishAsync(forged);
        AssertInvalidToken(response, "signature");
    }

    [Fact]
    public async Task Post_ExpiredToken_Returns401InvalidToken()
    {
        var now = DateTimeOffset.UtcNow;
        var expired = _server.Issuer.Issue("room1", "a", ParticipantRole.Host, now.AddMinutes(-20), now.AddMinutes(-10));
        using var response = await PublishAsync(expired);
        AssertInvalidToken(response, "expired");
    }

    [Fact]
    public async Task Post_ExpiredWithinClockSkew_IsAccepted()
    {
        var now = DateTimeOffset.UtcNow;
        var justExpired = _server.Issuer.Issue("room1", "a", ParticipantRole.Host, now.AddMinutes(-5), now.AddSeconds(-5));
        using var response = await PublishAsync(justExpired);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Post_TokenWithoutExp_Returns401()
    {
        using var response = await PublishAsync(Raw(new() { ["room"] = "room1", ["sub"] = "a", ["role"] = "host" }));
        AssertInvalidToken(response, "exp");
    }

    [Theory]
    [InlineData("room")]
    [InlineData("sub")]
    [InlineData("role")]
    public async Task Post_TokenMissingClaim_Returns401(string missing)
    {
        var claims = new Dictionary<string, object> { ["room"] = "room1", ["sub"] = "a", ["role"] = "host", ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() };
        claims.Remove(missing);
        using var response = await PublishAsync(Raw(claims));
        AssertInvalidToken(response, missing);
    }

    [Fact]
    public async Task Post_UnknownRole_Returns401()
    {
        var claims = new Dictionary<string, object> { ["room"] = "room1", ["sub"] = "a", ["role"] = "root", ["exp"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() };
        using var response = await PublishAsync(Raw(claims));
        AssertInvalidToken(response, "role");
    }

    [Fact]
    public async Task Post_UnsignedAlgNone_Returns401()
    {
        var handler = new JsonWebTokenHandler();
        var unsigned = handler.CreateToken($"{{\"room\":\"room1\",\"sub\":\"a\",\"role\":\"host\",\"exp\":{DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}}}");
        using var response = await PublishAsync(unsigned);
        AssertInvalidToken(response, "");
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer not.a.jwt")]
    [InlineData("Bearer ")]
    public async Task Post_MalformedAuthorization_Returns401(string header)
    {
        var request = HttpExtensions.SdpPost("/whip/room1", null);
        request.Headers.TryAddWithoutValidation("Authorization", header);
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(Fake.Calls);
    }

    [Fact]
    public async Task Post_TokenForAnotherRoom_Returns403()
    {
        using var response = await PublishAsync(_server.Token("room2", "a", ParticipantRole.Host));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(Fake.Calls);
    }

    [Fact]
    public async Task PostWhep_TokenForAnotherRoom_Returns403()
    {
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whep/room1", _server.Token("room2", "a", ParticipantRole.Audience)));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(Fake.Calls);
    }

    [Theory]
    [InlineData(ParticipantRole.Audience)]
    [InlineData(ParticipantRole.Observer)]
    public async Task Post_ReceiveOnlyRolePublishing_Returns403(ParticipantRole role)
    {
        using var response = await PublishAsync(_server.Token("room1", "a", role));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(Fake.Calls);
    }

    [Fact]
    public async Task Post_AdminToken_MayPublishInAnyRoom()
    {
        using var response = await PublishAsync(_server.Token("*", "controlplane", ParticipantRole.Host), room: "any-room");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Post_WildcardRoomWithNonHostRole_Returns401()
    {
        using var response = await PublishAsync(_server.Token("*", "x", ParticipantRole.Speaker));
        AssertInvalidToken(response, "host");
    }

    private static void AssertInvalidToken(HttpResponseMessage response, string descriptionContains)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter);
        Assert.Contains(descriptionContains, challenge.Parameter);
    }

    private static string Raw(Dictionary<string, object> claims)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(TestMediaServer.Secret));
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }
}
