using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

public class SdpNegotiatorTests
{
    internal static readonly DtlsFingerprint ServerFingerprint = new("sha-256", Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());

    internal static AnswerOptions Options(MediaIntent intent = MediaIntent.Receive) => new()
    {
        IceUfrag = "srvU",
        IcePwd = "0123456789abcdefghijklmn",
        Fingerprint = ServerFingerprint,
        Candidates = [IceCandidate.Host("127.0.0.1", 50000)],
        DefaultIntent = intent,
        SessionId = 42,
    };

    private static AnswerOptions WhepOptions(SessionDescription offer) => Options(MediaIntent.Send) with
    {
        Sections = offer.Media.Select((m, i) => new MediaSectionOptions(MediaIntent.Send,
            new SendStream(new Ssrc((uint)(1000 + i)), new Ssrc((uint)(2000 + i)), "mediacore", "room", "track" + i))).ToArray(),
    };

    private static AnswerResult Answer(string fixture, AnswerOptions? options = null)
    {
        var r = SdpNegotiator.CreateAnswer(SdpFixtures.Parse(fixture), options ?? Options());
        Assert.True(r.IsSuccess, r.Error);
        // The answer must survive our own writer and parser unchanged.
        Assert.Equal(r.Answer, SdpParser.Parse(SdpWriter.Write(r.Answer!)));
        return r;
    }

    [Fact]
    public void CreateAnswer_WhipOffer_AnswersBundleIceLitePassiveRecvOnly()
    {
        var r = Answer(SdpFixtures.WhipOffer);
        var a = r.Answer!;
        Assert.Equal(["0", "1"], a.BundleGroup!.Mids);
        Assert.True(a.IceLite);
        Assert.Equal(42UL, a.Origin.SessionId);
        foreach (var m in a.Media)
        {
            Assert.Equal(MediaDirection.RecvOnly, m.Direction);
            Assert.Equal(SetupRole.Passive, m.Setup);
            Assert.Equal("srvU", m.IceUfrag);
            Assert.Equal("0123456789abcdefghijklmn", m.IcePwd);
            Assert.Equal(ServerFingerprint, m.Fingerprint);
            Assert.True(m.RtcpMux);
            Assert.True(m.RtcpRsize);
            Assert.Equal(50000, m.Port);
            Assert.Equal(new ConnectionData("IN", "IP4", "127.0.0.1"), m.Connection);
            Assert.Equal([IceCandidate.Host("127.0.0.1", 50000)], m.Candidates);
            Assert.True(m.EndOfCandidates);
            Assert.Empty(m.Ssrcs);
        }
    }

    [Fact]
    public void CreateAnswer_VideoMarkedContentSlides_NegotiatedAsShareAndEchoed()
    {
        // RFC 4796: the client marks its screen/courseware m-line a=content:slides (whip-client.js markContent).
        string text = SdpFixtures.Text(SdpFixtures.WhipOffer);
        string eol = text.Contains("\r\n") ? "\r\n" : "\n";
        text = text.Replace("a=mid:1" + eol, "a=mid:1" + eol + "a=content:slides" + eol);
        Assert.True(SdpParser.TryParse(text, out var offer, out var error), error);
        Assert.Equal("slides", offer.Media[1].Content);
        Assert.Null(offer.Media[0].Content);

        var r = SdpNegotiator.CreateAnswer(offer, Options());
        Assert.True(r.IsSuccess, r.Error);
        Assert.False(r.Session!.Media[0].IsSlides);
        Assert.True(r.Session.Media[1].IsSlides);
        Assert.Equal("slides", r.Answer!.Media[1].Content);
        Assert.Null(r.Answer.Media[0].Content);
        Assert.Contains("a=content:slides", SdpWriter.Write(r.Answer));
        Assert.Equal(r.Answer, SdpParser.Parse(SdpWriter.Write(r.Answer)));
    }

    [Theory]
    [InlineData("slides", true)]
    [InlineData("main", false)]
    [InlineData("main,slides", true)]
    [InlineData("speaker", false)]
    public void IsSlides_ContentList_FindsSlides(string content, bool slides)
        => Assert.Equal(slides, new NegotiatedMedia { Index = 0, Mid = "1", Kind = MediaKind.Video, Direction = MediaDirection.RecvOnly, Content = content }.IsSlides);

