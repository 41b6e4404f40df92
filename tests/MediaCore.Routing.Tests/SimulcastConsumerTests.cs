using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using static MediaCore.Routing.Tests.Setup;

namespace MediaCore.Routing.Tests;

public class SimulcastConsumerTests
{
    private const int RidId = 4;

    /// <summary>A simulcast publisher with rids q/h/f that answers PLI with a key frame on the next tick.</summary>
    private sealed class SimulcastRig
    {
        public readonly Router Router = new();
        public readonly CountingKeyFrameRequester Kfr = new();
        public readonly Producer Producer;
        public readonly Publisher[] Layers;
        public readonly int[] PacketSize = [400, 1000, 1200];
        public readonly int[] PacketsPerFrame = [1, 2, 5];
        public readonly bool[] Enabled = [true, true, true];
        public long Now;
        private int _handled;

        public SimulcastRig()
        {
            Producer = Router.CreateProducer(0, new ProducerOptions
            {
                Id = "sim",
                Kind = MediaKind.Video,
                Codec = CodecKind.Vp8,
                ClockRate = 90000,
                PayloadType = new PayloadType(96),
                Extensions = new RtpExtensionMap().Add(RidId, RtpExtensionUris.RtpStreamId),
                KeyFrameRequester = Kfr,
                Encodings = [new() { Rid = "q" }, new() { Rid = "h" }, new() { Rid = "f" }],
            });
            string[] rids = ["q", "h", "f"];
            Layers = new Publisher[3];
            for (int i = 0; i < 3; i++)
            {
                Layers[i] = new Publisher(0xA000u + (uint)i, 96, firstSeq: (ushort)(1000 * (i + 1)));
                Layers[i].Writer.SetExtension(RidId, System.Text.Encoding.ASCII.GetBytes(rids[i]));
            }
        }

        /// <summary>Runs 33 ms frames; key frames on the first frame and after each PLI.</summary>
        public void Run(int frames)
        {
            for (int f = 0; f < frames; f++)
            {
                bool[] key = new bool[3];
                for (; _handled < Kfr.Requests.Count; _handled++)
                    key[Kfr.Requests[_handled].Ssrc - 0xA000u] = true;
                for (int l = 0; l < 3; l++)
                {
                    if (!Enabled[l]) continue;
                    bool k = key[l] || Layers[l].Writer.SequenceNumber == (ushort)(1000 * (l + 1));
                    for (int p = 0; p < PacketsPerFrame[l]; p++)
                        Router.OnRtp(Now, Producer, Layers[l].Vp8Frame(key: k && p == 0, payloadSize: PacketSize[l], tsStep: p == PacketsPerFrame[l] - 1 ? 3000u : 0u));
                }
                Now += 33 * Ms;
            }
        }
    }

    private static int LayerOf(RtpView v) => v.Payload.Length switch { 400 => 0, 1000 => 1, 1200 => 2, _ => -1 };

    private static void AssertContinuous(RecordingSink sink)
    {
        for (int i = 1; i < sink.Packets.Count; i++)
        {
            var a = new RtpView(sink.Packets[i - 1]);
            var b = new RtpView(sink.Packets[i]);
            Assert.Equal((ushort)(a.Seq + 1), b.Seq);
            Assert.True((int)(b.Timestamp - a.Timestamp) >= 0, $"timestamp went back at {i}");
        }
    }

    [Fact]
    public void SetAvailableBitrate_UpAndDown_SwitchesLayersAtKeyFramesWithContinuousSeq()
    {
        var rig = new SimulcastRig();
        var sink = new RecordingSink();
        var consumer = rig.Router.CreateSimulcastConsumer(0, Setup.VideoConsumer("c") , sink, rig.Producer);
        consumer.SetAvailableBitrate(0, 10_000_000);

        rig.Run(60); // 2 s: bitrate windows fill, the consumer climbs to f
        Assert.Equal(2, consumer.CurrentEncoding!.Index);
        Assert.Equal(2, LayerOf(sink.Last));
        Assert.Equal("f", consumer.CurrentEncoding.Rid);
        Assert.Equal(0xA002u, consumer.CurrentEncoding.Ssrc!.Value.Value);

        // h measures about 2 x 1000 B x 8 x 30 = 480 kb/s: 600 kb/s fits h, not f (1.44 Mb/s).
        consumer.SetAvailableBitrate(rig.Now, 600_000);
        Assert.Equal(1, consumer.TargetEncoding!.Index);
        rig.Run(10);
        Assert.Equal(1, LayerOf(sink.Last));

        consumer.SetPreferredLayer(rig.Now, 0);
        rig.Run(10);
        Assert.Equal(0, LayerOf(sink.Last));

        consumer.SetPreferredLayer(rig.Now, null);
        consumer.SetAvailableBitrate(rig.Now, 10_000_000);
        rig.Run(30);
        Assert.Equal(2, LayerOf(sink.Last));

        AssertContinuous(sink);
        Assert.True(consumer.Stats.SourceSwitches >= 3);
    }

    [Fact]
    public void OnRtp_TopLayerStops_DowngradesToNextActiveLayer()
    {
        var rig = new SimulcastRig();
        var sink = new RecordingSink();
        var consumer = rig.Router.CreateSimulcastConsumer(0, Setup.VideoConsumer("c"), sink, rig.Producer);
        consumer.SetAvailableBitrate(0, 10_000_000);
        rig.Run(60);
        Assert.Equal(2, LayerOf(sink.Last));

        rig.Enabled[2] = false; // the publisher's uplink can no longer carry f
        rig.Run(60);
        Assert.Equal(1, LayerOf(sink.Last));
        AssertContinuous(sink);
    }

