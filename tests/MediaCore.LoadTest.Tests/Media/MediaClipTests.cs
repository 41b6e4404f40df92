using System.Buffers.Binary;
using MediaCore.LoadTest.Media;

namespace MediaCore.LoadTest.Tests.Media;

public sealed class MediaClipTests
{
    /// <summary>IVF: 32-byte "DKIF" header, then 12-byte frame headers (size LE32, pts LE64) and frames.</summary>
    private static byte[] Ivf(params byte[][] frames)
    {
        var file = new List<byte>();
        var header = new byte[32];
        "DKIF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 32);
        "VP80"u8.CopyTo(header.AsSpan(8));
        file.AddRange(header);
        long pts = 0;
        foreach (var f in frames)
        {
            var fh = new byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(fh, (uint)f.Length);
            BinaryPrimitives.WriteInt64LittleEndian(fh.AsSpan(4), pts++);
            file.AddRange(fh);
            file.AddRange(f);
        }
        return file.ToArray();
    }

    /// <summary>One Ogg page (RFC 3533 §6) carrying <paramref name="packets"/>; CRC left zero (the reader does not check it).</summary>
    private static byte[] OggPage(params byte[][] packets)
    {
        var lacing = new List<byte>();
        foreach (var p in packets)
        {
            int n = p.Length;
            while (n >= 255) { lacing.Add(255); n -= 255; }
            lacing.Add((byte)n);
        }
        var page = new List<byte>();
        page.AddRange("OggS"u8.ToArray());
        page.AddRange(new byte[22]);
        page.Add((byte)lacing.Count);
        page.AddRange(lacing);
        foreach (var p in packets) page.AddRange(p);
        return page.ToArray();
    }

    [Fact]
    public void ReadIvf_KeyThenDeltaFrame_FramesAndKeyFlagFromVp8PBit()
    {
        // RFC 6386 §9.1: bit 0 of the frame tag is P (0 = key frame).
        var frames = MediaClip.ReadIvf(Ivf([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a], [0x31, 0x01, 0x00, 0x07]));

        Assert.Equal(2, frames.Length);
        Assert.True(frames[0].IsKeyFrame);
        Assert.False(frames[1].IsKeyFrame);
        Assert.Equal(new byte[] { 0x31, 0x01, 0x00, 0x07 }, frames[1].Data);
    }

    [Fact]
    public void ReadOggOpus_PacketsAcrossLacing_SkipsHeadAndTagsAndJoins255Segments()
    {
        var big = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var file = OggPage("OpusHead........"u8.ToArray()).Concat(OggPage("OpusTags"u8.ToArray()))
            .Concat(OggPage([0xfc, 1, 2], big)).ToArray();

        var packets = MediaClip.ReadOggOpus(file);

        Assert.Equal(2, packets.Length);
        Assert.Equal(new byte[] { 0xfc, 1, 2 }, packets[0]);
        Assert.Equal(big, packets[1]);
    }

    [Fact]
    public void Readers_MutatedInput_OnlyInvalidDataOrSuccess()
    {
        var random = new Random(1234);
        var ivf = Ivf([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a], [0x31, 0x01, 0x00, 0x07]);
        var ogg = OggPage("OpusHead"u8.ToArray()).Concat(OggPage("OpusTags"u8.ToArray())).Concat(OggPage([1, 2, 3])).ToArray();
        for (int i = 0; i < 20_000; i++)
        {
            var input = (i % 2 == 0 ? ivf : ogg).ToArray();
            int flips = random.Next(1, 6);
            for (int f = 0; f < flips; f++) input[random.Next(input.Length)] = (byte)random.Next(256);
            input = input.AsSpan(0, random.Next(input.Length + 1)).ToArray();
            try
            {
                if (i % 2 == 0) MediaClip.ReadIvf(input); else MediaClip.ReadOggOpus(input);
            }
            catch (InvalidDataException)
            {
            }
        }
    }
}