    [Fact]
    public void CreateAnswer_WhipOffer_AnswersOpusWithOurFmtp()
    {
        var audio = Answer(SdpFixtures.WhipOffer).Answer!.Media[0];
        var opus = Assert.Single(audio.Codecs);
        Assert.Equal(new PayloadType(111), opus.PayloadType);
        Assert.Equal("opus", opus.Name);
        Assert.Equal(48000, opus.ClockRate);
        Assert.Equal(2, opus.Channels);
        Assert.Equal([new SdpParameter("minptime", "10"), new SdpParameter("useinbandfec", "1")], opus.Parameters);
        Assert.Equal([RtcpFeedback.TransportCc], opus.Feedback);
        Assert.Equal(
            [RtpExtensionUris.AudioLevel, RtpExtensionUris.AbsSendTime, RtpExtensionUris.TransportWideCc, RtpExtensionUris.Mid],
            audio.HeaderExtensions.Select(e => e.Uri));
    }

    [Fact]
    public void CreateAnswer_WhipOffer_AnswersVp8WithRtxAndSupportedFeedbackAndExtensions()
    {
        var r = Answer(SdpFixtures.WhipOffer);
        var video = r.Answer!.Media[1];
        Assert.Equal(new byte[] { 96, 97 }, video.Codecs.Select(c => c.PayloadType.Value));
        Assert.Equal("VP8", video.Codecs[0].Name);
        Assert.Equal([RtcpFeedback.GoogRemb, RtcpFeedback.TransportCc, RtcpFeedback.CcmFir, RtcpFeedback.Nack, RtcpFeedback.NackPli], video.Codecs[0].Feedback);
        Assert.Equal("rtx", video.Codecs[1].Name);
        Assert.Equal("96", video.Codecs[1].GetParameter("apt"));
        // toffset, video-orientation, playout-delay, ... are negotiated away; the offer's ids are kept.
        Assert.Equal(
            [new HeaderExtension(2, RtpExtensionUris.AbsSendTime), new HeaderExtension(3, RtpExtensionUris.TransportWideCc),
             new HeaderExtension(4, RtpExtensionUris.Mid), new HeaderExtension(10, RtpExtensionUris.RtpStreamId),
             new HeaderExtension(11, RtpExtensionUris.RepairedRtpStreamId)],
            video.HeaderExtensions);

        var s = r.Session!;
        Assert.Equal("Faky", s.RemoteIceUfrag);
        Assert.Equal("EkbTaYdSzohoIQUHULQoNIHp", s.RemoteIcePwd);
        Assert.Equal(SdpFixtures.Parse(SdpFixtures.WhipOffer).Media[0].Fingerprint, s.RemoteFingerprint);
        Assert.Equal(SetupRole.Passive, s.LocalSetup);
        Assert.Equal(["0", "1"], s.BundleMids);
        var nv = s.FindMedia("1")!;
        Assert.Equal(MediaKind.Video, nv.Kind);
        Assert.Equal(MediaDirection.RecvOnly, nv.Direction);
        var codec = Assert.Single(nv.Codecs);
        Assert.Equal(SdpCodec.VP8, codec.Codec);
        Assert.Equal(new PayloadType(96), codec.PayloadType);
        Assert.Equal(new PayloadType(97), codec.RtxPayloadType);
        Assert.True(codec.HasFeedback(RtcpFeedback.NackPli));
        Assert.Equal(3, nv.ExtensionId(RtpExtensionUris.TransportWideCc));
        Assert.Equal(0, nv.ExtensionId(RtpExtensionUris.AudioLevel));
        Assert.Same(codec, nv.FindCodec(new PayloadType(97)));
        var src = Assert.Single(nv.RemoteSources);
        Assert.Equal(new RemoteSource(new Ssrc(2627370381), new Ssrc(3235616813), "voIbl0uYl9hyVHTb",
            new Msid("8de8bd22-316d-42e9-a18f-5661bb892e88", "e5e0a572-0d17-410c-954a-dcd261bff2f5")), src);
        Assert.Equal(new Ssrc(500469628), Assert.Single(s.FindMedia("0")!.RemoteSources).Ssrc);
    }

