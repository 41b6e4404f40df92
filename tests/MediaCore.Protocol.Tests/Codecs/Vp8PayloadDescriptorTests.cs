using MediaCore.Protocol.Codecs;

namespace MediaCore.Protocol.Tests.Codecs;

/// <summary>RFC 7741 §4.2 (descriptor) and §4.3 (payload header) fixtures.</summary>
public class Vp8PayloadDescriptorTests
{
    // First packet of a key frame from libvpx 320x180 (RFC 6386 §9.1 frame tag + start code).
    private static readonly byte[] KeyFrameLongPictureId =
    [
        0x90,                   // X=1 R=0 N=0 S=1 R=0 PID=0
        0xE0,                   // I=1 L=1 T=1 K=0
        0x81, 0x23,             // M=1 picture id 0x0123
        0x05,                   // TL0PICIDX 5
        0x40,                   // TID=1 Y=0 KEYIDX=0
        0x30, 0x51, 0x00,       // VP8 frame tag: P=0 (key frame), show_frame, size
        0x9d, 0x01, 0x2a,       // start code
        0x40, 0x01, 0xb4, 0x00, // width 320, height 180 (14 bits + 2-bit scale each)
    ];

    [Fact]
    public void TryParse_KeyFrameWithAllFields_ReadsThem()
    {
        Assert.True(Vp8PayloadDescriptor.TryParse(KeyFrameLongPictureId, out var d));
        Assert.Equal(6, d.Size);
        Assert.True(d.StartOfPartition);
        Assert.Equal(0, d.PartitionId);
        Assert.True(d.HasPictureId);
        Assert.True(d.HasLongPictureId);
        Assert.Equal(0x0123, d.PictureId);
        Assert.True(d.HasTl0PicIdx);
        Assert.Equal(5, d.Tl0PicIdx);
        Assert.True(d.HasTid);
        Assert.Equal(1, d.TemporalLayer);
        Assert.False(d.LayerSync);
        Assert.False(d.HasKeyIdx);
        Assert.True(d.IsKeyFrame);
        Assert.True(KeyFrameDetector.IsKeyFrame(CodecKind.Vp8, KeyFrameLongPictureId));
        Assert.True(Vp8PayloadDescriptor.TryGetKeyFrameSize(KeyFrameLongPictureId, out int w, out int h));
        Assert.Equal((320, 180), (w, h));
    }

    [Fact]
    public void TryParse_ShortPictureIdDeltaFrame_IsNotKeyFrame()
    {
        byte[] p =
        [
            0x90,       // X=1 S=1 PID=0
            0x80,       // I=1
            0x7F,       // M=0 picture id 127
            0x31,       // frame tag P=1: inter frame
        ];
        Assert.True(Vp8PayloadDescriptor.TryParse(p, out var d));
        Assert.False(d.HasLongPictureId);
        Assert.Equal(127, d.PictureId);
        Assert.False(d.IsKeyFrame);
    }

    [Fact]
    public void TryParse_ContinuationPacket_IsNotKeyFrame()
    {
        // S=0: a later packet of the frame; its first payload byte is not a frame tag (§4.3).
        byte[] p = [0x80, 0x80, 0x81, 0x23, 0x00];
        Assert.True(Vp8PayloadDescriptor.TryParse(p, out var d));
        Assert.False(d.IsStartOfFrame);
        Assert.False(d.IsKeyFrame);
    }

    [Fact]
    public void TryParse_NoExtension_OneByteDescriptor()
    {
        byte[] p = [0x10, 0x00, 0x00]; // S=1, no X; key frame tag
        Assert.True(Vp8PayloadDescriptor.TryParse(p, out var d));
        Assert.Equal(1, d.Size);
        Assert.False(d.HasPictureId);
        Assert.True(d.IsKeyFrame);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0x80, 0x80 })]
    [InlineData(new byte[] { 0x80, 0x80, 0x80 })]
    [InlineData(new byte[] { 0x80, 0x40 })]
    [InlineData(new byte[] { 0x80, 0x20 })]
    public void TryParse_Truncated_ReturnsFalse(byte[] p) => Assert.False(Vp8PayloadDescriptor.TryParse(p, out _));

    [Fact]
    public void Rewrite_LongAndShortPictureIds_KeepWidthAndWrap()
    {
        var p = (byte[])KeyFrameLongPictureId.Clone();
        Assert.True(Vp8PayloadDescriptor.TryParse(p, out var d));
        d.Rewrite(p, 0x7FFF + 3, 0xFE); // wraps to 2
        Assert.True(Vp8PayloadDescriptor.TryParse(p, out var r));
        Assert.Equal(2, r.PictureId);
        Assert.Equal(0xFE, r.Tl0PicIdx);
        Assert.True(r.IsKeyFrame);
        Assert.Equal(KeyFrameLongPictureId[6..], p[6..]);

        byte[] s = [0x90, 0x80, 0x05, 0x31];
        Assert.True(Vp8PayloadDescriptor.TryParse(s, out var ds));
        ds.Rewrite(s, 200, 0);
        Assert.True(Vp8PayloadDescriptor.TryParse(s, out var rs));
        Assert.Equal(200 & 0x7F, rs.PictureId);
        Assert.False(rs.HasLongPictureId);
    }
}
