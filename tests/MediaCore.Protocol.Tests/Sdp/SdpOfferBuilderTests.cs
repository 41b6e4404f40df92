using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

public class SdpOfferBuilderTests
{
    private static readonly DtlsFingerprint ClientFingerprint = new("sha-256", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    private static OfferOptions Client(MediaDirection direction) => new()
    {
        IceUfrag = "abcd",
        IcePwd = "0123456789abcdefghijkl",
        Fingerprint = ClientFingerprint,
        Direction = direction,
        Candidates = [IceCandidate.Host("127.0.0.1", 40000)],
    };

    [Fact]
    public void Build_SendOnly_LooksLikeChromium()
    {
        var offer = SdpOfferBuilder.Build(Client(MediaDirection.SendOnly) with
        {
            AudioStream = new SendStream(new Ssrc(11), null, "cn", "s", "a"),
            VideoStream = new SendStream(new Ssrc(22), new Ssrc(23), "cn", "s", "v"),
        });
        Assert.Equal(["0", "1"], offer.BundleGroup!.Mids);
        Assert.All(offer.Media, m =>
        {
            Assert.Equal(SetupRole.ActPass, m.Setup);
            Assert.True(m.RtcpMux);
            Assert.Equal(MediaDirection.SendOnly, m.Direction);
        });
        Assert.Equal("opus", offer.Media[0].Codecs[0].Name);
        Assert.Equal(new byte[] { 96, 97, 102, 103 }, offer.Media[1].Codecs.Select(c => c.PayloadType.Value));
        Assert.Equal([new SsrcGroup("FID", [new Ssrc(22), new Ssrc(23)])], offer.Media[1].SsrcGroups);
        Assert.Equal(offer, SdpParser.Parse(SdpWriter.Write(offer)));
    }

    [Fact]
    public void Build_ThenOurNegotiator_AcceptsEverySection()
    {
        var offer = SdpOfferBuilder.Build(Client(MediaDirection.SendOnly) with { SimulcastRids = ["q", "h", "f"] });
        var r = SdpNegotiator.CreateAnswer(offer, SdpNegotiatorTests.Options());
        Assert.True(r.IsSuccess, r.Error);
        Assert.All(r.Session!.Media, m => Assert.False(m.Rejected));
        Assert.Equal(["q", "h", "f"], r.Session.Media[1].Rids);
        Assert.Equal(SdpCodec.VP8, r.Session.Media[1].Codecs[0].Codec);
    }

    [Fact]
    public void TryApplyAnswer_OurServerAnswer_GivesClientView()
    {
        var offer = SdpOfferBuilder.Build(Client(MediaDirection.SendOnly) with
        {
            AudioStream = new SendStream(new Ssrc(11), null, "cn", "s", "a"),
            VideoStream = new SendStream(new Ssrc(22), new Ssrc(23), "cn", "s", "v"),
        });
        var answer = SdpNegotiator.CreateAnswer(offer, SdpNegotiatorTests.Options()).Answer!;
        Assert.True(SdpNegotiator.TryApplyAnswer(offer, SdpParser.Parse(SdpWriter.Write(answer)), out var s, out var error), error);
        Assert.Equal("srvU", s.RemoteIceUfrag);
        Assert.Equal(SdpNegotiatorTests.ServerFingerprint, s.RemoteFingerprint);
        Assert.True(s.RemoteIceLite);
        Assert.Equal(SetupRole.Active, s.LocalSetup);
        Assert.Equal(IceCandidate.Host("127.0.0.1", 50000), Assert.Single(s.RemoteCandidates));
        Assert.All(s.Media, m => Assert.Equal(MediaDirection.SendOnly, m.Direction));
        Assert.Equal(new SendStream(new Ssrc(22), new Ssrc(23), "cn", "s", "v"), s.Media[1].LocalSend);
        Assert.Equal(new PayloadType(97), s.Media[1].Codecs[0].RtxPayloadType);
    }

    [Fact]
    public void TryApplyAnswer_ChromiumAnswerToOurSimulcastOffer_Parses()
    {
        var offer = SdpFixtures.Parse(SdpFixtures.MediaCoreSimulcastOffer);
        var answer = SdpFixtures.Parse(SdpFixtures.AnswerToSimulcastOffer);
        Assert.True(SdpNegotiator.TryApplyAnswer(offer, answer, out var s, out var error), error);
        Assert.Equal(SetupRole.Passive, s.LocalSetup); // Chromium answers active
        // Chromium 156 does not receive simulcast: it answers recvonly without a=simulcast.
        Assert.Empty(s.Media[1].Rids);
        Assert.Equal(MediaDirection.SendOnly, s.Media[1].Direction);
        Assert.Equal([SdpCodec.VP8, SdpCodec.H264], s.Media[1].Codecs.Select(c => c.Codec));
    }

    [Fact]
    public void TryApplyAnswer_ChromiumAnswerToOurRecvOnlyOffer_SeesRemoteSources()
    {
        var offer = SdpFixtures.Parse(SdpFixtures.MediaCoreRecvOnlyOffer);
        var answer = SdpFixtures.Parse(SdpFixtures.AnswerToRecvOnlyOffer);
        Assert.True(SdpNegotiator.TryApplyAnswer(offer, answer, out var s, out var error), error);
        Assert.All(s.Media, m => Assert.Equal(MediaDirection.RecvOnly, m.Direction));
        Assert.Equal(SetupRole.Passive, s.LocalSetup);
        Assert.NotEmpty(s.RemoteCandidates);
        var video = s.Media[1];
        var src = Assert.Single(video.RemoteSources);
        Assert.Equal(new Ssrc(3617151307), src.Ssrc);
        Assert.Equal(new Ssrc(792365235), src.RtxSsrc);
        Assert.Equal("7LBwT0rjorHXXyIi", src.Cname);
        Assert.Equal(new Msid("5ac9d3c3-83b2-4368-af0d-68c76c027ee1", "346bc7df-6dff-44db-b02f-4e56aabbafd4"), src.Msid);
        Assert.Equal(SdpCodec.VP8, video.Codecs[0].Codec);
        Assert.Equal(new PayloadType(97), video.Codecs[0].RtxPayloadType);
        Assert.Equal(new Ssrc(3410253486), Assert.Single(s.Media[0].RemoteSources).Ssrc);
    }

    [Fact]
    public void TryApplyAnswer_MismatchedSections_Fails()
    {
        var offer = SdpFixtures.Parse(SdpFixtures.MediaCoreSimulcastOffer);
        var answer = SdpFixtures.Parse(SdpFixtures.AnswerToSimulcastOffer);
        answer = answer with { Media = [answer.Media[0]] };
        Assert.False(SdpNegotiator.TryApplyAnswer(offer, answer, out _, out var error));
        Assert.Contains("m-lines", error);
    }
    [Fact]
    public void WhepLoop_RecvOnlyOfferServerSends_ClientSeesServerSources()
    {
        var offer = SdpOfferBuilder.Build(Client(MediaDirection.RecvOnly) with { VideoSections = 2 });
        Assert.All(offer.Media, m => Assert.Empty(m.Msids));
        var server = SdpNegotiator.CreateAnswer(offer, SdpNegotiatorTests.Options(MediaIntent.Send) with
        {
            Sections = offer.Media.Select((m, i) => new MediaSectionOptions(MediaIntent.Send,
                new SendStream(new Ssrc((uint)(100 + i)), new Ssrc((uint)(200 + i)), "sfu", "room", "t" + i))).ToArray(),
        });
        Assert.True(server.IsSuccess, server.Error);
        var answer = SdpParser.Parse(SdpWriter.Write(server.Answer!));
        Assert.True(SdpNegotiator.TryApplyAnswer(offer, answer, out var client, out var error), error);
        Assert.Equal(3, client.Media.Count);
        Assert.All(client.Media, m => Assert.Equal(MediaDirection.RecvOnly, m.Direction));
        Assert.Equal(new RemoteSource(new Ssrc(101), new Ssrc(201), "sfu", new Msid("room", "t1")), Assert.Single(client.Media[1].RemoteSources));
        Assert.Equal(new RemoteSource(new Ssrc(100), null, "sfu", new Msid("room", "t0")), Assert.Single(client.Media[0].RemoteSources));
        // Both ends agree on payload types and extension ids.
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(server.Session!.Media[i].Codecs.Select(c => (c.PayloadType, c.RtxPayloadType)), client.Media[i].Codecs.Select(c => (c.PayloadType, c.RtxPayloadType)));
            Assert.Equal(server.Session.Media[i].HeaderExtensions, client.Media[i].HeaderExtensions);
        }
    }

    [Fact]
    public void Build_H264Only_ServerPicksH264()
    {
        var offer = SdpOfferBuilder.Build(Client(MediaDirection.SendOnly) with { VideoCodecs = [SdpCodec.H264], Rtx = false });
        var r = SdpNegotiator.CreateAnswer(offer, SdpNegotiatorTests.Options());
        Assert.True(r.IsSuccess, r.Error);
        var codec = Assert.Single(r.Session!.Media[1].Codecs);
        Assert.Equal(SdpCodec.H264, codec.Codec);
        Assert.Null(codec.RtxPayloadType);
    }
}
