using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Feedback;
using MediaCore.Protocol.Rtcp;

namespace MediaCore.Benchmarks;

/// <summary>RTCP hot paths: parsing a typical compound from a browser and building transport-cc feedback.</summary>
[MemoryDiagnoser]
public class RtcpBenchmarks
{
    private byte[] _compound = [];
    private readonly byte[] _out = new byte[1500];
    private TwccFeedbackBuilder _twcc = null!;
    private NackGenerator _nack = null!;
    private long _now;
    private ushort _seq;

    [GlobalSetup]
    public void Setup()
    {
        // RR with one block + REMB + Generic NACK, as Chromium sends them.
        var buf = new byte[256];
        int n = new ReceiverReportWriter(1, [new ReportBlock(0xABCDEF01, 3, 12, 0x0001_2345, 180, 0x1A008000, 0x8000)]).WriteTo(buf);
        n += new RembWriter(1, 2_500_000, [0xABCDEF01u, 0x12345678u]).WriteTo(buf.AsSpan(n));
        n += new GenericNackWriter(1, 0xABCDEF01, [new NackItem(100, 0x8002), new NackItem(1000, 0x00FF)]).WriteTo(buf.AsSpan(n));
        _compound = buf[..n];
        _twcc = new TwccFeedbackBuilder(1, new TwccFeedbackOptions { MaxPendingPackets = 1000 });
        _nack = new NackGenerator(1, 0xABCDEF01);
        _now = MediaTime.FromSeconds(1);
    }

    [Benchmark]
    public int ParseCompoundRrRembNack()
    {
        int sum = 0;
        var reader = new RtcpCompoundReader(_compound);
        while (reader.TryReadNext(out var p))
        {
            switch (p.PacketType)
            {
                case RtcpPacketType.ReceiverReport when ReceiverReport.TryParse(p.Raw, out var rr):
                    foreach (var block in rr.ReportBlocks) sum += (int)block.Jitter;
                    break;
                case RtcpPacketType.PayloadFeedback when Remb.TryParse(p.Raw, out var remb):
                    sum += (int)(remb.Bitrate >> 10) + remb.SsrcCount;
                    break;
                case RtcpPacketType.TransportFeedback when GenericNack.TryParse(p.Raw, out var nack):
                    foreach (ushort seq in nack) sum += seq;
                    break;
            }
        }
        return sum;
    }

    /// <summary>100 packets recorded (one lost in ten, 1 ms apart), then one feedback packet written.</summary>
    [Benchmark]
    public int BuildTwccFeedback100Packets()
    {
        for (int i = 0; i < 100; i++)
        {
            _seq++;
            _now += 10_000;
            if (_seq % 10 != 0) _twcc.OnPacket(_now, _seq, 0xABCDEF01);
        }
        _now += MediaTime.FromMilliseconds(100);
        _twcc.HandleTimeout(_now);
        int total = 0;
        while (_twcc.TryPollFeedback(_out, out int n)) total += n;
        return total;
    }

    /// <summary>A gap of 5 packets detected, requested in one NACK, then repaired by retransmission.</summary>
    [Benchmark]
    public int NackGapPollAndRepair()
    {
        _now += 10_000;
        _nack.OnPacket(_now, _seq++);
        ushort firstLost = _seq;
        _seq += 5;
        _nack.OnPacket(_now, _seq++);
        _nack.HandleTimeout(_now);
        int total = 0;
        while (_nack.TryPollNack(_out, out int n)) total += n;
        for (int i = 0; i < 5; i++) _nack.OnPacket(_now, (ushort)(firstLost + i));
        return total;
    }
}
