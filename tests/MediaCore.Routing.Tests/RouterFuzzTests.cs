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
        public ushort LastMediaSeq;
        public void SendRtp(Span<byte> buffer, int length)
        {
            if ((buffer[1] & 0x7F) == 100) LastMediaSeq = (ushort)(buffer[2] << 8 | buffer[3]);
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
        var sinks = new List<NullSink>();
        var consumers = new List<Consumer>();
        for (int i = 0; i < 4; i++)
        {
            var o = new ConsumerOptions
            {
                Id = "c" + i, Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000, Ssrc = new Ssrc((uint)(100 + i)),
                PayloadType = new PayloadType(100), RtxSsrc = new Ssrc((uint)(200 + i)), RtxPayloadType = new PayloadType(101),
                Extensions = subExt, Mid = "v" + i,
            };
            var sink = new NullSink();
            sinks.Add(sink);
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
                int k = rng.Next(consumers.Count);
                var c = consumers[k];
                ushort pid = rng.Next(4) == 0 ? (ushort)rng.Next(65536) : (ushort)(sinks[k].LastMediaSeq - rng.Next(0, 64));
                c.OnNack(now, pid, (ushort)rng.Next(65536));
                c.RequestKeyFrame(now);
                if (c is SimulcastConsumer sc) sc.SetAvailableBitrate(now, rng.Next(0, 3_000_000));
            }
        }
        Assert.True(single.PacketsReceived > 1000 && simulcast.PacketsReceived > 1000);
        long forwarded = sinks.Sum(s => s.Packets);
        Assert.True(forwarded > 1000, $"only {forwarded} forwarded");
        Assert.Contains(consumers, c => c.Stats.PacketsRetransmitted > 0);
    }
}