    [Fact]
    public void CreateAnswer_SimulcastOffer_AnswersSimulcastRecvWithRids()
    {
        var r = Answer(SdpFixtures.WhipSimulcastOffer);
        var video = r.Answer!.Media[1];
        Assert.Equal(
            [new RidDescription("q", RidDirection.Recv), new RidDescription("h", RidDirection.Recv), new RidDescription("f", RidDirection.Recv)],
            video.Rids);
        Assert.Equal(SimulcastDescription.Streams("q", "h", "f"), video.Simulcast!.Recv);
        Assert.Empty(video.Simulcast.Send);
        Assert.Contains("a=simulcast:recv q;h;f\r\n", SdpWriter.Write(r.Answer));
        var nv = r.Session!.Media[1];
        Assert.Equal(["q", "h", "f"], nv.Rids);
        Assert.Empty(nv.RemoteSources);
        Assert.Equal(10, nv.ExtensionId(RtpExtensionUris.RtpStreamId));
        Assert.Equal(11, nv.ExtensionId(RtpExtensionUris.RepairedRtpStreamId));
    }

    [Fact]
    public void CreateAnswer_SimulcastDisabled_AnswersNoRids()
    {
        var video = Answer(SdpFixtures.WhipSimulcastOffer, Options() with { EnableSimulcast = false }).Answer!.Media[1];
        Assert.Empty(video.Rids);
        Assert.Null(video.Simulcast);
    }

    [Fact]
    public void CreateAnswer_StartBitrate_AddedToVideoFmtpOnly()
    {
        var a = Answer(SdpFixtures.WhipSimulcastOffer, Options() with { VideoStartBitrateKbps = 2500 }).Answer!;
        Assert.Equal("2500", a.Media[1].Codecs[0].GetParameter("x-google-start-bitrate"));
        Assert.Null(a.Media[0].Codecs[0].GetParameter("x-google-start-bitrate"));
        Assert.Null(a.Media[1].Codecs[1].GetParameter("x-google-start-bitrate"));
    }

    [Fact]
    public void CreateAnswer_ForcedH264_PicksConstrainedBaselinePacketizationMode1()
    {
        var r = Answer(SdpFixtures.WhipOffer, Options() with { VideoCodecs = [SdpCodec.H264] });
        var video = r.Answer!.Media[1];
        // Chromium offers 102 (42001f mode 1), 104 (mode 0), 108 (42e01f mode 1), 114 (mode 0), 116 (4d001f): 108 wins.
        Assert.Equal(new byte[] { 108, 109 }, video.Codecs.Select(c => c.PayloadType.Value));
        Assert.Equal(
            [new SdpParameter("level-asymmetry-allowed", "1"), new SdpParameter("packetization-mode", "1"), new SdpParameter("profile-level-id", "42e01f")],
            video.Codecs[0].Parameters);
        Assert.Equal("108", video.Codecs[1].GetParameter("apt"));
        var codec = Assert.Single(r.Session!.Media[1].Codecs);
        Assert.Equal(SdpCodec.H264, codec.Codec);
        Assert.Equal(new PayloadType(109), codec.RtxPayloadType);
    }

    [Fact]
    public void CreateAnswer_AllCodecs_AnswersEveryMatchInOurPreferenceOrder()
    {
        var video = Answer(SdpFixtures.WhipOffer, Options() with
        {
            SingleCodec = false,
            VideoCodecs = [SdpCodec.H264, SdpCodec.VP8, SdpCodec.VP9, SdpCodec.AV1],
        }).Answer!.Media[1];
        Assert.Equal(new byte[] { 108, 109, 102, 103, 96, 97, 98, 99, 45, 46 }, video.Codecs.Select(c => c.PayloadType.Value));
    }

