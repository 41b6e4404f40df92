using System.Text;
using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Rtcp;

/// <summary>RTCP SR, RR, SDES, BYE and compound packets (RFC 3550 §6.4-§6.6) as byte fixtures.</summary>
public class Rfc3550Tests
{
    // RFC 3550 §6.4.1: SR with one report block.
    internal static readonly byte[] SenderReportWithBlock =
    [
        0x81, 0xC8, 0x00, 0x0C, // V=2, P=0, RC=1 | PT=200 (SR) | length=12 words (52 bytes)
        0x11, 0x22, 0x33, 0x44, // SSRC of sender
        0xE9, 0x2F, 0x1A, 0x00, // NTP timestamp, seconds
        0x80, 0x00, 0x00, 0x00, // NTP timestamp, fraction (0.5 s)
        0x00, 0x01, 0x5F, 0x90, // RTP timestamp 90000
        0x00, 0x00, 0x03, 0xE8, // sender's packet count 1000
        0x00, 0x0F, 0x42, 0x40, // sender's octet count 1000000
        0x55, 0x66, 0x77, 0x88, // report block: SSRC_1
        0x19,                   //   fraction lost 25/256
        0xFF, 0xFF, 0xFE,       //   cumulative lost -2 (24-bit two's complement: duplicates)
        0x00, 0x01, 0x00, 0x05, //   extended highest seq: 1 cycle, seq 5
        0x00, 0x00, 0x00, 0x2A, //   interarrival jitter 42
        0x1A, 0x00, 0x80, 0x00, //   LSR: middle 32 bits of an NTP time
        0x00, 0x01, 0x80, 0x00, //   DLSR 1.5 s (1.5 x 65536)
    ];

    // RFC 3550 §6.4.2: RR with no report blocks (what a receive-only endpoint sends before any media).
    internal static readonly byte[] EmptyReceiverReport =
    [
        0x80, 0xC9, 0x00, 0x01, // V=2, P=0, RC=0 | PT=201 (RR) | length=1 (8 bytes)
        0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
    ];

    // RFC 3550 §6.5.1: SDES with one chunk carrying CNAME "abc".
    internal static readonly byte[] SdesCname =
    [
        0x81, 0xCA, 0x00, 0x03, // V=2, P=0, SC=1 | PT=202 (SDES) | length=3 (16 bytes)
        0x11, 0x22, 0x33, 0x44, // SSRC/CSRC_1
        0x01, 0x03,             // item CNAME=1, length 3
        0x61, 0x62, 0x63,       // "abc"
        0x00, 0x00, 0x00,       // end of list (null octet) plus padding to a 32-bit boundary
    ];

    // RFC 3550 §6.6: BYE for one source with reason "bye".
    internal static readonly byte[] ByeWithReason =
    [
        0x81, 0xCB, 0x00, 0x02, // V=2, P=0, SC=1 | PT=203 (BYE) | length=2 (12 bytes)
        0x11, 0x22, 0x33, 0x44, // SSRC
        0x03, 0x62, 0x79, 0x65, // reason length 3, "bye"
    ];

    [Fact]
    public void SenderReport_Fixture_ReadsEveryField()
    {
        Assert.True(SenderReport.TryParse(SenderReportWithBlock, out var sr));
        Assert.Equal(0x11223344u, sr.Ssrc);
        Assert.Equal(0xE92F1A0080000000UL, sr.NtpTimestamp);
        Assert.Equal(90000u, sr.RtpTimestamp);
        Assert.Equal(1000u, sr.PacketCount);
        Assert.Equal(1_000_000u, sr.OctetCount);
        Assert.Equal(1, sr.ReportBlocks.Count);
        Assert.Equal(new ReportBlock(0x55667788, 25, -2, 0x00010005, 42, 0x1A008000, 0x00018000), sr.ReportBlocks[0]);
    }

