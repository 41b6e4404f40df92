using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using MediaCore.Protocol.Srtp;
using MediaCore.Routing;

namespace MediaCore.Benchmarks;

/// <summary>
/// The whole forward path minus the kernel: one 1200 B VP8 packet in, rewritten for each of 100 consumers
/// and SRTP-protected in place with each subscriber's own context, as <c>SubscriberSession</c> does before
/// <c>sendto</c>. Per-packet cost = Mean / Consumers.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ForwardSrtpBenchmarks
{
    private sealed class SrtpSink(SrtpContext context) : IRtpSink
    {
        public long Bytes;

        public void SendRtp(Span<byte> buffer, int length)
        {
            if (context.TryProtectRtpInPlace(buffer, length, out int n)) Bytes += n;
        }
    }

    [Params(SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1_80)]
    public SrtpProfile Profile;

    [Params(100)]
    public int Consumers;

    private Router _router = null!;
    private Producer _producer = null!;
    private byte[] _packet = [];
    private ushort _seq = 1000;
    private uint _ts = 90000;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        _router = new Router();
        var pubExt = new RtpExtensionMap().Add(2, RtpExtensionUris.AbsSendTime).Add(3, RtpExtensionUris.TransportWideCc).Add(4, RtpExtensionUris.Mid);
        _producer = _router.CreateProducer(0, new ProducerOptions
        {
            Id = "p", Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
            PayloadType = new PayloadType(96), Extensions = pubExt,
            Encodings = [new ProducerEncodingOptions { Ssrc = 0x12345678 }],
        });
        var subExt = new RtpExtensionMap().Add(3, RtpExtensionUris.AbsSendTime).Add(1, RtpExtensionUris.Mid);
        var key = new byte[SrtpProfileInfo.MasterKeyLength(Profile)];
        var salt = new byte[SrtpProfileInfo.MasterSaltLength(Profile)];
        for (int i = 0; i < Consumers; i++)
        {
            key[0] = (byte)i;
            _router.CreateConsumer(0, new ConsumerOptions
            {
                Id = "c" + i, Kind = MediaKind.Video, Codec = CodecKind.Vp8, ClockRate = 90000,
                Ssrc = new Ssrc((uint)(1000 + i)), PayloadType = new PayloadType(100), Extensions = subExt, Mid = "1",
            }, new SrtpSink(new SrtpContext(Profile, key, salt)), _producer);
        }
        var w = new RtpPacketWriter { PayloadType = new PayloadType(96), Ssrc = new Ssrc(0x12345678), Marker = true };
        w.SetExtension(2, [0x12, 0x34, 0x56]);
        w.SetExtension(3, [0x00, 0x10]);
        w.SetExtension(4, "0"u8);
        var payload = new byte[1200 - 12 - 12];
        payload[0] = 0x90; payload[1] = 0xC0; payload[2] = 0x81; payload[3] = 0x23; payload[4] = 5;
        payload[5] = 0x10; // the first packet is a key frame, the rest delta frames
        w.Payload = payload;
        w.SequenceNumber = _seq;
        w.Timestamp = new RtpTimestamp(_ts);
        _packet = new byte[w.GetSerializedSize()];
        w.WriteTo(_packet);
        _router.OnRtp(_now, _producer, _packet);
        _packet[w.GetSerializedSize() - payload.Length + 5] = 0x11;
        for (int i = 0; i < 3000; i++) Forward();
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
}
