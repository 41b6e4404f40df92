using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

/// <summary>RFC 8853 (simulcast) §5.1 grammar and RFC 8851 (rid) §10 grammar.</summary>
public class Rfc8853Tests
{
    private static MediaDescription Video(string attributes)
        => SdpParser.Parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97 98\r\n" + attributes).Media[0];

    [Fact]
    public void TryParse_SimulcastWithAlternativesAndPaused_ReadsStreams()
    {
        // §5.1: ';' separates streams, ',' alternative formats of one stream, '~' a paused stream.
        var m = Video("a=simulcast:send 1;2,3;~4 recv c\r\n");
        Assert.Equal(
            [[new SimulcastRid("1")], [new SimulcastRid("2"), new SimulcastRid("3")], [new SimulcastRid("4", Paused: true)]],
            m.Simulcast!.Send);
        Assert.Equal([[new SimulcastRid("c")]], m.Simulcast.Recv);
        Assert.Contains("a=simulcast:send 1;2,3;~4 recv c\r\n", SdpWriter.Write(SdpParser.Parse(
            "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97\r\na=simulcast:send 1;2,3;~4 recv c\r\n")));
    }

    [Fact]
    public void TryParse_SimulcastRecvFirst_Accepted()
    {
        var m = Video("a=simulcast:recv a;b send c\r\n");
        Assert.Equal(SimulcastDescription.Streams("a", "b"), m.Simulcast!.Recv);
        Assert.Equal(SimulcastDescription.Streams("c"), m.Simulcast.Send);
    }

    [Theory]
    [InlineData("a=simulcast:send\r\n")]
    [InlineData("a=simulcast:send a send b\r\n")]
    [InlineData("a=simulcast:both a\r\n")]
    [InlineData("a=simulcast:send a;b c\r\n")]
    [InlineData("a=simulcast:send a*b\r\n")]
    public void TryParse_MalformedSimulcast_Fails(string line)
    {
        Assert.False(SdpParser.TryParse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97\r\n" + line, out _, out var error));
        Assert.StartsWith("line 6: ", error);
    }

    [Fact]
    public void TryParse_RidWithRestrictions_ReadsPtAndLimits()
    {
        // RFC 8851 §10: "a=rid:" rid-id SP rid-dir [ rid-pt-param-list / rid-param-list ]
        var m = Video("a=rid:1 send pt=97,98;max-width=1280;max-height=720\r\na=rid:2 recv\r\n");
        Assert.Equal(
            [new RidDescription("1", RidDirection.Send, [new SdpParameter("pt", "97,98"), new SdpParameter("max-width", "1280"), new SdpParameter("max-height", "720")]),
             new RidDescription("2", RidDirection.Recv)],
            m.Rids);
    }
}