    [Fact]
    public void SenderReportWriter_Fixture_RoundTrips()
    {
        var block = new ReportBlock(0x55667788, 25, -2, 0x00010005, 42, 0x1A008000, 0x00018000);
        var writer = new SenderReportWriter(0x11223344, new SenderInfo(0xE92F1A0080000000UL, 90000, 1000, 1_000_000), [block]);
        var buf = new byte[writer.GetSerializedSize()];
        Assert.Equal(52, writer.WriteTo(buf));
        Assert.Equal(SenderReportWithBlock, buf);
    }

    [Fact]
    public void ReceiverReport_EmptyAndWithBlocks_RoundTrip()
    {
        Assert.True(ReceiverReport.TryParse(EmptyReceiverReport, out var rr));
        Assert.Equal(1u, rr.Ssrc);
        Assert.Equal(0, rr.ReportBlocks.Count);
        var empty = new byte[8];
        new ReceiverReportWriter(1).WriteTo(empty);
        Assert.Equal(EmptyReceiverReport, empty);

        ReportBlock[] blocks = [new(1, 2, 3, 4, 5, 6, 7), new(8, 9, -10, 11, 12, 13, 14)];
        var w = new ReceiverReportWriter(99, blocks);
        var buf = new byte[w.GetSerializedSize()];
        w.WriteTo(buf);
        Assert.Equal(new byte[] { 0x82, 0xC9, 0x00, 0x0D }, buf[..4]); // RC=2, 56 bytes = 13+1 words
        Assert.True(ReceiverReport.TryParse(buf, out var parsed));
        int i = 0;
        foreach (var b in parsed.ReportBlocks) Assert.Equal(blocks[i++], b);
        Assert.Equal(2, i);
    }

    [Fact]
    public void ReportBlock_CumulativeLostBeyond24Bits_IsClamped()
    {
        var buf = new byte[24];
        new ReportBlock(1, 0, 10_000_000, 0, 0, 0, 0).WriteTo(buf);
        Assert.Equal(ReportBlock.MaxCumulativeLost, ReportBlock.Read(buf).CumulativeLost);
        new ReportBlock(1, 0, -10_000_000, 0, 0, 0, 0).WriteTo(buf);
        Assert.Equal(ReportBlock.MinCumulativeLost, ReportBlock.Read(buf).CumulativeLost);
    }

    [Fact]
    public void Sdes_Fixture_ReadsCnameAndWriterMatches()
    {
        Assert.True(SdesPacket.TryParse(SdesCname, out var sdes));
        Assert.True(sdes.TryGetCname(out uint ssrc, out var cname));
        Assert.Equal(0x11223344u, ssrc);
        Assert.Equal("abc", Encoding.UTF8.GetString(cname));
        var w = new SdesWriter(0x11223344, "abc");
        var buf = new byte[w.GetSerializedSize()];
        w.WriteTo(buf);
        Assert.Equal(SdesCname, buf);
    }

    [Fact]
    public void SdesWriter_CnameFillingBoundary_AddsFullNullWord()
    {
        // 4 SSRC + 2 item header + 6 text = 12: the mandatory null octet needs 4 more bytes.
        var w = new SdesWriter(7, "abcdef");
        var buf = new byte[w.GetSerializedSize()];
        w.WriteTo(buf);
        Assert.Equal(20, buf.Length);
        Assert.Equal(new byte[4], buf[16..]);
        Assert.True(SdesPacket.TryParse(buf, out var sdes));
        Assert.True(sdes.TryGetCname(out _, out var cname));
        Assert.Equal("abcdef", Encoding.UTF8.GetString(cname));
    }

    [Fact]
    public void Sdes_TwoChunks_EnumeratesBoth()
    {
        byte[] packet =
        [
            0x82, 0xCA, 0x00, 0x05, // V=2, SC=2 | PT=202 | length=5 (24 bytes)
            0x00, 0x00, 0x00, 0x01, // chunk 1: SSRC 1
            0x06, 0x02, 0x78, 0x79, //   TOOL=6, length 2, "xy"
            0x00, 0x00, 0x00, 0x00, //   end of list, padding
            0x00, 0x00, 0x00, 0x02, // chunk 2: SSRC 2
            0x01, 0x01, 0x7A, 0x00, //   CNAME=1, length 1, "z", end of list
        ];
        Assert.True(SdesPacket.TryParse(packet, out var sdes));
        var ssrcs = new List<uint>();
        foreach (var chunk in sdes) ssrcs.Add(chunk.Ssrc);
        Assert.Equal([1u, 2u], ssrcs);
        Assert.True(sdes.TryGetCname(out uint ssrc, out var cname));
        Assert.Equal(2u, ssrc);
        Assert.Equal("z", Encoding.UTF8.GetString(cname));
    }

