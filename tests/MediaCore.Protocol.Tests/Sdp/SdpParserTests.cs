using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

public class SdpParserTests
{
    [Theory]
    [MemberData(nameof(SdpFixtures.AllNames), MemberType = typeof(SdpFixtures))]
    public void TryParse_ChromiumFixture_Succeeds(string name)
    {
        var d = SdpFixtures.Parse(name);
        Assert.NotEmpty(d.Media);
        Assert.NotNull(d.BundleGroup);
    }

    [Fact]
    public void TryParse_WhipOffer_ReadsSessionLevel()
    {
        var d = SdpFixtures.Parse(SdpFixtures.WhipOffer);
        Assert.Equal("-", d.Origin.Username);
        Assert.Equal(8652350315539162932UL, d.Origin.SessionId);
        Assert.Equal(2UL, d.Origin.SessionVersion);
        Assert.Equal("-", d.SessionName);
        Assert.Equal((0UL, 0UL), d.Timing);
        Assert.Equal(["0", "1"], d.BundleGroup!.Mids);
        Assert.True(d.ExtmapAllowMixed);
        Assert.Equal("WMS", d.MsidSemantic!.Semantic);
        Assert.Equal(["8de8bd22-316d-42e9-a18f-5661bb892e88"], d.MsidSemantic.Identifiers);
        Assert.False(d.IceLite);
        Assert.Equal(2, d.Media.Count);
    }

    [Fact]
    public void TryParse_WhipOffer_ReadsAudioSection()
    {
        var a = SdpFixtures.Parse(SdpFixtures.WhipOffer).Media[0];
        Assert.Equal(MediaKind.Audio, a.Kind);
        Assert.Equal(50493, a.Port);
        Assert.Equal("UDP/TLS/RTP/SAVPF", a.Protocol);
        Assert.Equal("0", a.Mid);
        Assert.Equal(MediaDirection.SendOnly, a.Direction);
        Assert.Equal("Faky", a.IceUfrag);
        Assert.Equal("EkbTaYdSzohoIQUHULQoNIHp", a.IcePwd);
        Assert.Equal(["trickle"], a.IceOptions);
        Assert.Equal("sha-256", a.Fingerprint!.Algorithm);
        Assert.Equal(32, a.Fingerprint.Value.Length);
        Assert.Equal(0x0E, a.Fingerprint.Value[0]);
        Assert.Equal(0x49, a.Fingerprint.Value[31]);
        Assert.Equal(SetupRole.ActPass, a.Setup);
        Assert.True(a.RtcpMux);
        Assert.True(a.RtcpRsize);
        Assert.Equal(new byte[] { 111, 63, 9, 0, 8, 13, 110, 126 }, a.Codecs.Select(c => c.PayloadType.Value));

        var opus = a.FindCodec(new PayloadType(111))!;
        Assert.Equal("opus", opus.Name);
        Assert.Equal(48000, opus.ClockRate);
        Assert.Equal(2, opus.Channels);
        Assert.Equal("10", opus.GetParameter("minptime"));
        Assert.Equal("1", opus.GetParameter("useinbandfec"));
        Assert.Equal([RtcpFeedback.TransportCc], opus.Feedback);
        var red = a.FindCodec(new PayloadType(63))!;
        Assert.Equal([new SdpParameter("111/111", null)], red.Parameters);

        Assert.Equal(1, a.FindExtensionId(RtpExtensionUris.AudioLevel));
        Assert.Equal(3, a.FindExtensionId(RtpExtensionUris.TransportWideCc));
        Assert.Equal([new Msid("8de8bd22-316d-42e9-a18f-5661bb892e88", "19c8a2d3-ee95-4368-9e46-5affe51a8bba")], a.Msids);
        Assert.Equal("voIbl0uYl9hyVHTb", a.FindSsrcAttribute(new Ssrc(500469628), "cname"));
        Assert.Contains(new SdpAttribute("rtcp", "9 IN IP4 0.0.0.0"), a.Attributes);
        Assert.Contains(new SdpAttribute("rtcp-xr", "rcvr-rtt=all"), a.Attributes);

        Assert.Equal(2, a.Candidates.Count);
        var host = a.Candidates[0];
        Assert.Equal("937635491", host.Foundation);
        Assert.Equal(1, host.Component);
        Assert.Equal("udp", host.Transport);
        Assert.Equal(2122260223u, host.Priority);
        Assert.Equal("127.0.0.1", host.Address);
        Assert.Equal(50493, host.Port);
        Assert.Equal("host", host.Type);
        Assert.Equal([new("generation", "0"), new("network-id", "1"), new("network-cost", "50")], host.Extensions);
        Assert.Equal("tcp", a.Candidates[1].Transport);
        Assert.Contains(new SdpParameter("tcptype", "active"), a.Candidates[1].Extensions);
    }

