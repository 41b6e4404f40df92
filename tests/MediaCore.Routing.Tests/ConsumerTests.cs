using MediaCore.Protocol.Core;
using static MediaCore.Routing.Tests.Setup;

namespace MediaCore.Routing.Tests;

public class ConsumerTests
{
    [Fact]
    public void OnRtp_SingleConsumer_RewritesSsrcPtSeqAndTimestamp()
    {
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var producer = router.CreateProducer(0, Video("a", 0x1111, kfr));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, VideoConsumer("c"), sink, producer);
        var pub = new Publisher(0x1111, 96);

        Assert.True(router.OnRtp(0, producer, pub.Vp8Frame(key: true)));
        Assert.True(router.OnRtp(33 * Ms, producer, pub.Vp8Frame(key: false)));

        Assert.Equal(2, sink.Packets.Count);
        var first = new RtpView(sink.Packets[0]);
        var second = new RtpView(sink.Packets[1]);
        Assert.Equal(0x5000u, first.Ssrc);
        Assert.Equal(100, first.Pt);
        Assert.Equal(500, first.Seq);
        Assert.Equal(501, second.Seq);
        Assert.Equal(1_000_000u, first.Timestamp);
        Assert.Equal(1_003_000u, second.Timestamp);
        Assert.Equal(100, first.PictureId);
        Assert.True(sink.MinSpare >= Router.SinkSpareBytes);
        Assert.Equal(2, consumer.Stats.PacketsSent);
    }

    [Fact]
    public void OnRtp_SinkLendsItsSendSlot_RewrittenStraightIntoItSameBytesAsThroughTheScratchBuffer()
    {
        // Two consumers of one producer: one sink lends its send slot, the other takes the scratch-buffer copy.
        var router = new Router();
        var producer = router.CreateProducer(0, Video("a", 0x1111, new CountingKeyFrameRequester()));
        var lending = new LendingSink();
        var copying = new LendingSink { Lend = false };
        router.CreateConsumer(0, VideoConsumer("lent"), lending, producer);
        router.CreateConsumer(0, VideoConsumer("copied"), copying, producer);
        var pub = new Publisher(0x1111, 96);

        for (int i = 0; i < 5; i++) Assert.True(router.OnRtp(i * 33 * Ms, producer, pub.Vp8Frame(key: i == 0)));

        Assert.Equal(5, lending.Lent);
        Assert.Equal(0, lending.Copied);
        Assert.Equal(0, lending.Abandoned);
        Assert.False(lending.Open);
        Assert.Equal(5, copying.Copied);
        Assert.Equal(copying.Packets, lending.Packets);
    }

    [Fact]
    public void OnRtp_LentSlotTooSmall_HandedBackEmptyAndCountedDropped()
    {
        var router = new Router();
        var producer = router.CreateProducer(0, Video("a", 0x1111, new CountingKeyFrameRequester()));
        var lending = new LendingSink(slotBytes: 100);
        var consumer = router.CreateConsumer(0, VideoConsumer("lent"), lending, producer);
        var pub = new Publisher(0x1111, 96);

        Assert.True(router.OnRtp(0, producer, pub.Vp8Frame(key: true)));

        Assert.Equal(1, lending.Lent);
        Assert.Equal(1, lending.Abandoned);
        Assert.False(lending.Open);
        Assert.Empty(lending.Packets);
        Assert.Equal(0, consumer.Stats.PacketsSent);
    }

    [Fact]
    public void OnRtp_BeforeFirstKeyFrame_DropsAndRequestsKeyFrameThrottled()
    {
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var producer = router.CreateProducer(0, Video("a", 0x1111, kfr));
        var sink = new RecordingSink();
        router.CreateConsumer(0, VideoConsumer("c"), sink, producer);
        var pub = new Publisher(0x1111, 96);

        for (int i = 0; i < 10; i++) router.OnRtp(i * 33 * Ms, producer, pub.Vp8Frame(key: false));

        Assert.Empty(sink.Packets);
        // Frames at 0..297 ms: one request (the SSRC was signalled, so the one at SetSource time counts).
        Assert.Single(kfr.Requests);
        router.OnRtp(600 * Ms, producer, pub.Vp8Frame(key: false));
        Assert.Equal(2, kfr.Requests.Count);
        Assert.Equal(("a", 0x1111u), kfr.Requests[0]);
    }

    [Fact]
    public void SetSource_SwitchProducer_SeqContinuousTimestampMonotonicAfterKeyFrame()
    {
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var a = router.CreateProducer(0, Video("a", 0x1111, kfr));
        var b = router.CreateProducer(0, Video("b", 0x2222, kfr));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, VideoConsumer("c"), sink, a);
        var pubA = new Publisher(0x1111, 96, firstSeq: 10, firstTs: 5000, firstPictureId: 7);
        var pubB = new Publisher(0x2222, 96, firstSeq: 60000, firstTs: 4_000_000_000, firstPictureId: 30000);

        long now = 0;
        router.OnRtp(now, a, pubA.Vp8Frame(key: true));
        for (int i = 0; i < 5; i++) router.OnRtp(now += 33 * Ms, a, pubA.Vp8Frame(key: false));
        var lastBeforeSwitch = sink.Last;
        kfr.Requests.Clear();

        Assert.True(consumer.SetSource(now, b));
        Assert.Single(kfr.Requests); // PLI to the new source at switch time
        Assert.Equal(("b", 0x2222u), kfr.Requests[0]);

        // B's delta frames are not forwarded; A keeps flowing until B's key frame.
        router.OnRtp(now += 10 * Ms, b, pubB.Vp8Frame(key: false));
        router.OnRtp(now += 23 * Ms, a, pubA.Vp8Frame(key: false));
        Assert.Equal(7, sink.Packets.Count);
        lastBeforeSwitch = sink.Last;

        router.OnRtp(now += 40 * Ms, b, pubB.Vp8Frame(key: true));
        router.OnRtp(now += 5 * Ms, a, pubA.Vp8Frame(key: false));     // old source: ignored now
        router.OnRtp(now += 28 * Ms, b, pubB.Vp8Frame(key: false));

        Assert.Equal(9, sink.Packets.Count);
        var switched = new RtpView(sink.Packets[7]);
        var next = new RtpView(sink.Packets[8]);
        Assert.Equal((ushort)(lastBeforeSwitch.Seq + 1), switched.Seq);
        Assert.Equal((ushort)(switched.Seq + 1), next.Seq);
        int tsStep = (int)(switched.Timestamp - lastBeforeSwitch.Timestamp);
        Assert.Equal(40 * 90, tsStep); // elapsed 40 ms at 90 kHz
        Assert.Equal(3000u, next.Timestamp - switched.Timestamp);
        Assert.Equal(0x5000u, switched.Ssrc);
        Assert.Equal((lastBeforeSwitch.PictureId + 1) & 0x7FFF, switched.PictureId);
        Assert.Equal((byte)(lastBeforeSwitch.Tl0 + 1), switched.Tl0);
        Assert.Equal(b.Encodings[0], consumer.CurrentEncoding);
        Assert.Equal(1, consumer.Stats.SourceSwitches);
    }

    [Fact]
    public void OnRtp_ReorderedPacketFromBeforeSwitch_IsDropped()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var sink = new RecordingSink();
        router.CreateConsumer(0, VideoConsumer("c"), sink, a);
        var pub = new Publisher(0x1111, 96);
        var early = pub.Vp8Frame(key: false);
        router.OnRtp(0, a, pub.Vp8Frame(key: true));
        router.OnRtp(1 * Ms, a, early);
        Assert.Single(sink.Packets);
    }

    [Fact]
    public void OnRtp_GapFromPublisher_IsPreservedSoTheReceiverNacks()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var sink = new RecordingSink();
        router.CreateConsumer(0, VideoConsumer("c"), sink, a);
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, a, pub.Vp8Frame(key: true));
        pub.Lose();
        router.OnRtp(1 * Ms, a, pub.Vp8Frame(key: false));
        Assert.Equal(2, sink.Last.Seq - new RtpView(sink.Packets[0]).Seq);
    }

    [Fact]
    public void RemoveProducer_ConsumerLosesSource_StopsForwarding()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, VideoConsumer("c"), sink, a);
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, a, pub.Vp8Frame(key: true));
        router.RemoveProducer(1 * Ms, a);
        Assert.Null(consumer.Source);
        Assert.Null(consumer.CurrentEncoding);
        Assert.False(router.OnRtp(2 * Ms, a, pub.Vp8Frame(key: true)));
        Assert.Single(sink.Packets);
    }

    [Fact]
    public void SetSource_OtherCodec_IsRejected()
    {
        var router = new Router();
        var h264 = router.CreateProducer(0, new ProducerOptions
        {
            Id = "h", Kind = MediaKind.Video, Codec = MediaCore.Protocol.Codecs.CodecKind.H264, ClockRate = 90000,
            PayloadType = new PayloadType(102),
        });
        var consumer = router.CreateConsumer(0, VideoConsumer("c"), new RecordingSink());
        Assert.False(consumer.SetSource(0, h264));
        Assert.Null(consumer.Source);
    }

    [Fact]
    public void TryGetSenderInfo_ExtrapolatesTimestampFromLastPacket()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var consumer = router.CreateConsumer(0, VideoConsumer("c"), new RecordingSink(), a);
        Assert.False(consumer.TryGetSenderInfo(0, out _, out _, out _));
        router.OnRtp(0, a, new Publisher(0x1111, 96).Vp8Frame(key: true, payloadSize: 100));
        Assert.True(consumer.TryGetSenderInfo(100 * Ms, out var ts, out uint packets, out uint octets));
        Assert.Equal(1_000_000u + 9000u, ts.Value);
        Assert.Equal(1u, packets);
        Assert.Equal(100u, octets);
    }
}