    [Fact]
    public void CreateAnswer_RtxAndTransportCcDisabled_DropsThem()
    {
        var video = Answer(SdpFixtures.WhipOffer, Options() with { EnableRtx = false, EnableTransportCc = false, EnableRemb = false }).Answer!.Media[1];
        var vp8 = Assert.Single(video.Codecs);
        Assert.Equal([RtcpFeedback.CcmFir, RtcpFeedback.Nack, RtcpFeedback.NackPli], vp8.Feedback);
        Assert.Null(video.FindExtensionId(RtpExtensionUris.TransportWideCc));
        Assert.Null(video.FindExtensionId(RtpExtensionUris.AbsSendTime));
    }

    [Fact]
    public void CreateAnswer_WhepOffer_AnswersSendOnlyWithSsrcMsidAndFid()
    {
        var offer = SdpFixtures.Parse(SdpFixtures.WhepOffer);
        var r = Answer(SdpFixtures.WhepOffer, WhepOptions(offer));
        var a = r.Answer!;
        Assert.Equal(["0", "1", "2"], a.BundleGroup!.Mids);
        Assert.All(a.Media, m => Assert.Equal(MediaDirection.SendOnly, m.Direction));

        var audio = a.Media[0];
        Assert.Equal([new Msid("room", "track0")], audio.Msids);
        Assert.Empty(audio.SsrcGroups);
        Assert.Equal([new SsrcAttribute(new Ssrc(1000), "cname", "mediacore"), new SsrcAttribute(new Ssrc(1000), "msid", "room track0")], audio.Ssrcs);

        var video = a.Media[2];
        Assert.Equal([new SsrcGroup("FID", [new Ssrc(1002), new Ssrc(2002)])], video.SsrcGroups);
        Assert.Equal("mediacore", video.FindSsrcAttribute(new Ssrc(2002), "cname"));
        Assert.Null(video.Simulcast);
        Assert.Equal(new SendStream(new Ssrc(1002), new Ssrc(2002), "mediacore", "room", "track2"), r.Session!.Media[2].LocalSend);
        Assert.Equal(MediaDirection.SendOnly, r.Session.Media[2].Direction);
        Assert.Contains("a=msid-semantic: WMS *\r\n", SdpWriter.Write(a));
    }

    [Fact]
    public void CreateAnswer_SendIntentWithoutStream_Fails()
    {
        var r = SdpNegotiator.CreateAnswer(SdpFixtures.Parse(SdpFixtures.WhepOffer), Options(MediaIntent.Send));
        Assert.False(r.IsSuccess);
        Assert.Contains("MediaSectionOptions.Send", r.Error);
    }

    [Fact]
    public void CreateAnswer_ReceiveIntentOnRecvOnlyOffer_AnswersInactive()
    {
        var a = Answer(SdpFixtures.WhepOffer).Answer!;
        Assert.All(a.Media, m => Assert.Equal(MediaDirection.Inactive, m.Direction));
    }

    [Fact]
    public void CreateAnswer_DataChannelSection_RejectedWithPortZero()
    {
        var r = Answer(SdpFixtures.DataChannelOffer);
        var a = r.Answer!;
        Assert.Equal(3, a.Media.Count);
        var app = a.Media[2];
        Assert.Equal(0, app.Port);
        Assert.Equal("UDP/DTLS/SCTP", app.Protocol);
        Assert.Equal(["webrtc-datachannel"], app.Formats);
        Assert.Equal("2", app.Mid);
        Assert.Equal(["0", "1"], a.BundleGroup!.Mids);
        Assert.True(r.Session!.Media[2].Rejected);
        Assert.False(r.Session.Media[0].Rejected);
    }