    [Fact]
    public void TryParse_WhipOffer_ReadsVideoCodecsRtxAndSsrcGroup()
    {
        var v = SdpFixtures.Parse(SdpFixtures.WhipOffer).Media[1];
        Assert.Equal(MediaKind.Video, v.Kind);
        Assert.Equal(23, v.Codecs.Count);
        var vp8 = v.FindCodec(new PayloadType(96))!;
        Assert.True(vp8.IsNamed("vp8"));
        Assert.Null(vp8.Channels);
        Assert.Equal([RtcpFeedback.GoogRemb, RtcpFeedback.TransportCc, RtcpFeedback.CcmFir, RtcpFeedback.Nack, RtcpFeedback.NackPli], vp8.Feedback);
        Assert.Equal("96", v.FindCodec(new PayloadType(97))!.GetParameter("apt"));
        var h264 = v.FindCodec(new PayloadType(108))!;
        Assert.Equal("42e01f", h264.GetParameter("profile-level-id"));
        Assert.Equal("1", h264.GetParameter("packetization-mode"));
        Assert.Equal(10, v.FindExtensionId(RtpExtensionUris.RtpStreamId));
        Assert.Equal(11, v.FindExtensionId(RtpExtensionUris.RepairedRtpStreamId));
        Assert.Equal([new SsrcGroup("FID", [new Ssrc(2627370381), new Ssrc(3235616813)])], v.SsrcGroups);
        Assert.Equal(4, v.Ssrcs.Count);
    }

    [Fact]
    public void TryParse_SimulcastOffer_ReadsRidsAndSimulcast()
    {
        var v = SdpFixtures.Parse(SdpFixtures.WhipSimulcastOffer).Media[1];
        Assert.Equal(
            [new RidDescription("q", RidDirection.Send), new RidDescription("h", RidDirection.Send), new RidDescription("f", RidDirection.Send)],
            v.Rids);
        Assert.Equal(SimulcastDescription.Streams("q", "h", "f"), v.Simulcast!.Send);
        Assert.Empty(v.Simulcast.Recv);
        Assert.Empty(v.Ssrcs);
    }

    [Fact]
    public void TryParse_WhepOffer_ReadsThreeRecvOnlySections()
    {
        var d = SdpFixtures.Parse(SdpFixtures.WhepOffer);
        Assert.Equal(["0", "1", "2"], d.BundleGroup!.Mids);
        Assert.Equal([MediaKind.Audio, MediaKind.Video, MediaKind.Video], d.Media.Select(m => m.Kind));
        Assert.All(d.Media, m => Assert.Equal(MediaDirection.RecvOnly, m.Direction));
        Assert.All(d.Media, m => Assert.Empty(m.Ssrcs));
        Assert.Empty(d.MsidSemantic!.Identifiers);
    }

    [Fact]
    public void TryParse_ChromiumAnswer_ReadsDataChannelAndActiveSetup()
    {
        var d = SdpFixtures.Parse(SdpFixtures.ChromiumAnswer);
        Assert.All(d.Media, m => Assert.Equal(SetupRole.Active, m.Setup));
        var app = d.Media[2];
        Assert.Equal(MediaKind.Application, app.Kind);
        Assert.Equal("UDP/DTLS/SCTP", app.Protocol);
        Assert.False(app.IsRtp);
        Assert.Equal(["webrtc-datachannel"], app.Formats);
        Assert.Empty(app.Codecs);
        Assert.Contains(new SdpAttribute("sctp-port", "5000"), app.Attributes);
        Assert.Equal([new Msid("-", "956f65e5-a3b5-49c4-8f0b-648279e652aa")], d.Media[0].Msids);
        Assert.Equal(MediaDirection.SendRecv, d.Media[0].Direction);
        Assert.Equal(MediaDirection.RecvOnly, d.Media[1].Direction);
    }

    [Theory]
    [MemberData(nameof(SdpFixtures.AllNames), MemberType = typeof(SdpFixtures))]
    public void Write_ParsedFixture_ParsesBackEqual(string name)
    {
        var d = SdpFixtures.Parse(name);
        string text = SdpWriter.Write(d);
        Assert.True(SdpParser.TryParse(text, out var again, out var error), error);
        Assert.Equal(d, again);
        Assert.Equal(text, SdpWriter.Write(again));
    }

    [Fact]
    public void Write_Output_UsesCrlfOnly()
    {
        string text = SdpWriter.Write(SdpFixtures.Parse(SdpFixtures.WhipOffer));
        Assert.EndsWith("\r\n", text);
        Assert.DoesNotContain("\n", text.Replace("\r\n", ""));
        Assert.StartsWith("v=0\r\no=- 8652350315539162932 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", text);
    }

