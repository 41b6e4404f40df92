using System.Net.Http.Json;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MediaCore.Server.Tests.Rooms;

public sealed class RoomApiTests : IAsyncLifetime
{
    private TestMediaServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestMediaServer.StartAsync(b =>
        {
            b.Services.Replace(ServiceDescriptor.Singleton<ISessionManager, FakeSessionManager>());
            b.Services.Replace(ServiceDescriptor.Singleton<IRoomDirectory>(sp => sp.GetRequiredService<InMemoryRoomDirectory>()));
        });
        await Join("/whip/plenary", "county", ParticipantRole.Host);
        await Join("/whep/plenary", "village-1", ParticipantRole.Audience);
        await Join("/whep/plenary", "town-admin", ParticipantRole.Observer);
        await Join("/whip/village-9", "village-9", ParticipantRole.Speaker);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task Join(string url, string sub, ParticipantRole role)
    {
        using var r = await _server.Client.SendAsync(HttpExtensions.SdpPost(url, _server.Token(url.Split('/')[2], sub, role)));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
    }

    private Task<HttpResponseMessage> Get(string url, string? token) => _server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Get, url, token));

    [Fact]
    public async Task ListRooms_AdminToken_ReturnsCounts()
    {
        using var response = await Get("/api/rooms", _server.Token("*", "controlplane", ParticipantRole.Host));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rooms = await response.Content.ReadFromJsonAsync<List<RoomSummaryDto>>();
        Assert.Equal([new("plenary", 3, 1, 2), new("village-9", 1, 1, 0)], rooms);
    }

    [Fact]
    public async Task ListRooms_RoomHostToken_Returns403()
    {
        using var response = await Get("/api/rooms", _server.Token("plenary", "county", ParticipantRole.Host));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ListRooms_NoToken_Returns401()
    {
        using var response = await Get("/api/rooms", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task GetRoom_AdminToken_ListsEveryoneWithTracks()
    {
        using var response = await Get("/api/rooms/plenary", _server.Token("*", "controlplane", ParticipantRole.Host));
        var room = await response.Content.ReadFromJsonAsync<RoomDetailsDto>();
        Assert.Equal(["county", "village-1", "town-admin"], room!.Participants.Select(p => p.Id));
        var host = room.Participants[0];
        Assert.Equal(("host", "publisher"), (host.Role, host.Kind));
        var video = Assert.Single(host.Tracks, t => t.Kind == "video");
        Assert.Equal(("VP8", 3), (video.Codec, video.Ssrcs.Count));
        Assert.Equal(["q", "h", "f"], video.Rids);
    }

    [Fact]
    public async Task GetRoom_RoomHostToken_HidesObservers()
    {
        using var response = await Get("/api/rooms/plenary", _server.Token("plenary", "county", ParticipantRole.Host));
        var room = await response.Content.ReadFromJsonAsync<RoomDetailsDto>();
        Assert.Equal(["county", "village-1"], room!.Participants.Select(p => p.Id));
    }

    [Theory]
    [InlineData("plenary", ParticipantRole.Speaker)]
    [InlineData("village-9", ParticipantRole.Host)]
    public async Task GetRoom_NotThisRoomsHost_Returns403(string tokenRoom, ParticipantRole role)
    {
        using var response = await Get("/api/rooms/plenary", _server.Token(tokenRoom, "x", role));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task GetRoom_Unknown_Returns404()
    {
        using var response = await Get("/api/rooms/nobody-here", _server.Token("*", "controlplane", ParticipantRole.Host));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GetRoom_AfterDelete_SessionIsGone()
    {
        var admin = _server.Token("*", "controlplane", ParticipantRole.Host);
        using var before = await Get("/api/rooms/village-9", admin);
        var session = (await before.Content.ReadFromJsonAsync<RoomDetailsDto>())!.Participants.Single().SessionId;
        using var deleted = await _server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Delete, $"/whip/village-9/{session}", admin));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var after = await Get("/api/rooms/village-9", admin);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }
}