public class ConsumerLifecycleTests
{
    [Fact]
    public void OnRtp_PlainRtpSenderRestartsWithNewSsrc_ResyncsAtKeyFrame()
    {
        // RFC 3550 §8.2: a restarted sender is a new source (new SSRC, new sequence space). The consumer
        // must keep its own numbering continuous and pick the new stream up at a key frame.
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var producer = router.CreateProducer(0, Setup.Video("ffmpeg", ssrc: null, kfr));
        var sink = new RecordingSink();
        router.CreateConsumer(0, Setup.VideoConsumer("c"), sink, producer);
        var first = new Publisher(0xAAAA, 96, firstSeq: 100);
        router.OnRtp(0, producer, first.Vp8Frame(key: true));
        router.OnRtp(33 * Setup.Ms, producer, first.Vp8Frame(key: false));
        var before = sink.Last;

        var restarted = new Publisher(0xBBBB, 96, firstSeq: 50000);
        Assert.False(router.OnRtp(100 * Setup.Ms, producer, restarted.Vp8Frame(key: true))); // old stream still active
        Assert.True(router.OnRtp(2000 * Setup.Ms, producer, restarted.Vp8Frame(key: false)));
        Assert.Equal(0xBBBBu, producer.Encodings[0].Ssrc!.Value.Value);
        Assert.Equal(2, sink.Packets.Count); // waits for a key frame
        Assert.Contains(("ffmpeg", 0xBBBBu), kfr.Requests);
        router.OnRtp(2033 * Setup.Ms, producer, restarted.Vp8Frame(key: true));
        Assert.Equal(3, sink.Packets.Count);
        Assert.Equal((ushort)(before.Seq + 1), sink.Last.Seq);
        Assert.Equal(before.Ssrc, sink.Last.Ssrc);
    }

