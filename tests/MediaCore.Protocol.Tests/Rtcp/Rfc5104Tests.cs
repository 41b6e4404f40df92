using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Rtcp;

/// <summary>Full Intra Request (RFC 5104 §4.3.1) byte fixtures.</summary>
public class Rfc5104Tests
{
    internal static readonly byte[] Fir =
    [
        0x84, 0xCE, 0x00, 0x04, // V=2, P=0, FMT=4 | PT=206 (PSFB) | length=4 (20 bytes)
        0x00, 0x00, 0x00, 0x01, // SSRC of packet sender
        0x00, 0x00, 0x00, 0x00, // SSRC of media source: unused, 0 (§4.3.1.2)
        0xAB, 0xCD, 0xEF, 0x01, // FCI: SSRC of the encoder to refresh
        0x07, 0x00, 0x00, 0x00, // FCI: command sequence number 7 | reserved
    ];

    [Fact]
    public void Fir_Fixture_ReadsEntryAndWriterMatches()
    {
        Assert.True(FullIntraRequest.TryParse(Fir, out var fir));
        Assert.Equal(1u, fir.SenderSsrc);
        Assert.Equal(0u, fir.MediaSsrc);
        Assert.Equal(1, fir.EntryCount);
        Assert.Equal(new FirEntry(0xABCDEF01, 7), fir.GetEntry(0));
        var w = new FullIntraRequestWriter(1, [new FirEntry(0xABCDEF01, 7)]);
        var buf = new byte[w.GetSerializedSize()];
        w.WriteTo(buf);
        Assert.Equal(Fir, buf);
    }

    [Fact]
    public void Fir_WithoutFci_Rejects()
    {
        Assert.False(FullIntraRequest.TryParse(Rfc4585Tests.Pli.Select((b, i) => i == 0 ? (byte)0x84 : b).ToArray(), out _));
    }
}
