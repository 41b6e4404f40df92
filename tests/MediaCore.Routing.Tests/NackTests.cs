using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using static MediaCore.Routing.Tests.Setup;

namespace MediaCore.Routing.Tests;

public class NackTests
{
    [Fact]
    public void OnNack_WithRtx_ResendsCachedPacketAsRtxWithOwnSeqSpace()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, VideoConsumer("c", rtx: true), sink, a);
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, a, pub.Vp8Frame(key: true));
        for (int i = 1; i <= 5; i++) router.OnRtp(i * 33 * Ms, a, pub.Vp8Frame(key: false));
        var original = new RtpView(sink.Packets[2]);
        sink.Clear();

        consumer.OnNack(200 * Ms, [original.Seq]);

        var rtxBytes = Assert.Single(sink.Packets);
        Assert.True(RtpPacket.TryParse(rtxBytes, out var rtx));
        Assert.Equal(0x5001u, rtx.Ssrc.Value);
        Assert.Equal(101, rtx.PayloadType.Value);
        Assert.Equal(original.Timestamp, rtx.Timestamp.Value);
        var restored = new byte[rtxBytes.Length];
        Assert.True(RtxPacket.TryUnwrap(rtxBytes, restored, new PayloadType(100), new Ssrc(0x5000), out int len));
        var view = new RtpView(restored[..len]);
        Assert.Equal(original.Seq, view.Seq);
        Assert.Equal(original.Payload, view.Payload);
        Assert.Equal(1, consumer.Stats.PacketsRetransmitted);

        consumer.OnNack(210 * Ms, [original.Seq]);
        Assert.True(RtpPacket.TryParse(sink.Packets[1], out var rtx2));
        Assert.Equal((ushort)(rtx.SequenceNumber + 1), rtx2.SequenceNumber);
    }

    [Fact]
    public void OnNack_WithoutRtx_ResendsIdenticalPacket()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, VideoConsumer("c"), sink, a);
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, a, pub.Vp8Frame(key: true));
        router.OnRtp(33 * Ms, a, pub.Vp8Frame(key: false));
        var sent = sink.Packets[1];
        var first = new RtpView(sink.Packets[0]);

        consumer.OnNack(50 * Ms, pid: first.Seq, blp: 0b1);

        Assert.Equal(4, sink.Packets.Count);
        Assert.Equal(sink.Packets[0], sink.Packets[2]);
        Assert.Equal(sent, sink.Packets[3]);
    }

    [Fact]
    public void OnNack_AfterSourceSwitch_MapsToTheRightProducer()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var b = router.CreateProducer(0, Video("b", 0x2222, null));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, VideoConsumer("c"), sink, a);
        var pubA = new Publisher(0x1111, 96, firstSeq: 100);
        var pubB = new Publisher(0x2222, 96, firstSeq: 40000);
        router.OnRtp(0, a, pubA.Vp8Frame(key: true, payloadSize: 50));
        router.OnRtp(10 * Ms, a, pubA.Vp8Frame(key: false, payloadSize: 51));
        consumer.SetSource(20 * Ms, b);
        router.OnRtp(30 * Ms, b, pubB.Vp8Frame(key: true, payloadSize: 52));
        router.OnRtp(40 * Ms, b, pubB.Vp8Frame(key: false, payloadSize: 53));
        var copies = sink.Packets.ToList();

        consumer.OnNack(50 * Ms, [new RtpView(copies[1]).Seq, new RtpView(copies[2]).Seq]);

        Assert.Equal(copies[1], sink.Packets[4]);
        Assert.Equal(copies[2], sink.Packets[5]);
    }

    [Fact]
    public void OnNack_PacketOlderThanCacheAge_IsAMiss()
    {
        var router = new Router(new RouterOptions { PacketCacheMaxAge = TimeSpan.FromMilliseconds(1000) });
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, VideoConsumer("c"), sink, a);
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, a, pub.Vp8Frame(key: true));
        var seq = sink.Last.Seq;
        consumer.OnNack(1001 * Ms, [seq]);
        Assert.Single(sink.Packets);
        Assert.Equal(1, consumer.Stats.NackMisses);
    }

    [Fact]
    public void OnNack_UnknownOrFutureSeq_IsAMiss()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, VideoConsumer("c"), sink, a);
        consumer.OnNack(0, [1, 2, 3]);
        router.OnRtp(0, a, new Publisher(0x1111, 96).Vp8Frame(key: true));
        consumer.OnNack(0, [(ushort)(sink.Last.Seq + 1), (ushort)(sink.Last.Seq - 1)]);
        Assert.Single(sink.Packets);
        Assert.Equal(5, consumer.Stats.NackMisses);
    }

    [Fact]
    public void OnRtp_PublisherRtx_IsRepairedAndForwardedOnce()
    {
        var router = new Router();
        var a = router.CreateProducer(0, Video("a", 0x1111, null, rtxSsrc: 0x1112));
        var sink = new RecordingSink();
        router.CreateConsumer(0, VideoConsumer("c"), sink, a);
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, a, pub.Vp8Frame(key: true));
        var lost = pub.Vp8Frame(key: false, payloadSize: 77);
        router.OnRtp(66 * Ms, a, pub.Vp8Frame(key: false));

        var rtx = new byte[lost.Length + 2];
        int n = RtxPacket.Wrap(lost, rtx, new PayloadType(97), new Ssrc(0x1112), 9);
        Assert.True(router.OnRtp(80 * Ms, a, rtx.AsSpan(0, n)));
        Assert.False(router.OnRtp(81 * Ms, a, rtx.AsSpan(0, n))); // duplicate

        Assert.Equal(3, sink.Packets.Count);
        var repaired = sink.Last;
        Assert.Equal((ushort)(new RtpView(sink.Packets[0]).Seq + 1), repaired.Seq);
        Assert.Equal(77, repaired.Payload.Length);
        Assert.Equal(1, a.DuplicatePackets);
    }
}

