using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Tests.Rtp;
using static MediaCore.Routing.Tests.Setup;

namespace MediaCore.Routing.Tests;

/// <summary>Seeded fuzzing of the fan-out path: malformed or hostile packets never throw.</summary>
public class RouterFuzzTests
{
    private sealed class NullSink : IRtpSink
    {
        public long Packets;
        public void SendRtp(Span<byte> buffer, int length)
        {
            Assert.True(RtpPacket.TryParse(buffer[..length], out _)); // everything sent is valid RTP
            Assert.True(buffer.Length - length >= Router.SinkSpareBytes);
            Packets++;
        }
    }

    [Fact]
    public void OnRtp_100kMutatedPackets_NeverThrowsAndSendsOnlyValidRtp()
    {
        var rng = new Random(7741);
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var ext = new RtpExtensionMap().Add(1, RtpExtensionUris.AudioLevel).Add(3, RtpExtensionUris.AbsSendTime)
            .Add(4, RtpExtensionUris.RtpStreamId).Add(5, RtpExtensionUris.RepairedRtpStreamId);
        var single = router.CreateProducer(0, Video("single", null, kfr));
        var simulcast = router.CreateProducer(0, new ProducerOptions
        {
            Id = "sim", Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
            PayloadType = new PayloadType(96), RtxPayloadType = new PayloadType(97), Extensions = ext,
            KeyFrameRequester = kfr,
            Encodings = [new() { Rid = "q" }, new() { Rid = "h" }, new() { Rid = "f" }],
        });
        var subExt = new RtpExtensionMap().Add(2, RtpExtensionUris.Mid).Add(3, RtpExtensionUris.AbsSendTime)
            .Add(20, RtpExtensionUris.TransportWideCc);
        var sink = new NullSink();
        var consumers = new List<Consumer>();
        for (int i = 0; i < 4; i++)
        {
            var o = new ConsumerOptions
            {
                Id = "c" + i, Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000, Ssrc = new Ssrc((uint)(100 + i)),
                PayloadType = new PayloadType(100), RtxSsrc = new Ssrc((uint)(200 + i)), RtxPayloadType = new PayloadType(101),
                Extensions = subExt, Mid = "v" + i,
            };
            consumers.Add(i % 2 == 0
                ? router.CreateConsumer(0, o, sink, single)
                : router.CreateSimulcastConsumer(0, o, sink, simulcast));
        }
        var seeds = RtpFuzzSeeds.Seeds();
        long now = 0;
        for (int i = 0; i < 100_000; i++)
        {
            now += rng.Next(0, 3 * (int)Ms);
            var data = RtpFuzzSeeds.Mutate(rng, seeds);
            router.OnRtp(now, rng.Next(2) == 0 ? single : simulcast, data);
            if (rng.Next(50) == 0)
            {
                var c = consumers[rng.Next(consumers.Count)];
                c.OnNack(now, (ushort)rng.Next(65536), (ushort)rng.Next(65536));
                c.RequestKeyFrame(now);
                if (c is SimulcastConsumer sc) sc.SetAvailableBitrate(now, rng.Next(0, 3_000_000));
            }
        }
        Assert.True(single.PacketsReceived > 1000 && simulcast.PacketsReceived > 1000);
        Assert.True(sink.Packets > 1000, $"only {sink.Packets} forwarded");
        Assert.Contains(consumers, c => c.Stats.PacketsRetransmitted > 0);
    }
}