    [Fact]
    public void SwitchLayer_WaitsForKeyFrame_OldLayerFlowsMeanwhile()
    {
        var rig = new SimulcastRig();
        var sink = new RecordingSink();
        var consumer = rig.Router.CreateSimulcastConsumer(0, Setup.VideoConsumer("c"), sink, rig.Producer);
        consumer.SetPreferredLayer(0, 2);
        rig.Run(5);
        Assert.Equal(2, LayerOf(sink.Last));
        int requests = rig.Kfr.Requests.Count;

        consumer.SetPreferredLayer(rig.Now, 0);
        Assert.Equal(requests + 1, rig.Kfr.Requests.Count);
        Assert.Equal(0xA000u, rig.Kfr.Requests[^1].Ssrc);
        Assert.Equal(2, consumer.CurrentEncoding!.Index); // not switched until q's key frame
        rig.Run(2);
        Assert.Equal(0, LayerOf(sink.Last));
        AssertContinuous(sink);
    }
}

public class SenderReportAlignmentTests
{
    [Fact]
    public void LayerSwitch_WithSenderReports_TimestampsFollowCaptureTimeNotArrival()
    {
        // Simulcast layers share a capture clock but each has its own random RTP offset (RFC 3550 §5.1);
        // only sender reports (§6.4.1) relate them. The switched-to key frame was captured 6 frames after
        // the first forwarded frame, so its output timestamp must be exactly 6 x 3000 later, even though it
        // arrives late.
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var producer = router.CreateProducer(0, new ProducerOptions
        {
            Id = "sim", Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
            PayloadType = new PayloadType(96), KeyFrameRequester = kfr,
            Encodings = [new() { Ssrc = 0xA0 }, new() { Ssrc = 0xA1 }],
        });
        var low = new Publisher(0xA0, 96, firstSeq: 10, firstTs: 1_000);
        var high = new Publisher(0xA1, 96, firstSeq: 20000, firstTs: 5_000_000);
        ulong ntp = 1000UL << 32;
        router.OnSenderReport(producer, new Ssrc(0xA0), ntp, new RtpTimestamp(1_000));
        router.OnSenderReport(producer, new Ssrc(0xA1), ntp, new RtpTimestamp(5_000_000));
        var sink = new RecordingSink();
        var consumer = router.CreateSimulcastConsumer(0, Setup.VideoConsumer("c"), sink, producer);
        consumer.SetPreferredLayer(0, 1);

        long now = 0;
        for (int f = 0; f < 6; f++, now += 33 * Setup.Ms)
        {
            router.OnRtp(now, producer, low.Vp8Frame(key: f == 0, tsStep: 3000));
            router.OnRtp(now, producer, high.Vp8Frame(key: f == 0, tsStep: 3000));
        }
        var firstOut = new RtpView(sink.Packets[0]).Timestamp;
        consumer.SetPreferredLayer(now, 0);
        router.OnRtp(now + 25 * Setup.Ms, producer, low.Vp8Frame(key: true, tsStep: 3000)); // frame 6, late

        Assert.Equal(0, consumer.CurrentEncoding!.Index);
        Assert.Equal(firstOut + 6 * 3000u, sink.Last.Timestamp);
    }
}

public class BandwidthAllocatorTests
{
    [Fact]
    public void Allocate_ProgramSlotFirst_OthersGetTheRest()
    {
        var router = new Router();
        var producers = new Producer[2];
        var pubs = new List<(Producer P, Publisher Pub, int Size, int Count)>();
        for (int p = 0; p < 2; p++)
        {
            producers[p] = router.CreateProducer(0, new ProducerOptions
            {
                Id = "p" + p, Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000, PayloadType = new PayloadType(96),
                Encodings = [new() { Ssrc = (uint)(p * 16 + 1) }, new() { Ssrc = (uint)(p * 16 + 2) }],
            });
            pubs.Add((producers[p], new Publisher((uint)(p * 16 + 1), 96), 400, 1));   // ~96 kb/s
            pubs.Add((producers[p], new Publisher((uint)(p * 16 + 2), 96), 1000, 4));  // ~960 kb/s
        }
        long now = 0;
        for (int f = 0; f < 60; f++, now += 33 * Setup.Ms)
            foreach (var (p, pub, size, count) in pubs)
                for (int k = 0; k < count; k++) router.OnRtp(now, p, pub.Vp8Frame(key: f == 0 && k == 0, payloadSize: size));

        var program = router.CreateSimulcastConsumer(now, Setup.VideoConsumer("program"), new RecordingSink(), producers[0]);
        var other = router.CreateSimulcastConsumer(now, Setup.VideoConsumer("other"), new RecordingSink(), producers[1]);

        long left = BandwidthAllocator.Allocate(now, 1_500_000, [program, other]);

        Assert.Equal(1, program.TargetEncoding!.Index);  // the program slot gets the high layer
        Assert.Equal(0, other.TargetEncoding!.Index);    // the other slot keeps the low layer
        Assert.True(program.AvailableBitrate + other.AvailableBitrate + left == 1_500_000);

        BandwidthAllocator.Allocate(now, 200_000, [program, other]);
        Assert.Equal(0, program.TargetEncoding!.Index);
        Assert.Equal(0, other.TargetEncoding!.Index);
    }
}