public class RidRtxTests
{
    [Fact]
    public void OnRtp_RidSimulcastRtx_LearnsRtxSsrcFromRepairedRidAndRepairs()
    {
        // RFC 8852 §3.2: RTX packets of rid-identified streams carry repaired-rtp-stream-id.
        var router = new Router();
        var ext = new MediaCore.Protocol.Rtp.RtpExtensionMap()
            .Add(4, MediaCore.Protocol.Rtp.RtpExtensionUris.RtpStreamId)
            .Add(5, MediaCore.Protocol.Rtp.RtpExtensionUris.RepairedRtpStreamId);
        var producer = router.CreateProducer(0, new ProducerOptions
        {
            Id = "sim", Kind = MediaKind.Video, Codec = MediaCore.Protocol.Codecs.CodecKind.Vp8, ClockRate = 90000,
            PayloadType = new PayloadType(96), RtxPayloadType = new PayloadType(97), Extensions = ext,
            Encodings = [new() { Rid = "q" }, new() { Rid = "h" }],
        });
        var sink = new RecordingSink();
        var consumer = router.CreateSimulcastConsumer(0, Setup.VideoConsumer("c"), sink, producer);
        consumer.SetPreferredLayer(0, 1);
        var h = new Publisher(0xB1, 96);
        h.Writer.SetExtension(4, "h"u8);
        router.OnRtp(0, producer, h.Vp8Frame(key: true));
        var lost = h.Vp8Frame(key: false, payloadSize: 321);
        router.OnRtp(66 * Setup.Ms, producer, h.Vp8Frame(key: false));

        // The RTX packet: rrid instead of rid, its own SSRC and sequence numbers, OSN in front.
        var w = new MediaCore.Protocol.Rtp.RtpPacketWriter
        {
            PayloadType = new PayloadType(97), Ssrc = new Ssrc(0xB2), SequenceNumber = 5, Timestamp = new RtpTimestamp(0),
        };
        Assert.True(MediaCore.Protocol.Rtp.RtpPacket.TryParse(lost, out var lp));
        var payload = new byte[2 + lp.Payload.Length];
        payload[0] = (byte)(lp.SequenceNumber >> 8);
        payload[1] = (byte)lp.SequenceNumber;
        lp.Payload.CopyTo(payload.AsSpan(2));
        w.Payload = payload;
        w.Timestamp = lp.Timestamp;
        w.SetExtension(5, "h"u8);
        var rtx = new byte[w.GetSerializedSize()];
        w.WriteTo(rtx);

        Assert.True(router.OnRtp(80 * Setup.Ms, producer, rtx));
        Assert.Equal(0xB2u, producer.Encodings[1].RtxSsrc!.Value.Value);
        Assert.Equal(3, sink.Packets.Count);
        Assert.Equal(321, sink.Last.Payload.Length);
        Assert.Equal((ushort)(new RtpView(sink.Packets[0]).Seq + 1), sink.Last.Seq);
    }
}

public class PaddingTests
{
    [Fact]
    public void OnRtp_PaddingOnlyPackets_SkippedWithoutSeqGapAndNackStillMaps()
    {
        // A publisher without RTX probes bandwidth with padding-only packets on the media SSRC
        // (RFC 3550 §5.1 P bit, no payload): subscribers should not pay for them, nor see a gap.
        var router = new Router();
        var a = router.CreateProducer(0, Setup.Video("a", 0x1111, null));
        var sink = new RecordingSink();
        var consumer = router.CreateConsumer(0, Setup.VideoConsumer("c"), sink, a);
        var pub = new Publisher(0x1111, 96);
        router.OnRtp(0, a, pub.Vp8Frame(key: true, payloadSize: 50));
        router.OnRtp(10 * Setup.Ms, a, pub.Vp8Frame(key: false, payloadSize: 51));
        for (int i = 0; i < 3; i++)
        {
            pub.Writer.Payload = ReadOnlyMemory<byte>.Empty;
            pub.Writer.PaddingLength = 200;
            var padding = new byte[pub.Writer.GetSerializedSize()];
            pub.Writer.WriteTo(padding);
            pub.Writer.SequenceNumber++;
            pub.Writer.PaddingLength = 0;
            router.OnRtp((20 + i) * Setup.Ms, a, padding);
        }
        router.OnRtp(40 * Setup.Ms, a, pub.Vp8Frame(key: false, payloadSize: 52));
        router.OnRtp(50 * Setup.Ms, a, pub.Vp8Frame(key: false, payloadSize: 53));

        Assert.Equal(4, sink.Packets.Count);
        for (int i = 1; i < 4; i++)
            Assert.Equal((ushort)(new RtpView(sink.Packets[i - 1]).Seq + 1), new RtpView(sink.Packets[i]).Seq);
        Assert.Equal(3, consumer.Stats.PaddingSkipped);

        var copies = sink.Packets.ToList();
        consumer.OnNack(60 * Setup.Ms, [new RtpView(copies[1]).Seq, new RtpView(copies[2]).Seq]);
        Assert.Equal(copies[1], sink.Packets[4]);
        Assert.Equal(copies[2], sink.Packets[5]);
    }
}
