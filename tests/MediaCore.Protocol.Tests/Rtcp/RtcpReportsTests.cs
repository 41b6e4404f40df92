using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Rtcp;

/// <summary>Regular compound reports (RFC 3550 §6.1, §6.4.2).</summary>
public class RtcpReportsTests
{
    [Fact]
    public void WriteCompound_Receiver40Blocks_RrRrSdes()
    {
        var blocks = Enumerable.Range(0, 40).Select(i => new ReportBlock((uint)i, 0, i, (uint)i, 0, 0, 0)).ToArray();
        int size = RtcpReports.GetCompoundSize(false, 40, "peer@mediacore");
        var buf = new byte[size];
        Assert.Equal(size, RtcpReports.WriteCompound(buf, 9, null, blocks, "peer@mediacore"));
        var reader = new RtcpCompoundReader(buf);
        var seen = new List<uint>();
        var types = new List<byte>();
        while (reader.TryReadNext(out var p))
        {
            types.Add(p.PacketType);
            if (ReceiverReport.TryParse(p.Raw, out var rr))
                foreach (var b in rr.ReportBlocks) seen.Add(b.Ssrc);
        }
        Assert.Equal(RtcpError.None, reader.Error);
        Assert.Equal([RtcpPacketType.ReceiverReport, RtcpPacketType.ReceiverReport, RtcpPacketType.SourceDescription], types);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (uint)i), seen);
    }

    [Fact]
    public void WriteCompound_Sender_SrThenSdes()
    {
        var info = new SenderInfo(1UL << 32, 1234, 10, 1000);
        int size = RtcpReports.GetCompoundSize(true, 1, "x");
        var buf = new byte[size];
        RtcpReports.WriteCompound(buf, 9, info, [new ReportBlock(5, 0, 0, 0, 0, 0, 0)], "x");
        var reader = new RtcpCompoundReader(buf);
        Assert.True(reader.TryReadNext(out var sr));
        Assert.True(SenderReport.TryParse(sr.Raw, out var parsed));
        Assert.Equal(1234u, parsed.RtpTimestamp);
        Assert.Equal(1, parsed.ReportBlocks.Count);
        Assert.True(reader.TryReadNext(out var sdes));
        Assert.Equal(RtcpPacketType.SourceDescription, sdes.PacketType);
        Assert.False(reader.TryReadNext(out _));
    }
}
