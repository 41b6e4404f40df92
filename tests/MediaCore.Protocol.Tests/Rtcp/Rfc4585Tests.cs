using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Rtcp;

/// <summary>Generic NACK (RFC 4585 §6.2.1) and PLI (RFC 4585 §6.3.1) byte fixtures.</summary>
public class Rfc4585Tests
{
    // Lost: 100, 102, 116 (PID 100, BLP bits 1 and 15), then 1000.
    internal static readonly byte[] Nack =
    [
        0x81, 0xCD, 0x00, 0x04, // V=2, P=0, FMT=1 | PT=205 (RTPFB) | length=4 (20 bytes)
        0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
        0xAB, 0xCD, 0xEF, 0x01, // SSRC of media source
        0x00, 0x64, 0x80, 0x02, // FCI 1: PID 100 | BLP 0x8002: +2 (102) and +16 (116)
        0x03, 0xE8, 0x00, 0x00, // FCI 2: PID 1000 | BLP 0
    ];

    internal static readonly byte[] Pli =
    [
        0x81, 0xCE, 0x00, 0x02, // V=2, P=0, FMT=1 | PT=206 (PSFB) | length=2 (12 bytes)
        0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
        0xAB, 0xCD, 0xEF, 0x01, // SSRC of media source
    ];

    [Fact]
    public void GenericNack_Fixture_ExpandsToLostSequenceNumbers()
    {
        Assert.True(GenericNack.TryParse(Nack, out var nack));
        Assert.Equal(1u, nack.SenderSsrc);
        Assert.Equal(0xABCDEF01u, nack.MediaSsrc);
        Assert.Equal(2, nack.ItemCount);
        Assert.Equal(new NackItem(100, 0x8002), nack.GetItem(0));
        var lost = new List<ushort>();
        foreach (ushort seq in nack) lost.Add(seq);
        Assert.Equal([100, 102, 116, 1000], lost);
    }

    [Fact]
    public void GenericNackWriter_PackedItems_MatchFixture()
    {
        Span<NackItem> items = stackalloc NackItem[4];
        int n = NackItem.Pack([100, 102, 116, 1000], items);
        Assert.Equal(2, n);
        var w = new GenericNackWriter(1, 0xABCDEF01, items[..n]);
        var buf = new byte[w.GetSerializedSize()];
        w.WriteTo(buf);
        Assert.Equal(Nack, buf);
    }

    [Fact]
    public void NackItemPack_AcrossWrap_UsesOneItem()
    {
        Span<NackItem> items = stackalloc NackItem[4];
        int n = NackItem.Pack([65534, 65535, 0, 5], items);
        Assert.Equal(1, n);
        Assert.Equal(new NackItem(65534, 0b100_0011), items[0]); // +1 (65535), +2 (0), +7 (5)
    }

    [Fact]
    public void NackItemPack_SeventeenApart_StartsNewItem()
    {
        Span<NackItem> items = stackalloc NackItem[4];
        int n = NackItem.Pack([10, 26, 27], items);
        Assert.Equal(2, n);
        Assert.Equal(new NackItem(10, 0x8000), items[0]);
        Assert.Equal(new NackItem(27, 0), items[1]);
    }

    [Fact]
    public void Pli_Fixture_RoundTrips()
    {
        Assert.True(PictureLossIndication.TryParse(Pli, out var pli));
        Assert.Equal(new PictureLossIndication(1, 0xABCDEF01), pli);
        var buf = new byte[PictureLossIndication.Size];
        pli.WriteTo(buf);
        Assert.Equal(Pli, buf);
    }

    [Fact]
    public void Pli_IsNotNack_AndNackIsNotPli()
    {
        Assert.False(GenericNack.TryParse(Pli, out _));
        Assert.False(PictureLossIndication.TryParse(Nack, out _));
    }
}
