using MediaCore.Protocol.Core;
using static MediaCore.Routing.Tests.Setup;

namespace MediaCore.Routing.Tests;

public class NackGeneratorTests
{
    private sealed class RecordingRequester : IRetransmissionRequester
    {
        public List<ushort[]> Nacks { get; } = [];
        public void RequestRetransmission(Producer producer, Ssrc mediaSsrc, ReadOnlySpan<ushort> sequenceNumbers)
            => Nacks.Add(sequenceNumbers.ToArray());
    }

    [Fact]
    public void CollectDue_Gap_RequestsImmediatelyThenOncePerRtt()
    {
        var g = new NackGenerator();
        Span<ushort> due = stackalloc ushort[64];
        g.OnPacket(0, new SeqNo(100));
        g.OnPacket(1 * Ms, new SeqNo(103));
        Assert.Equal(2, g.CollectDue(1 * Ms, 50 * Ms, due));
        Assert.Equal(new ushort[] { 101, 102 }, due[..2].ToArray());
        Assert.Equal(0, g.CollectDue(30 * Ms, 50 * Ms, due));
        g.OnPacket(40 * Ms, new SeqNo(101)); // repaired
        Assert.Equal(1, g.CollectDue(51 * Ms, 50 * Ms, due));
        Assert.Equal(102, due[0]);
    }

    [Fact]
    public void CollectDue_AfterMaxRetries_GivesUp()
    {
        var g = new NackGenerator();
        Span<ushort> due = stackalloc ushort[64];
        g.OnPacket(0, new SeqNo(1));
        g.OnPacket(0, new SeqNo(3));
        int sent = 0;
        for (int t = 0; t < 50; t++) sent += g.CollectDue(t * 20 * Ms, 20 * Ms, due);
        Assert.Equal(NackGenerator.MaxRetries, sent);
        Assert.Equal(0, g.MissingCount);
    }

    [Fact]
    public void OnPacket_HugeGap_ReportsUnrepairable()
    {
        var g = new NackGenerator();
        g.OnPacket(0, new SeqNo(1));
        Assert.False(g.OnPacket(0, new SeqNo(1000)));
        Assert.Equal(0, g.MissingCount);
    }

    [Fact]
    public void Router_LossFromPublisher_NacksUpstreamAndRtxRepairClearsIt()
    {
        var router = new Router();
        var requester = new RecordingRequester();
        var kfr = new CountingKeyFrameRequester();
        var options = Video("a", 0x1111, kfr, rtxSsrc: 0x1112);
        var producer = router.CreateProducer(0, new ProducerOptions
        {
            Id = options.Id, Kind = options.Kind, Codec = options.Codec, ClockRate = options.ClockRate,
            PayloadType = options.PayloadType, RtxPayloadType = options.RtxPayloadType, Encodings = options.Encodings,
            KeyFrameRequester = kfr, RetransmissionRequester = requester,
        });
        producer.RoundTripTime = TimeSpan.FromMilliseconds(50);
        var pub = new Publisher(0x1111, 96, firstSeq: 10);
        router.OnRtp(0, producer, pub.Vp8Frame(key: true));
        var lost = pub.Vp8Frame(key: false);
        router.OnRtp(33 * Ms, producer, pub.Vp8Frame(key: false));
        Assert.Equal(new ushort[] { 11 }, Assert.Single(requester.Nacks));
        router.OnRtp(66 * Ms, producer, pub.Vp8Frame(key: false));
        Assert.Single(requester.Nacks); // not yet one RTT later
        router.OnRtp(90 * Ms, producer, pub.Vp8Frame(key: false));
        Assert.Equal(2, requester.Nacks.Count);
        Assert.Equal(2, producer.Encodings[0].NacksSent);

        var rtx = new byte[lost.Length + 2];
        int n = MediaCore.Protocol.Rtp.RtxPacket.Wrap(lost, rtx, new PayloadType(97), new Ssrc(0x1112), 1);
        Assert.True(router.OnRtp(100 * Ms, producer, rtx.AsSpan(0, n)));
        router.OnRtp(200 * Ms, producer, pub.Vp8Frame(key: false));
        Assert.Equal(2, requester.Nacks.Count);
    }
}
