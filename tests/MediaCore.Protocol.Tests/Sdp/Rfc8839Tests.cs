using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

/// <summary>RFC 8839 (SDP offer/answer for ICE) §5.1 candidate attribute, and RFC 8285 §8 extmap.</summary>
public class Rfc8839Tests
{
    private static MediaDescription Audio(string attributes)
        => SdpParser.Parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" + attributes).Media[0];

    [Fact]
    public void TryParse_HostAndServerReflexiveCandidates_ReadsRelatedAddress()
    {
        var m = Audio(
            "a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host\r\n" +
            "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998\r\n");
        Assert.Equal(new IceCandidate { Foundation = "1", Transport = "UDP", Priority = 2130706431, Address = "203.0.113.141", Port = 8998 }, m.Candidates[0]);
        var srflx = m.Candidates[1];
        Assert.Equal("srflx", srflx.Type);
        Assert.Equal("203.0.113.141", srflx.RelatedAddress);
        Assert.Equal(8998, srflx.RelatedPort);
        Assert.Contains("a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998\r\n",
            SdpWriter.Write(SdpParser.Parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" +
                "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998\r\n")));
    }

    [Fact]
    public void Host_Priority_IsRfc8445HostFormula()
    {
        // RFC 8445 §5.1.2.1: (2^24)*126 + (2^8)*65535 + (256 - 1).
        Assert.Equal(2130706431u, IceCandidate.Host("192.0.2.1", 5000).Priority);
    }

    [Fact]
    public void TryParse_ExtmapWithDirectionAndAttributes_Parsed()
    {
        // RFC 8285 §8: extmap with an optional direction and extension attributes.
        var m = Audio("a=extmap:1 http://example.com/082005/ext.htm#ttime\r\na=extmap:2/sendrecv http://example.com/082005/ext.htm#xmeta short\r\n");
        Assert.Equal(
            [new HeaderExtension(1, "http://example.com/082005/ext.htm#ttime"),
             new HeaderExtension(2, "http://example.com/082005/ext.htm#xmeta", MediaDirection.SendRecv, "short")],
            m.HeaderExtensions);
    }

    [Fact]
    public void CreateAnswer_ExtmapSendOnly_AnsweredRecvOnly()
    {
        // RFC 8285 §7: a sendonly extension in the offer is recvonly in the answer.
        var offer = SdpFixtures.Parse(SdpFixtures.WhipOffer);
        var audio = offer.Media[0];
        offer = offer with { Media = [audio with { HeaderExtensions = [new HeaderExtension(1, RtpExtensionUris.AudioLevel, MediaDirection.SendOnly)] }, offer.Media[1]] };
        var r = SdpNegotiator.CreateAnswer(offer, SdpNegotiatorTests.Options());
        Assert.Equal([new HeaderExtension(1, RtpExtensionUris.AudioLevel, MediaDirection.RecvOnly)], r.Answer!.Media[0].HeaderExtensions);
    }
}
