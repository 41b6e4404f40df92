using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using static MediaCore.Routing.Tests.Setup;

namespace MediaCore.Routing.Tests;

/// <summary>
/// The RTX storm guard, in virtual time. The failure it prevents (README "Performance"): when the forwarding
/// thread falls behind, hundreds of subscribers NACK the same holes (RFC 4585 §6.2.1) and re-NACK them every
/// RTT; answering each copy and forwarding each to the publisher multiplies the load that caused the loss.
/// </summary>
public class RtxStormGuardTests
{
    private sealed class RecordingRequester : IRetransmissionRequester
    {
        public List<ushort[]> Nacks { get; } = [];
        public void RequestRetransmission(Producer producer, Ssrc mediaSsrc, ReadOnlySpan<ushort> sequenceNumbers)
            => Nacks.Add(sequenceNumbers.ToArray());
    }

    [Fact]
    public void OnNack_SameSequenceWithinOneRtt_AnsweredOnce()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, VideoConsumer("c", rtx: true), sink, a);
        consumer.RoundTripTime = TimeSpan.FromMilliseconds(100);
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, a, pub.Vp8Frame(key: true));
        for (int i = 1; i <= 5; i++) router.OnRtp(i * 33 * Ms, a, pub.Vp8Frame(key: false));
        ushort seq = new RtpView(sink.Packets[2]).Seq;
        sink.Clear();

        consumer.OnNack(200 * Ms, [seq]);
        consumer.OnNack(250 * Ms, [seq]);   // the receiver retried before our RTX could have arrived
        consumer.OnNack(299 * Ms, [seq]);
        Assert.Single(sink.Packets);
        Assert.Equal(2, consumer.Stats.RetransmissionsSuppressed);

        consumer.OnNack(300 * Ms, [seq]);   // a whole RTT later: the RTX was lost too, send again
        Assert.Equal(2, sink.Packets.Count);
        Assert.Equal(2, consumer.Stats.PacketsRetransmitted);
    }

    [Fact]
    public void OnNack_DifferentSequencesAndSubscribers_EachAnsweredOnce()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var sinks = Enumerable.Range(0, 3).Select(_ => new RecordingSink()).ToList();
        var consumers = sinks.Select((s, i) => router.CreateConsumer(0, VideoConsumer($"c{i}", rtx: true), s, a)).ToList();
        consumers.ForEach(c => c.RoundTripTime = TimeSpan.FromMilliseconds(100));
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, a, pub.Vp8Frame(key: true));
        for (int i = 1; i <= 5; i++) router.OnRtp(i * 33 * Ms, a, pub.Vp8Frame(key: false));
        var seqs = sinks.Select(s => new RtpView(s.Packets[1]).Seq).ToList();
        sinks.ForEach(s => s.Clear());

        // The guard is per subscriber and per packet: nobody is starved by another subscriber's NACK.
        for (int i = 0; i < 3; i++) consumers[i].OnNack(200 * Ms, seqs[i], blp: 0b1);
        Assert.All(sinks, s => Assert.Equal(2, s.Packets.Count));
    }

    [Fact]
    public void ManySubscribersNackOneUpstreamLoss_PublisherNackedOnce_EachSubscriberRepairedOnce()
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
        const int subscribers = 200;
        var sinks = Enumerable.Range(0, subscribers).Select(_ => new RecordingSink()).ToList();
        var consumers = sinks.Select((s, i) => router.CreateConsumer(0, VideoConsumer($"c{i}"), s, producer)).ToList();
        consumers.ForEach(c => c.RoundTripTime = TimeSpan.FromMilliseconds(100));
        var pub = new Publisher(0x1111, 96, firstSeq: 10);
        router.OnRtp(0, producer, pub.Vp8Frame(key: true));
        kfr.Requests.Clear();                                // the consumers' start-up key frame requests
        var lost = pub.Vp8Frame(key: false);                 // never reaches the SFU
        router.OnRtp(33 * Ms, producer, pub.Vp8Frame(key: false));
        Assert.Equal(new ushort[] { 11 }, Assert.Single(requester.Nacks));

        // Every subscriber sees the same hole (the packet after its first) and NACKs it, twice.
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < subscribers; i++)
            {
                ushort hole = (ushort)(new RtpView(sinks[i].Packets[0]).Seq + 1);
                consumers[i].OnNack((40 + round * 5) * Ms, [hole]);
            }
        }
        Assert.Single(requester.Nacks);                      // upstream: the SFU's own one NACK, not 400
        Assert.All(sinks, s => Assert.Equal(2, s.Packets.Count)); // nothing to resend yet: no storm of misses sent
        Assert.Empty(kfr.Requests);

        // The publisher's RTX repairs it: the router forwards the repaired packet to every subscriber once.
        var rtx = new byte[lost.Length + 2];
        int n = RtxPacket.Wrap(lost, rtx, new PayloadType(97), new Ssrc(0x1112), 1);
        Assert.True(router.OnRtp(60 * Ms, producer, rtx.AsSpan(0, n)));
        Assert.False(router.OnRtp(61 * Ms, producer, rtx.AsSpan(0, n))); // a duplicate RTX is dropped
        Assert.All(sinks, s =>
        {
            Assert.Equal(3, s.Packets.Count);
            Assert.Equal((ushort)(new RtpView(s.Packets[0]).Seq + 1), s.Last.Seq);
        });
        Assert.Single(requester.Nacks);
    }

    [Fact]
    public void RequestKeyFrame_PublisherLossAndManySubscriberPlis_OnePliPerInterval()
    {
        var router = new Router(new RouterOptions { KeyFrameRequestInterval = TimeSpan.FromMilliseconds(500) });
        var kfr = new CountingKeyFrameRequester();
        var producer = router.CreateProducer(0, Video("a", 0x1111, kfr));
        var consumers = Enumerable.Range(0, 100).Select(i => router.CreateConsumer(0, VideoConsumer($"c{i}"), new RecordingSink(), producer)).ToList();
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, producer, pub.Vp8Frame(key: true));
        kfr.Requests.Clear(); // the consumers' start-up requests (one, at time 0: throttled per encoding already)

        Assert.True(router.RequestKeyFrame(600 * Ms, producer, new Ssrc(0x1111)));
        Assert.False(router.RequestKeyFrame(650 * Ms, producer, new Ssrc(0x1111)));
        foreach (var c in consumers) c.RequestKeyFrame(700 * Ms);
        Assert.Single(kfr.Requests);

        foreach (var c in consumers) c.RequestKeyFrame(1100 * Ms);
        Assert.Equal(2, kfr.Requests.Count);
        Assert.False(router.RequestKeyFrame(1700 * Ms, producer, new Ssrc(0x9999))); // unknown SSRC
    }
}