    [Fact]
    public void PauseResume_ResumeWaitsForKeyFrameAndRequestsIt()
    {
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var producer = router.CreateProducer(0, Setup.Video("a", 0x1111, kfr));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, Setup.VideoConsumer("c"), sink, producer);
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, producer, pub.Vp8Frame(key: true));
        consumer.Pause();
        router.OnRtp(33 * Setup.Ms, producer, pub.Vp8Frame(key: false));
        kfr.Requests.Clear();
        consumer.Resume(1000 * Setup.Ms);
        Assert.Single(kfr.Requests);
        router.OnRtp(1033 * Setup.Ms, producer, pub.Vp8Frame(key: false));
        Assert.Single(sink.Packets);
        router.OnRtp(1066 * Setup.Ms, producer, pub.Vp8Frame(key: true));
        Assert.Equal(2, sink.Packets.Count);
        Assert.Equal((ushort)(new RtpView(sink.Packets[0]).Seq + 1), sink.Last.Seq);
    }

    [Fact]
    public void AudioConsumer_PauseResume_NoSequenceGapTimestampAdvancesByPause()
    {
        // A relay link's top-N gate pauses a track that leaves the selection: the receiving node must not see the
        // packets skipped meanwhile as loss.
        var router = new Router();
        var producer = router.CreateProducer(0, new ProducerOptions
        {
            Id = "a", Kind = MediaKind.Audio, Codec = MediaCore.Protocol.Codecs.CodecKind.Opus, ClockRate = 48000,
            PayloadType = new MediaCore.Protocol.Core.PayloadType(111), Encodings = [new ProducerEncodingOptions { Ssrc = 1 }],
        });
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, new ConsumerOptions
        {
            Id = "c", Kind = MediaKind.Audio, Codec = MediaCore.Protocol.Codecs.CodecKind.Opus, ClockRate = 48000,
            Ssrc = new MediaCore.Protocol.Core.Ssrc(9), PayloadType = new MediaCore.Protocol.Core.PayloadType(111),
        }, sink, producer);
        var pub = new Publisher(1, 111);
        router.OnRtp(0, producer, pub.Audio());
        router.OnRtp(20 * Setup.Ms, producer, pub.Audio());
        consumer.Pause();
        for (int i = 2; i < 50; i++) router.OnRtp(i * 20 * Setup.Ms, producer, pub.Audio());
        consumer.Resume(1000 * Setup.Ms);
        router.OnRtp(1000 * Setup.Ms, producer, pub.Audio());
        Assert.Equal(3, sink.Packets.Count);
        var before = new RtpView(sink.Packets[1]);
        Assert.Equal((ushort)(before.Seq + 1), sink.Last.Seq);
        Assert.Equal(980u * 48, sink.Last.Timestamp - before.Timestamp);
        Assert.Equal(0, consumer.Stats.SourceSwitches);
    }

    [Fact]
    public void AudioConsumer_SwitchSource_ImmediateWithContinuousSeqAndAudioLevelCopied()
    {
        var router = new Router();
        var pubExt = new MediaCore.Protocol.Rtp.RtpExtensionMap().Add(1, MediaCore.Protocol.Rtp.RtpExtensionUris.AudioLevel);
        ProducerOptions Audio(string id, uint ssrc) => new()
        {
            Id = id, Kind = MediaKind.Audio, Codec = MediaCore.Protocol.Codecs.CodecKind.Opus, ClockRate = 48000,
            PayloadType = new MediaCore.Protocol.Core.PayloadType(111), Extensions = pubExt,
            Encodings = [new ProducerEncodingOptions { Ssrc = ssrc }],
        };
        var a = router.CreateProducer(0, Audio("a", 1));
        var b = router.CreateProducer(0, Audio("b", 2));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, new ConsumerOptions
        {
            Id = "c", Kind = MediaKind.Audio, Codec = MediaCore.Protocol.Codecs.CodecKind.Opus, ClockRate = 48000,
            Ssrc = new MediaCore.Protocol.Core.Ssrc(9), PayloadType = new MediaCore.Protocol.Core.PayloadType(109),
            Extensions = new MediaCore.Protocol.Rtp.RtpExtensionMap().Add(10, MediaCore.Protocol.Rtp.RtpExtensionUris.AudioLevel),
        }, sink, a);
        var pa = new Publisher(1, 111);
        var pb = new Publisher(2, 111, firstSeq: 9);
        pa.Writer.SetExtension(1, [0x85]);
        pb.Writer.SetExtension(1, [0x9E]);
        router.OnRtp(0, a, pa.Audio());
        consumer.SetSource(10 * Setup.Ms, b);
        router.OnRtp(20 * Setup.Ms, b, pb.Audio());
        Assert.Equal(2, sink.Packets.Count);
        Assert.Equal((ushort)(new RtpView(sink.Packets[0]).Seq + 1), sink.Last.Seq);
        Assert.Equal(20u * 48, sink.Last.Timestamp - new RtpView(sink.Packets[0]).Timestamp);
        Assert.True(MediaCore.Protocol.Rtp.RtpPacket.TryParse(sink.Packets[1], out var p));
        Assert.True(p.TryGetExtension(10, out var level));
        Assert.Equal(0x9E, level[0]);
        Assert.Equal(109, p.PayloadType.Value);
    }
}

