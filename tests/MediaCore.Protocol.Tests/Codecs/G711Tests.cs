using MediaCore.Protocol.Codecs;

namespace MediaCore.Protocol.Tests.Codecs;

/// <summary>ITU-T G.711 vectors: the end points of the μ-law and A-law tables and their silence codes.</summary>
public class G711Tests
{
    [Theory]
    [InlineData(0xFF, 0)]        // μ-law "positive zero"
    [InlineData(0x7F, 0)]        // μ-law "negative zero"
    [InlineData(0x80, 32124)]    // largest positive
    [InlineData(0x00, -32124)]   // largest negative
    [InlineData(0xFE, 8)]        // smallest step above zero: (1 << 3) + 0x84 - 0x84
    [InlineData(0xF0, 120)]      // top of segment 0: (15 << 3) + 0x84 - 0x84
    public void MuLawToLinear_TableEnds_MatchG711(byte code, short expected) => Assert.Equal(expected, G711.MuLawToLinear(code));

    [Theory]
    [InlineData(0xD5, 8)]        // A-law: smallest positive
    [InlineData(0x55, -8)]       // smallest negative
    [InlineData(0xAA, 32256)]    // largest positive
    [InlineData(0x2A, -32256)]   // largest negative
    public void ALawToLinear_TableEnds_MatchG711(byte code, short expected) => Assert.Equal(expected, G711.ALawToLinear(code));

    [Fact]
    public void Encode_Zero_IsTheSilenceCode()
    {
        Assert.Equal(0xFF, G711.LinearToMuLaw(0));
        Assert.Equal(0xD5, G711.LinearToALaw(0));
        Assert.Equal(G711.Silence(G711Law.MuLaw), G711.LinearToMuLaw(0));
        Assert.Equal(G711.Silence(G711Law.ALaw), G711.LinearToALaw(0));
    }

    [Fact]
    public void EncodeOfDecode_EveryCode_GivesTheCodeBack()
    {
        for (int c = 0; c < 256; c++)
        {
            // μ-law has two zeros (0x7F and 0xFF); encoding 0 gives 0xFF.
            byte mu = G711.LinearToMuLaw(G711.MuLawToLinear((byte)c));
            Assert.Equal(c == 0x7F ? 0xFF : c, mu);
            Assert.Equal(c, G711.LinearToALaw(G711.ALawToLinear((byte)c)));
        }
    }

    [Fact]
    public void Encode_FullScale_Saturates()
    {
        Assert.Equal(0x80, G711.LinearToMuLaw(short.MaxValue));
        Assert.Equal(0x00, G711.LinearToMuLaw(short.MinValue));
        Assert.Equal(0xAA, G711.LinearToALaw(short.MaxValue));
        Assert.Equal(0x2A, G711.LinearToALaw(short.MinValue));
    }
}
