using MediaCore.Protocol.Codecs;
using MediaCore.Routing.Audio;

namespace MediaCore.Routing.Tests.Audio;

/// <summary>The G.711 path of the mixer: 8 kHz codes up to 48 kHz and the 48 kHz mix down to 8 kHz keep a tone's pitch.</summary>
public class G711MixPathTests
{
    [Theory]
    [InlineData(G711Law.ALaw)]
    [InlineData(G711Law.MuLaw)]
    public void DecodeThenEncode_1kHzTone_KeepsTheToneAndNoImage(G711Law law)
    {
        var decoder = new G711FrameDecoder(law);
        var encoder = new G711FrameEncoder(law);
        var pcm48 = new float[960];
        var codes = new byte[160];
        var back = new short[160];
        double tone = 0, image = 0, tone48 = 0, image48 = 0;
        for (int frame = 0; frame < 10; frame++)
        {
            var packet = new byte[160];
            for (int i = 0; i < 160; i++)
            {
                double t = (frame * 160 + i) / 8000.0;
                short s = (short)(8000 * Math.Sin(2 * Math.PI * 1000 * t));
                packet[i] = law == G711Law.ALaw ? G711.LinearToALaw(s) : G711.LinearToMuLaw(s);
            }
            Assert.Equal(960, decoder.Decode(packet, pcm48, fec: false));
            Assert.Equal(160, encoder.Encode(pcm48, codes));
            if (frame < 3) continue; // filters settle
            tone48 += Goertzel(pcm48, 48000, 1000);
            image48 += Goertzel(pcm48, 48000, 7000); // 8 kHz - 1 kHz: what zero-stuffing without a filter leaves
            G711.Decode(law, codes, back);
            var f = back.Select(x => x / 32768f).ToArray();
            tone += Goertzel(f, 8000, 1000);
            image += Goertzel(f, 8000, 3000);
        }
        Assert.True(tone48 > 100 * image48, $"48 kHz: 1 kHz {tone48} vs 7 kHz image {image48}");
        Assert.True(tone > 100 * image, $"8 kHz: 1 kHz {tone} vs 3 kHz {image}");
    }

    private static double Goertzel(ReadOnlySpan<float> x, int rate, double f)
    {
        double w = 2 * Math.PI * f / rate, c = 2 * Math.Cos(w), s1 = 0, s2 = 0;
        foreach (var v in x)
        {
            double s0 = v + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        return s1 * s1 + s2 * s2 - c * s1 * s2;
    }
}
