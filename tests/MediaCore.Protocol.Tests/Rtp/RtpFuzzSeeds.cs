using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Protocol.Tests.Rtp;

/// <summary>Seed packets and a seeded mutator shared by the RTP and router fuzz tests.</summary>
internal static class RtpFuzzSeeds
{
    public static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]>();
        var w = new RtpPacketWriter { PayloadType = new PayloadType(96), Ssrc = new Ssrc(1), SequenceNumber = 1 };
        byte[][] payloads =
        [
            [0x90, 0xE0, 0x81, 0x23, 0x05, 0x40, 0x30, 0x51, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xb4, 0x00], // VP8 key
            [0x78, 0x00, 0x03, 0x67, 0x42, 0xc0, 0x00, 0x02, 0x68, 0xce],                                       // STAP-A
            [0x7c, 0x85, 0x88, 0x84, 0x00],                                                                     // FU-A IDR
            [0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00],   // SPS
            [0xA8, 0x81, 0x02, 0x00, 0x11],                                                                     // VP9
        ];
        foreach (var payload in payloads)
        {
            w.Payload = payload;
            w.ClearExtensions();
            seeds.Add(Write(w));
            w.SetExtension(1, [0x85]);
            w.SetExtension(3, [0, 1, 2]);
            w.SetExtension(4, "f"u8.ToArray());
            seeds.Add(Write(w));
            w.SetExtension(17, [1, 2]);
            w.PaddingLength = 3;
            seeds.Add(Write(w));
            w.PaddingLength = 0;
        }
        return seeds;
    }

    private static byte[] Write(RtpPacketWriter w)
    {
        var b = new byte[w.GetSerializedSize()];
        w.WriteTo(b);
        return b;
    }

    public static byte[] Mutate(Random rng, List<byte[]> seeds)
    {
        if (rng.Next(10) == 0)
        {
            var r = new byte[rng.Next(0, 64)];
            rng.NextBytes(r);
            if (r.Length > 0 && rng.Next(2) == 0) r[0] = (byte)(0x80 | (r[0] & 0x3F));
            return r;
        }
        var data = (byte[])seeds[rng.Next(seeds.Count)].Clone();
        int edits = rng.Next(1, 5);
        for (int i = 0; i < edits && data.Length > 0; i++)
        {
            switch (rng.Next(5))
            {
                case 0: data[rng.Next(data.Length)] ^= (byte)(1 << rng.Next(8)); break;
                case 1: data[rng.Next(data.Length)] = (byte)rng.Next(256); break;
                case 2: Array.Resize(ref data, rng.Next(data.Length + 1)); break;
                case 3:
                    int extra = rng.Next(1, 32);
                    int old = data.Length;
                    Array.Resize(ref data, old + extra);
                    rng.NextBytes(data.AsSpan(old));
                    break;
                default:
                    // Header bits that steer the parser: CC, X, P, extension length.
                    if (data.Length > 0) data[0] = (byte)(0x80 | rng.Next(0x40));
                    if (data.Length > 15) data[15] = (byte)rng.Next(256);
                    break;
            }
        }
        return data;
    }
}
