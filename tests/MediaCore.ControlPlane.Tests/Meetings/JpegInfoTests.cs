using MediaCore.ControlPlane.Meetings;

namespace MediaCore.ControlPlane.Tests.Meetings;

public sealed class JpegInfoTests
{
    [Fact]
    public void TryRead_FfmpegBaselineJpeg_ReadsSof0Size()
    {
        var jpeg = MeetingTests<Infrastructure.SqliteApp>.FfmpegJpeg(640, 360);
        Assert.True(JpegInfo.TryRead(jpeg, out var w, out var h));
        Assert.Equal((640, 360), (w, h));
    }

    [Fact]
    public void TryRead_HandBuiltSegments_SkipsAppAndFillBytes()
    {
        byte[] jpeg =
        [
            0xFF, 0xD8,                               // SOI
            0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46,       // APP0, length 4 (2 payload bytes)
            0xFF, 0xFF,                               // fill byte before the next marker (T.81 B.1.1.2)
            0xFF, 0xC2, 0x00, 0x0B,                   // SOF2 (progressive), length 11
            0x08,                                     // P: 8-bit samples
            0x01, 0xE0,                               // Y: 480 lines
            0x02, 0x80,                               // X: 640 samples per line
            0x01, 0x01, 0x11, 0x00,                   // Nf = 1 component
            0xFF, 0xD9,                               // EOI
        ];
        Assert.True(JpegInfo.TryRead(jpeg, out var w, out var h));
        Assert.Equal((640, 480), (w, h));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0xFF, 0xD8 })]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x40, 0x08 })]          // SOF length past the end
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x01, 0x08, 0, 0, 0 })] // length < 2
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02 })]                // SOS before any SOF
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0, 0, 0, 0, 1, 1, 0x11, 0 })] // zero size
    public void TryRead_Malformed_False(byte[] data) => Assert.False(JpegInfo.TryRead(data, out _, out _));

    [Fact]
    public void TryRead_Fuzz100kMutations_NeverThrows()
    {
        var seed = MeetingTests<Infrastructure.SqliteApp>.FfmpegJpeg(64, 48);
        var rng = new Random(4242);
        var buf = new byte[seed.Length];
        for (var i = 0; i < 100_000; i++)
        {
            var len = rng.Next(4) == 0 ? rng.Next(0, 64) : seed.Length - rng.Next(0, Math.Min(seed.Length, 600));
            seed.AsSpan(0, len).CopyTo(buf);
            var flips = rng.Next(1, 8);
            for (var f = 0; f < flips && len > 0; f++) buf[rng.Next(len)] = (byte)rng.Next(256);
            if (rng.Next(8) == 0) rng.NextBytes(buf.AsSpan(0, len));
            JpegInfo.TryRead(buf.AsSpan(0, len), out var w, out var h);
            Assert.True(w >= 0 && h >= 0);
        }
    }
}
