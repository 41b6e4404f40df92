using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

/// <summary>
/// Offers shaped like other WHIP clients write them (hand-written, not captures): transport attributes at
/// session level, extmap directions, upper-case names, LF line ends, legacy simulcast forms.
/// </summary>
public class OtherClientOfferTests
{
    // Firefox-like: session-level fingerprint and ice-options, o= username with dots, lower-case hex.
    private const string FirefoxStyle =
        "v=0\n" +
        "o=mozilla...THIS_IS_SDPARTA-99.0 4575386264548419468 0 IN IP4 0.0.0.0\n" +
        "s=-\n" +
        "t=0 0\n" +
        "a=fingerprint:sha-256 0e:40:56:55:52:4f:5c:0e:91:51:2d:8c:87:86:f6:cc:69:2a:d9:d5:85:e0:75:b9:85:d1:f2:4c:a1:63:7e:49\n" +
        "a=group:BUNDLE 0 1\n" +
        "a=ice-options:trickle\n" +
        "a=msid-semantic:WMS *\n" +
        "m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101\n" +
        "c=IN IP4 0.0.0.0\n" +
        "a=sendonly\n" +
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\n" +
        "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\n" +
        "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\n" +
        "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\n" +
        "a=fmtp:101 0-15\n" +
        "a=ice-pwd:1f2e3d4c5b6a79881f2e3d4c5b6a7988\n" +
        "a=ice-ufrag:a1b2c3d4\n" +
        "a=mid:0\n" +
        "a=msid:{5e8c} {7a1b}\n" +
        "a=rtcp-mux\n" +
        "a=rtpmap:109 opus/48000/2\n" +
        "a=rtpmap:101 telephone-event/8000/1\n" +
        "a=setup:actpass\n" +
        "a=ssrc:3198297425 cname:{c0ffee}\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 120 124 126 127\n" +
        "c=IN IP4 0.0.0.0\n" +
        "a=sendonly\n" +
        "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\n" +
        "a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\n" +
        "a=extmap:5 urn:ietf:params:rtp-hdrext:toffset\n" +
        "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\n" +
        "a=extmap:8 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\n" +
        "a=fmtp:126 profile-level-id=42E01F;level-asymmetry-allowed=1;packetization-mode=1\n" +
        "a=fmtp:120 max-fs=12288;max-fr=60\n" +
        "a=fmtp:124 apt=120\n" +
        "a=fmtp:127 apt=126\n" +
        "a=ice-pwd:1f2e3d4c5b6a79881f2e3d4c5b6a7988\n" +
        "a=ice-ufrag:a1b2c3d4\n" +
        "a=mid:1\n" +
        "a=msid:{5e8c} {9c2d}\n" +
        "a=rid:a send\n" +
        "a=rid:b send\n" +
        "a=rtcp-fb:120 nack\n" +
        "a=rtcp-fb:120 nack pli\n" +
        "a=rtcp-fb:120 ccm fir\n" +
        "a=rtcp-fb:120 goog-remb\n" +
        "a=rtcp-fb:120 transport-cc\n" +
        "a=rtcp-fb:126 nack\n" +
        "a=rtcp-fb:126 nack pli\n" +
        "a=rtcp-mux\n" +
        "a=rtcp-rsize\n" +
        "a=rtpmap:120 VP8/90000\n" +
        "a=rtpmap:124 rtx/90000\n" +
        "a=rtpmap:126 H264/90000\n" +
        "a=rtpmap:127 rtx/90000\n" +
        "a=setup:actpass\n" +
        "a=simulcast:send rid=a;b\n" +
        "a=ssrc:1111 cname:{c0ffee}\n" +
        "a=ssrc:2222 cname:{c0ffee}\n" +
        "a=ssrc-group:FID 1111 2222\n";

