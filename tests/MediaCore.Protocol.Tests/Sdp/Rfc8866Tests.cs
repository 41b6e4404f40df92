using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

/// <summary>RFC 8866 (SDP) §5: the example session description.</summary>
public class Rfc8866Tests
{
    private const string Example =
        "v=0\r\n" +
        "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n" +
        "s=Call to John Smith\r\n" +
        "i=SDP Offer #1\r\n" +
        "u=http://www.jdoe.example.com/home.html\r\n" +
        "e=Jane Doe <jane@jdoe.example.com>\r\n" +
        "p=+1 617 555-6011\r\n" +
        "c=IN IP4 198.51.100.1\r\n" +
        "t=0 0\r\n" +
        "m=audio 49170 RTP/AVP 0\r\n" +
        "m=audio 49180 RTP/AVP 0\r\n" +
        "m=video 51372 RTP/AVP 99\r\n" +
        "c=IN IP6 2001:db8::2\r\n" +
        "a=rtpmap:99 h263-1998/90000\r\n";

    [Fact]
    public void TryParse_Section5Example_ReadsEveryField()
    {
        Assert.True(SdpParser.TryParse(Example, out var d, out var error), error);
        Assert.Equal(new Origin("jdoe", 3724394400, 3724394405, "IN", "IP4", "198.51.100.1"), d.Origin);
        Assert.Equal("Call to John Smith", d.SessionName);
        Assert.Equal(
            [new SdpLine('i', "SDP Offer #1"), new SdpLine('u', "http://www.jdoe.example.com/home.html"),
             new SdpLine('e', "Jane Doe <jane@jdoe.example.com>"), new SdpLine('p', "+1 617 555-6011")],
            d.OtherLines);
        Assert.Equal(new ConnectionData("IN", "IP4", "198.51.100.1"), d.Connection);
        Assert.Equal(3, d.Media.Count);
        // §5.14: payload type 0 is static (RFC 3551 PCMU) and needs no rtpmap.
        Assert.Equal("PCMU", d.Media[0].Codecs[0].Name);
        Assert.Equal(8000, d.Media[0].Codecs[0].ClockRate);
        Assert.Equal(49180, d.Media[1].Port);
        Assert.Equal(new ConnectionData("IN", "IP6", "2001:db8::2"), d.Media[2].Connection);
        Assert.Equal("h263-1998", d.Media[2].FindCodec(new PayloadType(99))!.Name);
        Assert.All(d.Media, m => Assert.Null(m.Mid));
    }

    [Fact]
    public void Write_Section5Example_KeepsRfcLineOrder()
    {
        var text = SdpWriter.Write(SdpParser.Parse(Example));
        // Only difference: the writer spells out the default direction and PCMU's static rtpmap.
        var expected = Example
            .Replace("m=audio 49170 RTP/AVP 0\r\n", "m=audio 49170 RTP/AVP 0\r\na=sendrecv\r\na=rtpmap:0 PCMU/8000\r\n")
            .Replace("m=audio 49180 RTP/AVP 0\r\n", "m=audio 49180 RTP/AVP 0\r\na=sendrecv\r\na=rtpmap:0 PCMU/8000\r\n")
            .Replace("c=IN IP6 2001:db8::2\r\n", "c=IN IP6 2001:db8::2\r\na=sendrecv\r\n");
        Assert.Equal(expected, text);
    }

    [Fact]
    public void TryParse_Section5_8Bandwidth_Parsed()
    {
        var d = SdpParser.Parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nb=AS:2000\r\nt=0 0\r\nm=video 9 RTP/AVP 96\r\nb=TIAS:1000000\r\n");
        Assert.Equal([new Bandwidth("AS", 2000)], d.Bandwidths);
        Assert.Equal([new Bandwidth("TIAS", 1000000)], d.Media[0].Bandwidths);
    }
}
