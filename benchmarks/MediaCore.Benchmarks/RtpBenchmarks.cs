using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Benchmarks;

/// <summary>RTP reader hot path: parse a Chromium-like 1200 B VP8 packet and read its extensions.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class RtpBenchmarks
{
    private byte[] _packet = [];
    private byte[] _rtx = new byte[1600];
    private byte[] _scratch = new byte[1600];

    [GlobalSetup]
    public void Setup()
    {
        var w = new RtpPacketWriter
        {
            PayloadType = new PayloadType(96), SequenceNumber = 1000, Timestamp = new RtpTimestamp(90000),
            Ssrc = new Ssrc(0x12345678), Marker = true,
        };
        w.SetExtension(2, [0x12, 0x34, 0x56]);      // abs-send-time
        w.SetExtension(3, [0x00, 0x10]);            // transport-wide-cc
        w.SetExtension(4, "0"u8);                   // mid
        w.SetExtension(10, "f"u8);                  // rid
        var payload = new byte[1200 - 12 - 20];
        payload[0] = 0x90; payload[1] = 0xC0; payload[2] = 0x81; payload[3] = 0x23; payload[4] = 5; payload[5] = 0x11;
        w.Payload = payload;
        _packet = new byte[w.GetSerializedSize()];
        w.WriteTo(_packet);
    }

    [Benchmark(Baseline = true)]
    public int TryParse()
    {
        RtpPacket.TryParse(_packet, out var p);
        return p.SequenceNumber + p.Payload.Length;
    }

    [Benchmark]
    public int TryParseAndGetExtension()
    {
        RtpPacket.TryParse(_packet, out var p);
        p.TryGetExtension(3, out var tw);
        return tw.Length;
    }

    [Benchmark]
    public bool Vp8KeyFrameDetect()
    {
        RtpPacket.TryParse(_packet, out var p);
        return KeyFrameDetector.IsKeyFrame(CodecKind.Vp8, p.Payload);
    }

    [Benchmark]
    public int RtxWrapUnwrap()
    {
        int n = RtxPacket.Wrap(_packet, _rtx, new PayloadType(97), new Ssrc(2), 1);
        RtxPacket.TryUnwrap(_rtx.AsSpan(0, n), _scratch, new PayloadType(96), new Ssrc(0x12345678), out int len);
        return len;
    }
}