    [Fact]
    public void TryParse_FirefoxStyleOffer_ReadsSessionLevelFingerprintAndLegacySimulcast()
    {
        var d = SdpParser.Parse(FirefoxStyle);
        Assert.Equal("mozilla...THIS_IS_SDPARTA-99.0", d.Origin.Username);
        Assert.Equal(0x0E, d.Fingerprint!.Value[0]);
        Assert.Null(d.Media[0].Fingerprint);
        Assert.Equal(new HeaderExtension(2, "urn:ietf:params:rtp-hdrext:csrc-audio-level", MediaDirection.RecvOnly), d.Media[0].HeaderExtensions[1]);
        Assert.Equal(1, d.Media[0].FindCodec(new PayloadType(101))!.Channels);
        // "rid=" is the pre-RFC 8853 form; it reads as the plain list.
        Assert.Equal(SimulcastDescription.Streams("a", "b"), d.Media[1].Simulcast!.Send);
    }

    [Fact]
    public void CreateAnswer_FirefoxStyleOffer_UsesSessionFingerprintAndAnswersSimulcast()
    {
        var r = SdpNegotiator.CreateAnswer(SdpParser.Parse(FirefoxStyle), SdpNegotiatorTests.Options() with { VideoCodecs = [SdpCodec.H264, SdpCodec.VP8] });
        Assert.True(r.IsSuccess, r.Error);
        var s = r.Session!;
        Assert.Equal("a1b2c3d4", s.RemoteIceUfrag);
        Assert.Equal(32, s.RemoteFingerprint.Value.Length);
        var audio = s.Media[0];
        Assert.Equal(new PayloadType(109), Assert.Single(audio.Codecs).PayloadType);
        Assert.Equal([RtpExtensionUris.AudioLevel, RtpExtensionUris.Mid], audio.HeaderExtensions.Select(e => e.Uri));
        var video = s.Media[1];
        var h264 = Assert.Single(video.Codecs);
        Assert.Equal(new PayloadType(126), h264.PayloadType);
        Assert.Equal(new PayloadType(127), h264.RtxPayloadType);
        Assert.Equal([RtcpFeedback.Nack, RtcpFeedback.NackPli], h264.Feedback);
        Assert.Equal("42e01f", h264.Parameters.First(p => p.Key == "profile-level-id").Value);
        Assert.Equal(["a", "b"], video.Rids);
        Assert.Equal(new RemoteSource(new Ssrc(1111), new Ssrc(2222), "{c0ffee}", new Msid("{5e8c}", "{9c2d}")), Assert.Single(video.RemoteSources));
    }

    [Fact]
    public void CreateAnswer_H264PacketizationMode0Only_RejectsVideo()
    {
        // RFC 6184 §8.1: no packetization-mode means mode 0 (single NAL unit), which we do not take.
        string text = FirefoxStyle.Replace(";packetization-mode=1", "").Replace("a=rtpmap:120 VP8/90000\n", "a=rtpmap:120 VP7/90000\n");
        var r = SdpNegotiator.CreateAnswer(SdpParser.Parse(text), SdpNegotiatorTests.Options());
        Assert.True(r.IsSuccess, r.Error);
        Assert.True(r.Session!.Media[1].Rejected);
        Assert.Equal(0, r.Answer!.Media[1].Port);
        Assert.Equal(["0"], r.Answer.BundleGroup!.Mids);
    }
    [Fact]
    public void CreateAnswer_OpusWithoutChannelCount_AnsweredAsOpus48000Stereo()
    {
        string text = FirefoxStyle.Replace("a=rtpmap:109 opus/48000/2", "a=rtpmap:109 OPUS/48000");
        var r = SdpNegotiator.CreateAnswer(SdpParser.Parse(text), SdpNegotiatorTests.Options());
        Assert.True(r.IsSuccess, r.Error);
        var opus = Assert.Single(r.Answer!.Media[0].Codecs);
        Assert.Equal(2, opus.Channels);
        Assert.Equal(SdpCodec.Opus, r.Session!.Media[0].Codecs[0].Codec);
    }
}
