using MediaCore.Server.Auth;

namespace MediaCore.Server.Tests.Signalling;

/// <summary>The default (unwired) session manager: authorized offers reach it and get 501.</summary>
public sealed class StubSessionManagerTests : IAsyncLifetime
{
    private TestMediaServer _server = null!;

    public async Task InitializeAsync() => _server = await TestMediaServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/whip/r")]
    [InlineData("/whep/r")]
    public async Task Post_AuthorizedOffer_Returns501(string url)
    {
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost(url, _server.Token("r", "a", ParticipantRole.Host)));
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }
}
