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

public sealed class SessionIdsTests
{
    [Fact]
    public void New_IsUrlSafeAndUnique()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => MediaCore.Server.Signalling.SessionIds.New()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9_-]{22}$", id));
    }
}
