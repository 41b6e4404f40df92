using MediaCore.Routing.Audio;

namespace MediaCore.Routing.Tests.Audio;

/// <summary>RFC 6716 §3 packet framing (TOC byte, frame count codes 0-3) and the §3.4 validity rules.</summary>
public sealed class OpusPacketInfoTests
{
    [Theory]
    // config 31 = CELT FB 20 ms, code 0: one frame of 960 samples.
    [InlineData(new byte[] { 0xF8, 0xFF, 0xFE }, 1, 960)]
    // config 1 = SILK NB 20 ms (0x08), code 1: two equal frames.
    [InlineData(new byte[] { 0x09, 1, 2, 3, 4 }, 2, 1920)]
    // config 3 = SILK NB 60 ms, code 0.
    [InlineData(new byte[] { 0x18, 0 }, 1, 2880)]
    // config 16 = CELT NB 2.5 ms, code 3, CBR, 4 frames of 2 bytes.
    [InlineData(new byte[] { 0x83, 0x04, 1, 2, 3, 4, 5, 6, 7, 8 }, 4, 480)]
    // code 2: first frame 2 bytes, second the rest (3 bytes).
    [InlineData(new byte[] { 0xFA, 2, 9, 9, 8, 8, 8 }, 2, 1920)]
    // code 3 VBR with padding: M=2, pad 1, frame 1 has 1 byte, frame 2 the rest.
    [InlineData(new byte[] { 0xFB, 0xC2, 0x01, 0x01, 0xAA, 0xBB, 0xCC, 0x00 }, 2, 1920)]
    public void TryParse_ValidPackets_FrameCountAndSamples(byte[] packet, int frames, int samples)
    {
        Assert.True(OpusPacketInfo.TryParse(packet, out var info));
        Assert.Equal(frames, info.FrameCount);
        Assert.Equal(samples, info.Samples);
    }

    [Theory]
    [InlineData(new byte[0])] // R1: empty
    [InlineData(new byte[] { 0x09, 1, 2, 3 })] // R3: code 1 with odd payload
    [InlineData(new byte[] { 0xFA, 5, 1 })] // R4: code 2 first frame longer than the packet
    [InlineData(new byte[] { 0xFB })] // R6: code 3 without the count byte
    [InlineData(new byte[] { 0xFB, 0x00 })] // R5: code 3 with zero frames
    [InlineData(new byte[] { 0x1B, 0x03, 0, 0, 0 })] // R5: 3 x 60 ms = 180 ms > 120 ms
    [InlineData(new byte[] { 0xFB, 0x42, 0xFF })] // R7: padding beyond the packet
    [InlineData(new byte[] { 0xFB, 0x03, 1, 2 })] // R6: CBR remainder not divisible by the frame count
    public void TryParse_InvalidPackets_False(byte[] packet)
        => Assert.False(OpusPacketInfo.TryParse(packet, out _));

    [Fact]
    public void TryParse_OversizedSingleFrame_False()
    {
        var packet = new byte[1 + 1276];
        packet[0] = 0xF8;
        Assert.False(OpusPacketInfo.TryParse(packet, out _));
    }

    [Fact]
    public void TryParse_100kRandomAndMutated_NeverThrowsAndBoundsSamples()
    {
        var rng = new Random(6716);
        var seeds = new[] { new byte[] { 0xF8, 0xFF, 0xFE }, [0xFB, 0xC2, 0x01, 0x01, 0xAA, 0xBB, 0xCC, 0x00], [0x83, 0x04, 1, 2, 3, 4, 5, 6, 7, 8] };
        for (int i = 0; i < 100_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[rng.Next(0, 64)];
                rng.NextBytes(input);
            }
            else
            {
                input = (byte[])seeds[rng.Next(seeds.Length)].Clone();
                for (int m = rng.Next(1, 4); m > 0; m--) input[rng.Next(input.Length)] = (byte)rng.Next(256);
            }
            if (OpusPacketInfo.TryParse(input, out var info))
                Assert.InRange(info.Samples, 120, OpusPacketInfo.MaxSamples);
        }
    }
}