    [Fact]
    public void CreateAnswer_SectionWithoutSupportedCodec_RejectedWithPortZero()
    {
        var offer = SdpFixtures.Parse(SdpFixtures.WhipOffer);
        var audio = offer.Media[0];
        // Only G722, PCMU, PCMA: nothing we take.
        offer = offer with { Media = [audio with { Codecs = audio.Codecs.Where(c => c.PayloadType.Value is 9 or 0 or 8).ToArray() }, offer.Media[1]] };
        var r = SdpNegotiator.CreateAnswer(offer, Options());
        Assert.True(r.IsSuccess, r.Error);
        var rejected = r.Answer!.Media[0];
        Assert.Equal(0, rejected.Port);
        Assert.Equal("0", rejected.Mid);
        Assert.Equal(MediaDirection.Inactive, rejected.Direction);
        Assert.Equal(new PayloadType(9), Assert.Single(rejected.Codecs).PayloadType);
        Assert.Equal(["1"], r.Answer.BundleGroup!.Mids);
        Assert.True(r.Session!.Media[0].Rejected);
        Assert.Equal(50000, r.Answer.Media[1].Port);
    }

    [Fact]
    public void CreateAnswer_NoSupportedCodecAnywhere_Fails()
    {
        var r = SdpNegotiator.CreateAnswer(SdpFixtures.Parse(SdpFixtures.WhipOffer), Options() with { VideoCodecs = [], AudioCodecs = [] });
        Assert.False(r.IsSuccess);
        Assert.Contains("no media section has a codec", r.Error);
    }

    [Fact]
    public void CreateAnswer_IntentReject_RejectsThatSection()
    {
        var r = Answer(SdpFixtures.WhipOffer, Options() with { Sections = [new MediaSectionOptions(MediaIntent.Receive), new MediaSectionOptions(MediaIntent.Reject)] });
        Assert.Equal(0, r.Answer!.Media[1].Port);
        Assert.Equal(["0"], r.Answer.BundleGroup!.Mids);
    }

    [Theory]
    [InlineData("a=group:BUNDLE 0 1\r\n", "", "no a=group:BUNDLE")]
    [InlineData("a=group:BUNDLE 0 1\r\n", "a=group:BUNDLE 0\r\n", "not in the BUNDLE group")]
    [InlineData("a=rtcp-mux\r\n", "", "rtcp-mux")]
    [InlineData("a=fingerprint:", "a=x-fingerprint:", "a=fingerprint")]
    [InlineData("a=ice-ufrag:", "a=x-ice-ufrag:", "ice-ufrag")]
    [InlineData("a=ice-pwd:", "a=x-ice-pwd:", "ice-pwd")]
    [InlineData("a=mid:", "a=x-mid:", "a=mid")]
    [InlineData("a=setup:actpass", "a=setup:holdconn", "holdconn")]
    public void CreateAnswer_OfferMissingWhatWeRequire_FailsWithClearError(string find, string replace, string reason)
    {
        string text = SdpFixtures.Text(SdpFixtures.WhipOffer).Replace(find, replace);
        var offer = SdpParser.Parse(text);
        var r = SdpNegotiator.CreateAnswer(offer, Options());
        Assert.False(r.IsSuccess);
        Assert.Contains(reason, r.Error);
        Assert.Null(r.Answer);
    }

    [Theory]
    [InlineData("active", SetupRole.Passive)]
    [InlineData("passive", SetupRole.Active)]
    public void CreateAnswer_OfferSetupActiveOrPassive_TakesTheOtherRole(string offered, SetupRole expected)
    {
        var offer = SdpParser.Parse(SdpFixtures.Text(SdpFixtures.WhipOffer).Replace("a=setup:actpass", "a=setup:" + offered));
        var r = SdpNegotiator.CreateAnswer(offer, Options());
        Assert.True(r.IsSuccess, r.Error);
        Assert.Equal(expected, r.Session!.LocalSetup);
        Assert.All(r.Answer!.Media, m => Assert.Equal(expected, m.Setup));
    }

    [Fact]
    public void CreateAnswer_ActPassWithActivePreference_AnswersActive()
    {
        var r = Answer(SdpFixtures.WhipOffer, Options() with { Setup = SetupRole.Active });
        Assert.Equal(SetupRole.Active, r.Session!.LocalSetup);
    }