    [Fact]
    public void TryParse_LfOnlyLineEnds_Accepted()
    {
        string text = SdpFixtures.Text(SdpFixtures.WhipOffer).Replace("\r\n", "\n");
        Assert.True(SdpParser.TryParse(text, out var d, out var error), error);
        Assert.Equal(SdpFixtures.Parse(SdpFixtures.WhipOffer), d);
    }

    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("o=- 1 2 IN IP4 127.0.0.1\r\n", 1, "first line must be v=0")]
    [InlineData("v=1\r\n", 1, "version")]
    [InlineData("v=0\r\ns=-\r\nt=0 0\r\n", 3, "missing o=")]
    [InlineData("v=0\r\no=- 1 2 IN IP4\r\ns=-\r\nt=0 0\r\n", 2, "o= needs")]
    [InlineData("v=0\r\no=- x 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n", 2, "session id")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nt=0 0\r\n", 3, "missing s=")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\n", 3, "missing t=")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nbogus\r\n", 5, "expected '<type>=<value>'")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nx=1\r\n", 5, "unknown line type")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 abc\r\n", 5, "not an RTP payload type")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n", 5, "port")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus\r\n", 6, "encoding must be")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/x/2\r\n", 6, "clock rate")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 0E:4G\r\n", 6, "non-hex")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:sometimes\r\n", 6, "a=setup")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=extmap:0 urn:x\r\n", 6, "1-255")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=ssrc:-1 cname:x\r\n", 6, "32-bit")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rid:q both\r\n", 6, "send or recv")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=simulcast:send q;;f\r\n", 6, "a=simulcast rid")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=candidate:1 1 udp 5 1.2.3.4 99999 typ host\r\n", 6, "port")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=candidate:1 1 udp 5 1.2.3.4 9 typ host generation\r\n", 6, "has no value")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n", 8, "another media section")]
    [InlineData("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\no=- 1 2 IN IP4 1.2.3.4\r\n", 6, "not allowed in a media section")]
    public void TryParse_Malformed_FailsWithLineNumber(string text, int line, string reason)
    {
        Assert.False(SdpParser.TryParse(text, out _, out var error));
        Assert.StartsWith($"line {line}: ", error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void TryParse_Null_Fails()
    {
        Assert.False(SdpParser.TryParse(null, out _, out var error));
        Assert.Contains("null", error);
    }

    [Fact]
    public void TryParse_TooLong_Fails()
    {
        string text = "v=0\r\n" + new string('x', SdpParser.MaxLength);
        Assert.False(SdpParser.TryParse(text, out _, out var error));
        Assert.Contains("more than", error);
    }

    [Fact]
    public void TryParse_StaticPayloadTypeWithoutRtpmap_FillsRfc3551Name()
    {
        var d = SdpParser.Parse("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0 8 96\r\n");
        var codecs = d.Media[0].Codecs;
        Assert.Equal("PCMU", codecs[0].Name);
        Assert.Equal(8000, codecs[0].ClockRate);
        Assert.Equal("PCMA", codecs[1].Name);
        Assert.Equal("", codecs[2].Name); // dynamic type without rtpmap: unknown, written back without one
        Assert.Equal(d, SdpParser.Parse(SdpWriter.Write(d)));
    }

    [Fact]
    public void TryParse_SessionLevelTransportAndDirection_AppliesDefaults()
    {
        var d = SdpParser.Parse(
            "v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=ice-ufrag:abcd\r\na=ice-pwd:pwpwpwpwpwpwpwpwpwpwpw\r\n" +
            "a=fingerprint:sha-256 AB:CD\r\na=setup:passive\r\na=recvonly\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n");
        Assert.True(d.IceLite);
        Assert.Equal("abcd", d.IceUfrag);
        Assert.Equal(new DtlsFingerprint("sha-256", [0xAB, 0xCD]), d.Fingerprint);
        Assert.Equal(SetupRole.Passive, d.Setup);
        Assert.Equal(MediaDirection.RecvOnly, d.Direction);
        Assert.Equal(MediaDirection.RecvOnly, d.Media[0].Direction);
    }

    [Fact]
    public void TryParse_UnknownAttributes_ArePreservedInOrder()
    {
        var d = SdpParser.Parse(
            "v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\na=x-session:1\r\na=flag\r\n" +
            "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=x-foo:bar baz\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:100 H264/90000\r\na=x-last\r\n");
        Assert.Equal([new SdpAttribute("x-session", "1"), new SdpAttribute("flag", null)], d.Attributes);
        Assert.Equal(
            [new SdpAttribute("x-foo", "bar baz"), new SdpAttribute("rtpmap", "100 H264/90000"), new SdpAttribute("x-last", null)],
            d.Media[0].Attributes);
        Assert.Equal(d, SdpParser.Parse(SdpWriter.Write(d)));
    }
}
