using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Tests.Sessions;

public sealed class SessionManagerTests
{
    private static readonly ParticipantInfo Site = new("site-1", ParticipantRole.Speaker);

    [Fact]
    public async Task Publish_ChromiumOffer_AnswersIceLitePassiveWithHostCandidate()
    {
        var h = new SessionHarness();
        var (created, answer) = await h.PublishAsync("room1", SessionHarness.Fixture("chromium156-whip-offer.sdp"));
        Assert.True(answer.IceLite);
        Assert.Contains("a=setup:passive", created.AnswerSdp);
        Assert.Contains("a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", created.AnswerSdp);
        Assert.NotNull(h.Sessions.FindSession(RoomId.Parse("room1"), created.SessionId));
        var room = h.Sessions.GetRoom(RoomId.Parse("room1"))!;
        var tracks = Assert.Single(room.Participants).Tracks;
        Assert.Equal(["audio", "video"], tracks.Select(t => t.Kind));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n")]
    public async Task Publish_MalformedOrUnanswerableOffer_RejectedWithReasonAndCreatesNothing(string offer)
    {
        var h = new SessionHarness();
        var result = await h.Sessions.PublishAsync(RoomId.Parse("room1"), Site, offer, default);
        var rejected = Assert.IsType<SessionResult.Rejected>(result);
        Assert.Equal(SessionError.InvalidOffer, rejected.Error);
        Assert.False(string.IsNullOrWhiteSpace(rejected.Reason));
        Assert.Empty(h.Sessions.ListRooms());
    }

    [Fact]
    public async Task Publish_OnlyUnsupportedCodecs_RejectedNotCrashed()
    {
        var h = new SessionHarness();
        string offer = SessionHarness.Fixture("chromium156-whip-offer.sdp")
            .Replace("VP8/90000", "XVID/90000").Replace("H264/90000", "XH26/90000").Replace("VP9/90000", "XVP9/90000")
            .Replace("AV1/90000", "XAV1/90000").Replace("opus/48000/2", "xopus/48000/2");
        var result = await h.Sessions.PublishAsync(RoomId.Parse("room1"), Site, offer, default);
        Assert.IsType<SessionResult.Rejected>(result);
        Assert.Empty(h.Sessions.ListRooms());
    }

    [Fact]
    public async Task Close_Session_RemovesItAndTheEmptyRoom()
    {
        var h = new SessionHarness();
        var (created, _) = await h.PublishAsync("room1", SessionHarness.Fixture("chromium156-whip-offer.sdp"));
        Assert.True(await h.Sessions.CloseAsync(RoomId.Parse("room1"), created.SessionId, default));
        Assert.Null(h.Sessions.FindSession(RoomId.Parse("room1"), created.SessionId));
        Assert.Empty(h.Sessions.ListRooms());
        Assert.False(await h.Sessions.CloseAsync(RoomId.Parse("room1"), created.SessionId, default));
    }
}
