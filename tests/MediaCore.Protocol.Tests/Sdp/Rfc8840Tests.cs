using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

/// <summary>
/// RFC 8840 §9 trickle-ICE SDP fragments, as a WHIP client sends them in a PATCH (RFC 9725 §4.3.1).
/// </summary>
public class Rfc8840Tests
{
    private const string Fragment =
        "a=group:BUNDLE 0 1\r\n" +
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" +
        "a=mid:0\r\n" +
        "a=ice-ufrag:EsAw\r\n" +
        "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n" +
        "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\n" +
        "a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 ufrag EsAw network-id 1\r\n" +
        "a=end-of-candidates\r\n";

    [Fact]
    public void TryParseFragment_WhipPatchBody_ReadsCandidatesAndCredentials()
    {
        Assert.True(SdpParser.TryParseFragment(Fragment, out var f, out var error), error);
        Assert.Equal(["0", "1"], f.BundleGroup!.Mids);
        var m = Assert.Single(f.Media);
        Assert.Equal("0", m.Mid);
        Assert.Equal("EsAw", m.IceUfrag);
        Assert.Equal("P2uYro0UCOQ4zxjKXaWCBui1", m.IcePwd);
        Assert.Equal(2, m.Candidates.Count);
        Assert.Equal(61764, m.Candidates[0].Port);
        Assert.Contains(new SdpParameter("ufrag", "EsAw"), m.Candidates[0].Extensions);
        Assert.True(m.EndOfCandidates);
    }

    [Fact]
    public void TryParseFragment_SessionLevelIceRestartCredentials_Read()
    {
        // RFC 9725 §4.3.2: an ICE restart PATCH carries new credentials.
        Assert.True(SdpParser.TryParseFragment("a=ice-ufrag:ZXYB\r\na=ice-pwd:4ZXpjrIGrHEMPvq4VdDhnAlz\r\n", out var f, out var error), error);
        Assert.Equal("ZXYB", f.IceUfrag);
        Assert.Empty(f.Media);
    }

    [Fact]
    public void TryParseFragment_FullDescriptionLines_Rejected()
    {
        Assert.False(SdpParser.TryParseFragment("v=0\r\n" + Fragment, out _, out var error));
        Assert.StartsWith("line 1: ", error);
    }

    [Fact]
    public void TryParse_FragmentAsFullDescription_Rejected()
    {
        Assert.False(SdpParser.TryParse(Fragment, out _, out var error));
        Assert.Contains("v=0", error);
    }
}
