namespace MediaCore.Protocol.Codecs;

/// <summary>The two G.711 companding laws (ITU-T G.711; RTP payload types 0 and 8, RFC 3551 §4.5.14).</summary>
public enum G711Law
{
    /// <summary>μ-law, PCMU, static payload type 0.</summary>
    MuLaw,
    /// <summary>A-law, PCMA, static payload type 8.</summary>
    ALaw,
}

/// <summary>
/// G.711 companding between 16-bit linear PCM and 8-bit codes, the segment/quantisation algorithm of ITU-T G.711
/// (as in the ITU's and Sun's reference implementations). Decoding is a 256-entry table; encoding is a few shifts.
/// </summary>
public static class G711
{
    private const int MuBias = 0x84;
    private const int MuClip = 8159;
    private static readonly short[] MuTable = BuildTable(MuLawToLinearSlow);
    private static readonly short[] ATable = BuildTable(ALawToLinearSlow);

    public static short MuLawToLinear(byte code) => MuTable[code];

    public static short ALawToLinear(byte code) => ATable[code];

    /// <summary>μ-law encode of a 16-bit sample (14-bit magnitude used, as G.711 specifies).</summary>
    public static byte LinearToMuLaw(short sample)
    {
        int pcm = sample >> 2;
        int mask;
        if (pcm < 0)
        {
            pcm = -pcm;
            mask = 0x7F;
        }
        else
        {
            mask = 0xFF;
        }
        if (pcm > MuClip) pcm = MuClip;
        pcm += MuBias >> 2;
        int seg = Segment(pcm, 0x3F);
        if (seg >= 8) return (byte)(0x7F ^ mask);
        return (byte)(((seg << 4) | ((pcm >> (seg + 1)) & 0xF)) ^ mask);
    }

    /// <summary>A-law encode of a 16-bit sample (13-bit magnitude used; even bits inverted, G.711 §A).</summary>
    public static byte LinearToALaw(short sample)
    {
        int pcm = sample >> 3;
        int mask;
        if (pcm >= 0)
        {
            mask = 0xD5;
        }
        else
        {
            mask = 0x55;
            pcm = -pcm - 1;
        }
        int seg = Segment(pcm, 0x1F);
        if (seg >= 8) return (byte)(0x7F ^ mask);
        int code = seg << 4;
        code |= seg < 2 ? (pcm >> 1) & 0xF : (pcm >> seg) & 0xF;
        return (byte)(code ^ mask);
    }

    public static void Encode(G711Law law, ReadOnlySpan<short> pcm, Span<byte> codes)
    {
        if (law == G711Law.MuLaw)
            for (int i = 0; i < pcm.Length; i++) codes[i] = LinearToMuLaw(pcm[i]);
        else
            for (int i = 0; i < pcm.Length; i++) codes[i] = LinearToALaw(pcm[i]);
    }

    public static void Decode(G711Law law, ReadOnlySpan<byte> codes, Span<short> pcm)
    {
        var table = law == G711Law.MuLaw ? MuTable : ATable;
        for (int i = 0; i < codes.Length; i++) pcm[i] = table[codes[i]];
    }

    /// <summary>The code of digital silence (linear 0): 0xFF in μ-law, 0xD5 in A-law.</summary>
    public static byte Silence(G711Law law) => law == G711Law.MuLaw ? (byte)0xFF : (byte)0xD5;

    // Segment = number of the first segment end (first, first*2+1, ...) at or above the value; 8 = beyond.
    private static int Segment(int value, int firstEnd)
    {
        int end = firstEnd;
        for (int seg = 0; seg < 8; seg++)
        {
            if (value <= end) return seg;
            end = (end << 1) | 1;
        }
        return 8;
    }

    private static short MuLawToLinearSlow(byte code)
    {
        int u = ~code & 0xFF;
        int t = ((u & 0x0F) << 3) + MuBias;
        t <<= (u & 0x70) >> 4;
        return (short)((u & 0x80) != 0 ? MuBias - t : t - MuBias);
    }

    private static short ALawToLinearSlow(byte code)
    {
        int a = code ^ 0x55;
        int t = (a & 0x0F) << 4;
        int seg = (a & 0x70) >> 4;
        t = seg switch
        {
            0 => t + 8,
            1 => t + 0x108,
            _ => (t + 0x108) << (seg - 1),
        };
        return (short)((a & 0x80) != 0 ? t : -t);
    }

    private static short[] BuildTable(Func<byte, short> decode)
    {
        var table = new short[256];
        for (int i = 0; i < 256; i++) table[i] = decode((byte)i);
        return table;
    }
}