    [Fact]
    public void Bye_Fixture_ReadsAndWriterMatches()
    {
        Assert.True(ByePacket.TryParse(ByeWithReason, out var bye));
        Assert.Equal(1, bye.SsrcCount);
        Assert.Equal(0x11223344u, bye.GetSsrc(0));
        Assert.Equal("bye", Encoding.UTF8.GetString(bye.Reason));
        var w = new ByeWriter([0x11223344u], "bye");
        var buf = new byte[w.GetSerializedSize()];
        w.WriteTo(buf);
        Assert.Equal(ByeWithReason, buf);
    }

    [Fact]
    public void CompoundReader_SrSdesBye_YieldsEachPacket()
    {
        byte[] compound = [.. SenderReportWithBlock, .. SdesCname, .. ByeWithReason];
        var reader = new RtcpCompoundReader(compound);
        var types = new List<byte>();
        while (reader.TryReadNext(out var p))
        {
            types.Add(p.PacketType);
            Assert.Equal(p.Header.PacketSize, p.Raw.Length);
        }
        Assert.Equal(RtcpError.None, reader.Error);
        Assert.Equal([RtcpPacketType.SenderReport, RtcpPacketType.SourceDescription, RtcpPacketType.Goodbye], types);
    }

    [Fact]
    public void CompoundReader_LengthBeyondDatagram_StopsWithBadLength()
    {
        byte[] compound = [.. EmptyReceiverReport, .. SdesCname[..12]];
        var reader = new RtcpCompoundReader(compound);
        Assert.True(reader.TryReadNext(out _));
        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(RtcpError.BadLength, reader.Error);
    }

    [Fact]
    public void CompoundReader_Version1_StopsWithBadVersion()
    {
        byte[] bad = (byte[])EmptyReceiverReport.Clone();
        bad[0] = 0x40;
        Assert.False(RtcpCompoundReader.Validate(bad, out var error));
        Assert.Equal(RtcpError.BadVersion, error);
    }

    [Fact]
    public void CompoundReader_Padding_IsStrippedFromBody()
    {
        byte[] padded =
        [
            0xA0, 0xC9, 0x00, 0x02, // V=2, P=1, RC=0 | PT=201 | length=2 (12 bytes)
            0x00, 0x00, 0x00, 0x01, // SSRC
            0x00, 0x00, 0x00, 0x04, // 4 bytes of padding, the last one counting them
        ];
        var reader = new RtcpCompoundReader(padded);
        Assert.True(reader.TryReadNext(out var p));
        Assert.Equal(4, p.Body.Length);
        Assert.True(ReceiverReport.TryParse(padded, out var rr));
        Assert.Equal(1u, rr.Ssrc);

        padded[^1] = 9; // more padding than body
        Assert.False(RtcpCompoundReader.Validate(padded, out var error));
        Assert.Equal(RtcpError.BadPadding, error);
    }

    [Fact]
    public void TypedReaders_WrongType_ReturnFalse()
    {
        Assert.False(SenderReport.TryParse(EmptyReceiverReport, out _));
        Assert.False(ReceiverReport.TryParse(SdesCname, out _));
        Assert.False(ByePacket.TryParse(SdesCname, out _));
        Assert.False(SdesPacket.TryParse(ByeWithReason, out _));
    }

    [Fact]
    public void SenderReport_ReportCountBeyondLength_Rejects()
    {
        byte[] bad = (byte[])SenderReportWithBlock.Clone();
        bad[0] = 0x82; // RC=2 but only one block present
        Assert.False(SenderReport.TryParse(bad, out _));
    }
}
