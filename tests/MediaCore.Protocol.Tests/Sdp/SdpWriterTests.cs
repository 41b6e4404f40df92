using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

public class SdpWriterTests
{
    // Every line type and attribute the model types, in the writer's canonical order.
    private const string Everything =
        "v=0\r\n" +
        "o=alice 7 9 IN IP6 2001:db8::1\r\n" +
        "s=All fields\r\n" +
        "i=info\r\n" +
        "u=http://example.com/\r\n" +
        "e=a@example.com\r\n" +
        "p=+1 555\r\n" +
        "c=IN IP4 192.0.2.1\r\n" +
        "b=AS:512\r\n" +
        "t=10 20\r\n" +
        "r=7d 1h 0 25h\r\n" +
        "t=30 40\r\n" +
        "z=2882844526 -1h\r\n" +
        "k=prompt\r\n" +
        "a=group:BUNDLE v app\r\n" +
        "a=group:LS v\r\n" +
        "a=ice-lite\r\n" +
        "a=extmap-allow-mixed\r\n" +
        "a=msid-semantic: WMS s1 s2\r\n" +
        "a=ice-ufrag:uf\r\n" +
        "a=ice-pwd:pw\r\n" +
        "a=ice-options:trickle ice2\r\n" +
        "a=fingerprint:sha-256 01:02:FF\r\n" +
        "a=setup:active\r\n" +
        "a=recvonly\r\n" +
        "a=fingerprint:sha-1 03:04\r\n" +
        "a=x-session-flag\r\n" +
        "m=video 9/2 UDP/TLS/RTP/SAVPF 96 97 0 100\r\n" +
        "i=camera\r\n" +
        "c=IN IP4 0.0.0.0\r\n" +
        "b=TIAS:1000\r\n" +
        "k=clear:secret\r\n" +
        "a=ice-ufrag:m-uf\r\n" +
        "a=ice-pwd:m-pw\r\n" +
        "a=fingerprint:sha-256 0A:0B\r\n" +
        "a=setup:holdconn\r\n" +
        "a=mid:v\r\n" +
        "a=extmap:1 urn:a\r\n" +
        "a=extmap:2/sendonly urn:b attr1 attr2\r\n" +
        "a=extmap-allow-mixed\r\n" +
        "a=inactive\r\n" +
        "a=msid:stream\r\n" +
        "a=msid:stream track\r\n" +
        "a=rtcp-mux\r\n" +
        "a=rtcp-rsize\r\n" +
        "a=bundle-only\r\n" +
        "a=rtpmap:96 VP8/90000\r\n" +
        "a=rtcp-fb:96 ccm tmmbr smaxpr=120\r\n" +
        "a=fmtp:96 max-fs=12288;flag;x=\r\n" +
        "a=rtpmap:97 rtx/90000\r\n" +
        "a=fmtp:97 apt=96\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtcp-fb:* nack\r\n" +
        "a=ssrc-group:SIM 1 2 3\r\n" +
        "a=ssrc:1 cname:c\r\n" +
        "a=ssrc:2 flag\r\n" +
        "a=rid:r1 send pt=96;max-width=320\r\n" +
        "a=rid:r2 recv\r\n" +
        "a=simulcast:send r1;~r3,r4 recv r2\r\n" +
        "a=x-media:1\r\n" +
        "a=candidate:f 2 tcp 5 192.0.2.2 3000 typ srflx raddr 10.0.0.1 rport 4000 tcptype passive generation 0\r\n" +
        "a=end-of-candidates\r\n" +
        "m=application 0 UDP/DTLS/SCTP webrtc-datachannel other\r\n" +
        "a=mid:app\r\n" +
        "a=sendrecv\r\n" +
        "a=sctp-port:5000\r\n";

    [Fact]
    public void Write_EveryModelledField_ReproducesCanonicalText()
    {
        Assert.True(SdpParser.TryParse(Everything, out var d, out var error), error);
        Assert.Equal(Everything, SdpWriter.Write(d));
    }

    [Fact]
    public void TryParse_EveryModelledField_Typed()
    {
        var d = SdpParser.Parse(Everything);
        Assert.Equal([new SdpGroup("BUNDLE", ["v", "app"]), new SdpGroup("LS", ["v"])], d.Groups);
        Assert.Equal((10UL, 20UL), d.Timing);
        Assert.Equal(['i', 'u', 'e', 'p', 'r', 't', 'z', 'k'], d.OtherLines.Select(l => l.Type));
        Assert.Equal(MediaDirection.RecvOnly, d.Direction);
        Assert.Equal([new SdpAttribute("fingerprint", "sha-1 03:04"), new SdpAttribute("x-session-flag", null)], d.Attributes);
        var v = d.Media[0];
        Assert.Equal(2, v.PortCount);
        Assert.True(v.BundleOnly);
        Assert.False(v.IsRejected);
        Assert.Equal(SetupRole.HoldConn, v.Setup);
        Assert.Equal([new Msid("stream", null), new Msid("stream", "track")], v.Msids);
        Assert.Equal([RtcpFeedback.Nack], v.WildcardFeedback);
        Assert.Equal(new RtcpFeedback("ccm", "tmmbr smaxpr=120"), v.Codecs[0].Feedback[0]);
        Assert.Equal([new SdpParameter("max-fs", "12288"), new SdpParameter("flag", null), new SdpParameter("x", "")], v.Codecs[0].Parameters);
        Assert.Equal(new SsrcAttribute(new Ssrc(2), "flag", null), v.Ssrcs[1]);
        Assert.Equal([[new SimulcastRid("r1")], [new SimulcastRid("r3", true), new SimulcastRid("r4")]], v.Simulcast!.Send);
        Assert.Equal(['i', 'k'], v.OtherLines.Select(l => l.Type));
        var app = d.Media[1];
        Assert.True(app.IsRejected);
        Assert.Equal(["webrtc-datachannel", "other"], app.Formats);
    }

    [Fact]
    public void Write_BuiltInCode_ProducesParsableText()
    {
        var d = new SessionDescription
        {
            Origin = Origin.Create(5),
            Timing = (0, 0),
            Media =
            [
                new MediaDescription
                {
                    Media = "audio",
                    Mid = "a",
                    Codecs = [new RtpCodec { PayloadType = new PayloadType(111), Name = "opus", ClockRate = 48000, Channels = 2 }],
                },
            ],
        };
        string text = SdpWriter.Write(d);
        Assert.Equal(
            "v=0\r\no=- 5 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n",
            text);
        Assert.Equal(d, SdpParser.Parse(text));
    }
}
