using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Rtcp;

/// <summary>The relay links' layer demand (RTCP APP, RFC 3550 §6.7, name "MCLD").</summary>
public class LayerDemandTests
{
    internal static byte[] TwoTracks()
    {
        LayerDemandItem[] items = [new(0x11223344, 2_500_000, null), new(0xAABBCCDD, 0, 1)];
        var w = new LayerDemandWriter(0x01020304, items);
        var bytes = new byte[w.GetSerializedSize()];
        w.WriteTo(bytes);
        return bytes;
    }

    [Fact]
    public void WriteThenParse_RoundTripsEveryItem_HeaderIsRfc3550App()
    {
        var bytes = TwoTracks();
        // V=2, subtype 0, PT 204, length 8 words (36 bytes), name "MCLD".
        Assert.Equal(new byte[] { 0x80, 204, 0, 8 }, bytes[..4]);
        Assert.Equal("MCLD"u8.ToArray(), bytes[8..12]);
        Assert.Equal(36, bytes.Length);
        Assert.True(LayerDemandPacket.TryParse(bytes, out var p));
        Assert.Equal(0x01020304u, p.SenderSsrc);
        Assert.Equal(2, p.Count);
        Assert.Equal(new LayerDemandItem(0x11223344, 2_500_000, null), p.GetItem(0));
        Assert.Equal(new LayerDemandItem(0xAABBCCDD, 0, 1), p.GetItem(1));
    }

    [Fact]
    public void TryParse_OtherAppNameOrRaggedBody_Rejected()
    {
        var bytes = TwoTracks();
        bytes[11] = (byte)'X';
        Assert.False(LayerDemandPacket.TryParse(bytes, out _));
        var ragged = TwoTracks();
        ragged[3] = 7; // 32 bytes: a partial item
        Assert.False(LayerDemandPacket.TryParse(ragged.AsSpan(0, 32), out _));
        Assert.False(LayerDemandPacket.TryParse(Rfc4585Tests.Pli, out _));
    }
}
