using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MediaCore.Server.Auth;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MediaCore.Server.Tests.Signalling;

/// <summary>TURN servers handed to WHIP/WHEP clients as Link headers (RFC 9725 §4.6) with TURN REST credentials.</summary>
public sealed class IceServerLinkTests : IAsyncLifetime
{
    private const string TurnSecret = "turn-test-secret";
    private TestMediaServer _server = null!;

    public async Task InitializeAsync()
        => _server = await TestMediaServer.StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<ISessionManager, FakeSessionManager>()),
            "--MediaServer:Turn:Urls:0=turn:127.0.0.1:3478?transport=udp", "--MediaServer:Turn:Urls:1=stun:127.0.0.1:3478",
            $"--MediaServer:Turn:Secret={TurnSecret}", "--MediaServer:Turn:CredentialLifetime=00:10:00");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/whip/room1", ParticipantRole.Speaker)]
    [InlineData("/whep/room1", ParticipantRole.Audience)]
    public async Task Post_TurnConfigured_201CarriesIceServerLinksWithValidCredential(string url, ParticipantRole role)
    {
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost(url, _server.Token("room1", "site:7", role)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        AssertLinks(response, "site-7");
    }

    [Fact]
    public async Task Options_WithRoomToken_CarriesIceServerLinks()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/whip/room1");
        request.Headers.Authorization = new("Bearer", _server.Token("room1", "site:7", ParticipantRole.Speaker));
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        AssertLinks(response, "site-7");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("other-room")]
    public async Task Options_WithoutValidTokenForRoom_NoCredentials(string? auth)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/whip/room1");
        if (auth == "other-room") request.Headers.Authorization = new("Bearer", _server.Token("room2", "site:7", ParticipantRole.Speaker));
        else if (auth is not null) request.Headers.TryAddWithoutValidation("Authorization", auth);
        using var response = await _server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public void CreateCredential_OddParticipantId_UsernameStaysAQuotableToken()
    {
        var (username, _) = IceServerLinks.CreateCredential("s", "user:\"x\\y z", DateTimeOffset.FromUnixTimeSeconds(100));
        Assert.Equal("100:user--x-y-z", username);
    }

    private static void AssertLinks(HttpResponseMessage response, string user)
    {
        var links = response.Headers.GetValues("Link").ToList();
        Assert.Equal(2, links.Count);
        Assert.Equal("<stun:127.0.0.1:3478>; rel=\"ice-server\"", links[1]);
        var m = Regex.Match(links[0], "^<turn:127\\.0\\.0\\.1:3478\\?transport=udp>; rel=\"ice-server\"; username=\"(\\d+):([^\"]+)\"; credential=\"([^\"]+)\"; credential-type=\"password\"$");
        Assert.True(m.Success, links[0]);
        Assert.Equal(user, m.Groups[2].Value);
        long expiry = long.Parse(m.Groups[1].Value);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(expiry, now + 500, now + 700); // CredentialLifetime 10 min
        // coturn (use-auth-secret) recomputes exactly this: base64(HMAC-SHA1(secret, username)).
        var username = $"{m.Groups[1].Value}:{m.Groups[2].Value}";
        Assert.Equal(Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(TurnSecret), Encoding.UTF8.GetBytes(username))), m.Groups[3].Value);
    }
}