    [Fact]
    public void CreateAnswer_SessionLevelTransport_Used()
    {
        // Transport attributes at session level only (RFC 8866 §5: session-level attributes are defaults).
        var offer = SdpFixtures.Parse(SdpFixtures.WhipOffer);
        var m0 = offer.Media[0];
        offer = offer with
        {
            IceUfrag = m0.IceUfrag, IcePwd = m0.IcePwd, Fingerprint = m0.Fingerprint, Setup = m0.Setup,
            Media = offer.Media.Select(m => m with { IceUfrag = null, IcePwd = null, Fingerprint = null, Setup = null }).ToArray(),
        };
        var r = SdpNegotiator.CreateAnswer(offer, Options());
        Assert.True(r.IsSuccess, r.Error);
        Assert.Equal("Faky", r.Session!.RemoteIceUfrag);
    }

    [Fact]
    public void CreateAnswer_ExtmapAllowMixed_EchoedUnlessDisabled()
    {
        Assert.True(Answer(SdpFixtures.WhipOffer).Answer!.ExtmapAllowMixed);
        Assert.False(Answer(SdpFixtures.WhipOffer, Options() with { ExtmapAllowMixed = false }).Answer!.ExtmapAllowMixed);
    }

    [Fact]
    public void CreateAnswer_Deterministic()
    {
        var a = Answer(SdpFixtures.WhipSimulcastOffer);
        var b = Answer(SdpFixtures.WhipSimulcastOffer);
        Assert.Equal(SdpWriter.Write(a.Answer!), SdpWriter.Write(b.Answer!));
        Assert.Equal(a.Session, b.Session);
    }

    [Fact]
    public void CreateAnswer_RidWithPtRestriction_KeepsOnlyNegotiatedPayloadTypes()
    {
        string text = SdpFixtures.Text(SdpFixtures.WhipSimulcastOffer)
            .Replace("a=rid:q send", "a=rid:q send pt=96,102;max-width=320")
            .Replace("a=rid:h send", "a=rid:h send pt=102");
        var r = SdpNegotiator.CreateAnswer(SdpParser.Parse(text), Options());
        Assert.True(r.IsSuccess, r.Error);
        var video = r.Answer!.Media[1];
        // h can only carry H264, which we did not answer: it is dropped from rids and simulcast.
        Assert.Equal(
            [new RidDescription("q", RidDirection.Recv, [new SdpParameter("pt", "96"), new SdpParameter("max-width", "320")]), new RidDescription("f", RidDirection.Recv)],
            video.Rids);
        Assert.Equal(SimulcastDescription.Streams("q", "f"), video.Simulcast!.Recv);
        Assert.Equal(["q", "f"], r.Session!.Media[1].Rids);
    }
    [Fact]
    public void CreateAnswer_PreferOfferOrder_OffersH264First_AnswersH264()
    {
        // A browser that called setCodecPreferences([H264...]) lists H264 first; with PreferOfferOrder it wins.
        var offer = SdpFixtures.Parse(SdpFixtures.WhipOffer);
        var video = offer.Media[1];
        var reordered = video.Codecs.Where(c => c.IsNamed("H264") || c.PayloadType.Value is 103 or 107 or 109 or 115 or 117 or 40)
            .Concat(video.Codecs.Where(c => !(c.IsNamed("H264") || c.PayloadType.Value is 103 or 107 or 109 or 115 or 117 or 40))).ToArray();
        offer = offer with { Media = [offer.Media[0], video with { Codecs = reordered }] };

        var ours = SdpNegotiator.CreateAnswer(offer, Options());
        Assert.Equal("VP8", ours.Answer!.Media[1].Codecs[0].Name);
        var theirs = SdpNegotiator.CreateAnswer(offer, Options() with { PreferOfferOrder = true });
        Assert.Equal(new PayloadType(108), theirs.Answer!.Media[1].Codecs[0].PayloadType); // 42e01f mode 1
        Assert.Equal(SdpCodec.H264, theirs.Session!.Media[1].Codecs[0].Codec);
        // Chromium's own order puts VP8 first.
        Assert.Equal(SdpCodec.VP8, SdpNegotiator.CreateAnswer(SdpFixtures.Parse(SdpFixtures.WhipOffer), Options() with { PreferOfferOrder = true }).Session!.Media[1].Codecs[0].Codec);
    }
}