public class RouterLookupTests
{
    [Fact]
    public void TryFind_BySignalledAndLearnedSsrc()
    {
        var router = new Router();
        var producer = router.CreateProducer(0, Setup.Video("a", ssrc: null, null));
        var consumer = router.CreateConsumer(0, Setup.VideoConsumer("c", rtx: true), new RecordingSink(), producer);
        Assert.False(router.TryFindEncoding(new MediaCore.Protocol.Core.Ssrc(0x4242), out _));
        router.OnRtp(0, producer, new Publisher(0x4242, 96).Vp8Frame(key: true));
        Assert.True(router.TryFindEncoding(new MediaCore.Protocol.Core.Ssrc(0x4242), out var e));
        Assert.Same(producer, e.Producer);
        Assert.True(router.TryFindConsumer(new MediaCore.Protocol.Core.Ssrc(0x5001), out var c));
        Assert.Same(consumer, c);
        consumer.Close();
        Assert.False(router.TryFindConsumer(new MediaCore.Protocol.Core.Ssrc(0x5000), out _));
    }
}

public class KeyFrameThrottleTests
{
    [Fact]
    public void SetSource_FiftyConsumersSwitchTogether_OnePliPerEncodingPer500ms()
    {
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var a = router.CreateProducer(0, Setup.Video("a", 1, kfr));
        var b = router.CreateProducer(0, Setup.Video("b", 2, kfr));
        var consumers = Enumerable.Range(0, 50).Select(i => router.CreateConsumer(0, Setup.VideoConsumer("c" + i), new RecordingSink(), a)).ToList();
        kfr.Requests.Clear();

        foreach (var c in consumers) c.SetSource(1000 * Setup.Ms, b);
        foreach (var c in consumers) c.RequestKeyFrame(1100 * Setup.Ms);
        Assert.Equal([("b", 2u)], kfr.Requests);

        consumers[0].RequestKeyFrame(1500 * Setup.Ms);
        Assert.Equal(2, kfr.Requests.Count);
    }
}
