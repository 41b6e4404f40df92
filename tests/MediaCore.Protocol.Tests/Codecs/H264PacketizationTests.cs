using MediaCore.Protocol.Codecs;

namespace MediaCore.Protocol.Tests.Codecs;

/// <summary>RFC 6184 packetization modes §5.6 (single NAL), §5.7.1 (STAP-A), §5.8 (FU-A).</summary>
public class H264PacketizationTests
{
    // SPS from x264, High profile, 640x360 (coded 640x368, 8 rows cropped), with emulation prevention bytes.
    private static readonly byte[] SpsHigh640x360 =
    [
        0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00,
        0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2d, 0x96,
    ];

    // SPS from x264, Constrained Baseline, 1280x720.
    private static readonly byte[] SpsBaseline1280x720 =
    [
        0x67, 0x42, 0xc0, 0x1f, 0xd9, 0x00, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10,
        0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x24, 0x80,
    ];

    [Theory]
    [InlineData(new byte[] { 0x65, 0x88, 0x84 }, true)]        // single NAL, type 5 IDR
    [InlineData(new byte[] { 0x67, 0x42, 0xc0 }, true)]        // single NAL, type 7 SPS
    [InlineData(new byte[] { 0x68, 0xce }, false)]             // PPS alone
    [InlineData(new byte[] { 0x41, 0x9a }, false)]             // non-IDR slice
    [InlineData(new byte[] { 0x7c, 0x85, 0x88 }, true)]        // FU-A (28), S=1, inner type 5
    [InlineData(new byte[] { 0x7c, 0x05, 0x88 }, false)]       // FU-A, S=0 (continuation)
    [InlineData(new byte[] { 0x7c, 0x81, 0x88 }, false)]       // FU-A start of a non-IDR slice
    [InlineData(new byte[] { 0x7c }, false)]                   // FU-A truncated
    [InlineData(new byte[] { }, false)]
    public void IsKeyFrame_SingleAndFuA(byte[] payload, bool expected)
        => Assert.Equal(expected, H264Packetization.IsKeyFrame(payload));

    [Fact]
    public void IsKeyFrame_StapAWithSpsPps_True()
    {
        byte[] stap =
        [
            0x78,                   // F=0 NRI=3 type 24 (STAP-A)
            0x00, 0x03,             // NALU 1 size 3
            0x67, 0x42, 0xc0,       //   SPS (truncated body is fine for detection)
            0x00, 0x02,             // NALU 2 size 2
            0x68, 0xce,             //   PPS
        ];
        Assert.True(H264Packetization.IsKeyFrame(stap));
        Assert.True(KeyFrameDetector.IsKeyFrame(CodecKind.H264, stap));
    }

    [Fact]
    public void IsKeyFrame_StapAOfNonIdrOrOverrun_False()
    {
        Assert.False(H264Packetization.IsKeyFrame([0x78, 0x00, 0x02, 0x41, 0x9a]));
        Assert.False(H264Packetization.IsKeyFrame([0x78, 0x00, 0x09, 0x65, 0x88]));
    }

    [Fact]
    public void TryGetResolution_HighProfileSpsWithCropping_640x360()
    {
        Assert.True(H264Packetization.TryGetResolution(SpsHigh640x360, out int w, out int h));
        Assert.Equal((640, 360), (w, h));
    }

    [Fact]
    public void TryGetResolution_BaselineSpsInStapA_1280x720()
    {
        var stap = new byte[3 + SpsBaseline1280x720.Length];
        stap[0] = 0x78;
        stap[2] = (byte)SpsBaseline1280x720.Length;
        SpsBaseline1280x720.CopyTo(stap, 3);
        Assert.True(H264Packetization.TryGetResolution(stap, out int w, out int h));
        Assert.Equal((1280, 720), (w, h));
    }

    [Fact]
    public void TryGetResolution_TruncatedSps_False()
    {
        for (int n = 0; n < 8; n++)
            Assert.False(H264Packetization.TryGetResolution(SpsHigh640x360.AsSpan(0, n), out _, out _));
    }
}

public class KeyFrameDetectorTests
{
    [Theory]
    [InlineData(new byte[] { 0x08 }, true)]                    // VP9: P=0 B=1, no layer indices
    [InlineData(new byte[] { 0x48 }, false)]                   // VP9: P=1 inter frame
    [InlineData(new byte[] { 0x00 }, false)]                   // VP9: B=0 not start of frame
    [InlineData(new byte[] { 0xA8, 0x81, 0x02, 0x00 }, true)]  // VP9: I=1 (M=1, 15-bit id) L=1, SID=0
    [InlineData(new byte[] { 0xA8, 0x81, 0x02, 0x02 }, false)] // VP9: SID=1
    [InlineData(new byte[] { 0xA8, 0x81 }, false)]             // VP9: truncated
    public void IsVp9KeyFrame_Fixtures(byte[] payload, bool expected)
        => Assert.Equal(expected, KeyFrameDetector.IsKeyFrame(CodecKind.Vp9, payload));

    [Theory]
    [InlineData(new byte[] { 0x18 }, true)]  // AV1: Z=0 Y=0 W=1 N=1: first packet of a coded video sequence
    [InlineData(new byte[] { 0x10 }, false)] // N=0
    [InlineData(new byte[] { 0x88 }, false)] // Z=1: continues an OBU from the previous packet
    public void IsAv1KeyFrame_Fixtures(byte[] payload, bool expected)
        => Assert.Equal(expected, KeyFrameDetector.IsKeyFrame(CodecKind.Av1, payload));

    [Fact]
    public void IsKeyFrame_Audio_False() => Assert.False(KeyFrameDetector.IsKeyFrame(CodecKind.Opus, [0x00]));

    [Theory]
    [InlineData("opus", CodecKind.Opus)]
    [InlineData("vp8", CodecKind.Vp8)]
    [InlineData("H264", CodecKind.H264)]
    [InlineData("AV1", CodecKind.Av1)]
    [InlineData("PCMU", CodecKind.OtherAudio)]
    [InlineData("rtx", CodecKind.Unknown)]
    public void FromEncodingName_Maps(string name, CodecKind kind) => Assert.Equal(kind, KeyFrameDetector.FromEncodingName(name));
}
