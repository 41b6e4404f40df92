using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Rtcp;

/// <summary>REMB (draft-alvestrand-rmcat-remb-03 §2.2) byte fixtures.</summary>
public class RembTests
{
    // 1 Mbps = 244140 (0x3B9AC) x 2^2 + 4 -> written as mantissa 250000 (0x3D090) x 2^2 exactly.
    internal static readonly byte[] Remb1Mbps =
    [
        0x8F, 0xCE, 0x00, 0x05, // V=2, P=0, FMT=15 | PT=206 (PSFB) | length=5 (24 bytes)
        0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
        0x00, 0x00, 0x00, 0x00, // SSRC of media source (0)
        0x52, 0x45, 0x4D, 0x42, // 'R' 'E' 'M' 'B'
        0x01,                   // Num SSRC = 1
        0x0B,                   // BR Exp = 2 (000010), then the mantissa's top 2 bits (11)
        0xD0, 0x90,             // mantissa low 16 bits: 0x3D090 = 250000; 250000 << 2 = 1,000,000
        0xAB, 0xCD, 0xEF, 0x01, // SSRC feedback
    ];

    [Fact]
    public void Remb_Fixture_ReadsBitrateAndSsrcs()
    {
        Assert.True(Remb.TryParse(Remb1Mbps, out var remb));
        Assert.Equal(1u, remb.SenderSsrc);
        Assert.Equal(1_000_000UL, remb.Bitrate);
        Assert.Equal(1, remb.SsrcCount);
        Assert.Equal(0xABCDEF01u, remb.GetSsrc(0));
    }

    [Fact]
    public void RembWriter_1Mbps_MatchesFixture()
    {
        var w = new RembWriter(1, 1_000_000, [0xABCDEF01u]);
        var buf = new byte[w.GetSerializedSize()];
        w.WriteTo(buf);
        Assert.Equal(Remb1Mbps, buf);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(262_143UL)]         // largest exact mantissa
    [InlineData(30_000_000UL)]
    [InlineData(123_456_789_012UL)]
    public void RembWriter_RoundTrip_RoundsDownWithin18BitPrecision(ulong bitrate)
    {
        var w = new RembWriter(1, bitrate, []);
        var buf = new byte[w.GetSerializedSize()];
        w.WriteTo(buf);
        Assert.True(Remb.TryParse(buf, out var remb));
        Assert.True(remb.Bitrate <= bitrate);
        Assert.True(bitrate - remb.Bitrate <= bitrate >> 17);
    }

    [Fact]
    public void Remb_BadIdentifierOrOverflowingExponent_Rejects()
    {
        var bad = (byte[])Remb1Mbps.Clone();
        bad[12] = (byte)'X';
        Assert.False(Remb.TryParse(bad, out _));
        var huge = (byte[])Remb1Mbps.Clone();
        huge[17] = 0xFF; // exp 63 with a non-zero mantissa overflows 64 bits
        Assert.False(Remb.TryParse(huge, out _));
        var shortList = (byte[])Remb1Mbps.Clone();
        shortList[16] = 2; // claims two SSRCs, carries one
        Assert.False(Remb.TryParse(shortList, out _));
    }
}
