using MediaCore.LoadTest.Peers;
using MediaCore.Server.Auth;

namespace MediaCore.LoadTest.Tests.Peers;

public sealed class ReceivedWindowTests
{
    [Fact]
    public void MarkRecovered_HoleFilledByRtx_CountsOnceAndDuplicateNot()
    {
        var w = new ReceivedWindow();
        foreach (ushort s in new ushort[] { 65533, 65534, 65535, 1, 2 }) w.MarkReceived(s);

        Assert.True(w.MarkRecovered(0));      // across the wrap: the missing one
        Assert.False(w.MarkRecovered(0));     // a second RTX of it
        Assert.False(w.MarkRecovered(65535)); // RFC 4588 §8.3: an RTX of a packet that did arrive
    }

    [Fact]
    public void MarkRecovered_OlderThanWindow_NotCounted()
    {
        var w = new ReceivedWindow();
        for (int s = 0; s < 5000; s++) if (s != 10) w.MarkReceived((ushort)s);

        Assert.False(w.MarkRecovered(10));
    }
}

public sealed class MediaTokenTests
{
    [Fact]
    public async Task Issue_ValidatedByServerValidator_CarriesRoomSubjectRole()
    {
        const string secret = "loadtest-test-secret-0123456789-abcdefgh";
        string jwt = MediaCore.LoadTest.Peers.MediaToken.Issue(secret, "plenary", "village-007", "audience", TimeSpan.FromMinutes(5));

        var check = await new MediaTokenValidator(secret, TimeSpan.FromSeconds(30)).ValidateAsync(jwt);

        Assert.True(check.IsValid, check.Description);
        Assert.Equal("village-007", check.Token!.Participant.Id);
        Assert.Equal(ParticipantRole.Audience, check.Token.Participant.Role);
    }
}
