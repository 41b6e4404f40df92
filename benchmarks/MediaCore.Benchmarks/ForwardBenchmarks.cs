using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;

namespace MediaCore.Benchmarks;

/// <summary>
/// SFU fan-out: one 1200 B VP8 packet in, rewritten for each of N consumers (own SSRC/PT/seq/ts/picture id,
/// re-mapped header extensions) and handed to a sink that copies it (SRTP comes later in the host).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ForwardBenchmarks
{
    private sealed class CopySink : IRtpSink
    {
        public readonly byte[] Out = new byte[1600];
        public ushort LastMediaSeq;

        public void SendRtp(Span<byte> buffer, int length)
        {
            buffer[..length].CopyTo(Out);
            if ((buffer[1] & 0x7F) == 100) LastMediaSeq = (ushort)(buffer[2] << 8 | buffer[3]);
        }
    }

    [Params(1, 100)]
    public int Consumers;

    private Router _router = null!;
    private Producer _producer = null!;
    private Consumer _first = null!;
    private CopySink _firstSink = null!;
    private byte[] _packet = [];
    private ushort _seq = 1000;
    private uint _ts = 90000;
    private long _now;
    private ushort[] _nack = new ushort[1];

    [GlobalSetup]
    public void Setup()
    {
        _router = new Router();
        var pubExt = new RtpExtensionMap().Add(2, RtpExtensionUris.AbsSendTime).Add(3, RtpExtensionUris.TransportWideCc)
            .Add(4, RtpExtensionUris.Mid).Add(13, RtpExtensionUris.VideoOrientation);
        _producer = _router.CreateProducer(0, new ProducerOptions
        {
            Id = "p", Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
            PayloadType = new PayloadType(96), Extensions = pubExt,
            Encodings = [new ProducerEncodingOptions { Ssrc = 0x12345678 }],
        });
        var subExt = new RtpExtensionMap().Add(3, RtpExtensionUris.AbsSendTime).Add(5, RtpExtensionUris.TransportWideCc)
            .Add(1, RtpExtensionUris.Mid).Add(7, RtpExtensionUris.VideoOrientation);
        for (int i = 0; i < Consumers; i++)
        {
            var sink = new CopySink();
            var c = _router.CreateConsumer(0, new ConsumerOptions
            {
                Id = "c" + i, Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
                Ssrc = new Ssrc((uint)(1000 + i)), PayloadType = new PayloadType(100),
                RtxSsrc = new Ssrc((uint)(5000 + i)), RtxPayloadType = new PayloadType(101),
                Extensions = subExt, Mid = "1",
            }, sink, _producer);
            if (i == 0) (_first, _firstSink) = (c, sink);
        }
        var w = new RtpPacketWriter { PayloadType = new PayloadType(96), Ssrc = new Ssrc(0x12345678), Marker = true };
        w.SetExtension(2, [0x12, 0x34, 0x56]);
        w.SetExtension(3, [0x00, 0x10]);
        w.SetExtension(4, "0"u8);
        w.SetExtension(13, [0x01]);
        var payload = new byte[1200 - 12 - 16];
        payload[0] = 0x90; payload[1] = 0xC0; payload[2] = 0x81; payload[3] = 0x23; payload[4] = 5;
        payload[5] = 0x10; // key frame for the first packet
        w.Payload = payload;
        w.SequenceNumber = _seq;
        w.Timestamp = new RtpTimestamp(_ts);
        _packet = new byte[w.GetSerializedSize()];
        w.WriteTo(_packet);
        _router.OnRtp(_now, _producer, _packet);
        _packet[w.GetSerializedSize() - payload.Length + 5] = 0x11; // then delta frames
        // Warm the packet cache ring so steady state reuses buffers.
        for (int i = 0; i < 3000; i++) Forward();
        if (_first.Stats.PacketsSent < 3000) throw new InvalidOperationException("setup did not start forwarding");
    }

    [Benchmark]
    public bool Forward()
    {
        _seq++;
        _ts += 3000;
        _now += TimeSpan.TicksPerMillisecond;
        RtpHeaderEditor.SetSequenceNumber(_packet, _seq);
        RtpHeaderEditor.SetTimestamp(_packet, new RtpTimestamp(_ts));
        return _router.OnRtp(_now, _producer, _packet);
    }

    [Benchmark]
    public long NackResendAsRtx()
    {
        // A packet sent 100 ms ago, resent as RTX to one subscriber.
        _nack[0] = (ushort)(_firstSink.LastMediaSeq - 100);
        _first.OnNack(_now, _nack);
        return _first.Stats.PacketsRetransmitted;
    }
}
