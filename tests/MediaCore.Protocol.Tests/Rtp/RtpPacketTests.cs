using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Protocol.Tests.Rtp;

public class RtpPacketTests
{
    // RFC 3550 §5.1 header with an RFC 8285 §4.2 one-byte extension block.
    private static readonly byte[] OneByteFixture =
    [
        0x90, 0x6F,             // V=2 P=0 X=1 CC=0 | M=0 PT=111
        0x12, 0x34,             // sequence number 0x1234
        0x00, 0x00, 0x10, 0x00, // timestamp 4096
        0xDE, 0xAD, 0xBE, 0xEF, // SSRC 0xDEADBEEF
        0xBE, 0xDE, 0x00, 0x02, // profile 0xBEDE, length 2 words
        0x10, 0xFF,             // id 1, L=0 (1 byte): audio level V=1 level 127
        0x22, 0x01, 0x02, 0x03, // id 2, L=2 (3 bytes): abs-send-time 0x010203
        0x00, 0x00,             // padding
        0xAA, 0xBB,             // payload
    ];

    // RFC 8285 §4.3 two-byte form, one CSRC, and RTP padding (RFC 3550 §5.1 P bit).
    private static readonly byte[] TwoBytePaddedFixture =
    [
        0xB1, 0xE0,             // V=2 P=1 X=1 CC=1 | M=1 PT=96
        0x00, 0x01,             // sequence number 1
        0x00, 0x00, 0x00, 0x02, // timestamp 2
        0x00, 0x00, 0x00, 0x03, // SSRC 3
        0x01, 0x02, 0x03, 0x04, // CSRC 0x01020304
        0x10, 0x00, 0x00, 0x02, // profile 0x1000 (appbits 0), length 2 words
        0x05, 0x02, 0x01, 0x02, // id 5, length 2: 01 02
        0x0F, 0x00,             // id 15, length 0 (valid in the two-byte form)
        0x00, 0x00,             // padding
        0x01, 0x02, 0x03,       // payload
        0x00, 0x00, 0x03,       // RTP padding, last octet = count 3
    ];

    [Fact]
    public void TryParse_OneByteExtension_ReadsEveryField()
    {
        Assert.True(RtpPacket.TryParse(OneByteFixture, out var p));
        Assert.Equal(2, p.Version);
        Assert.False(p.HasPadding);
        Assert.True(p.HasExtension);
        Assert.False(p.Marker);
        Assert.Equal(new PayloadType(111), p.PayloadType);
        Assert.Equal(0x1234, p.SequenceNumber);
        Assert.Equal(4096u, p.Timestamp.Value);
        Assert.Equal(0xDEADBEEFu, p.Ssrc.Value);
        Assert.Equal(0, p.CsrcCount);
        Assert.True(p.IsOneByteExtension);
        Assert.Equal(24, p.HeaderLength);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, p.Payload.ToArray());

        Assert.True(p.TryGetExtension(1, out var level));
        Assert.True(RtpExtensionValues.TryReadAudioLevel(level, out bool voice, out byte dBov));
        Assert.True(voice);
        Assert.Equal(127, dBov);
        Assert.True(p.TryGetExtension(2, out var abs));
        Assert.True(RtpExtensionValues.TryReadAbsSendTime(abs, out uint t));
        Assert.Equal(0x010203u, t);
        Assert.False(p.TryGetExtension(3, out _));

        int count = 0;
        foreach (var e in p.GetExtensions()) count++;
        Assert.Equal(2, count);
    }

    [Fact]
    public void TryParse_TwoByteExtensionWithPaddingAndCsrc_StripsPadding()
    {
        Assert.True(RtpPacket.TryParse(TwoBytePaddedFixture, out var p));
        Assert.True(p.HasPadding);
        Assert.True(p.Marker);
        Assert.Equal(96, p.PayloadType.Value);
        Assert.Equal(1, p.CsrcCount);
        Assert.Equal(0x01020304u, p.GetCsrc(0));
        Assert.True(p.IsTwoByteExtension);
        Assert.Equal(3, p.PaddingLength);
        Assert.Equal(new byte[] { 1, 2, 3 }, p.Payload.ToArray());
        Assert.True(p.TryGetExtension(5, out var v5));
        Assert.Equal(new byte[] { 1, 2 }, v5.ToArray());
        Assert.True(p.TryGetExtension(15, out var v15));
        Assert.Equal(0, v15.Length);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0 }, RtpParseError.TooShort)]
    [InlineData(new byte[] { 0x40, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 }, RtpParseError.BadVersion)]
    [InlineData(new byte[] { 0x81, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 }, RtpParseError.CsrcOverrun)]
    [InlineData(new byte[] { 0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1 }, RtpParseError.ExtensionOverrun)]
    [InlineData(new byte[] { 0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xAA, 0x00 }, RtpParseError.BadPadding)]
    [InlineData(new byte[] { 0xA0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xAA, 0x03 }, RtpParseError.BadPadding)]
    public void TryParse_Malformed_ReturnsReason(byte[] data, RtpParseError expected)
    {
        Assert.False(RtpPacket.TryParse(data, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void GetExtensions_OneByteId15_StopsProcessing()
    {
        // RFC 8285 §4.2: on ID 15 "processing of the entire extension should terminate".
        byte[] data =
        [
            0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
            0xBE, 0xDE, 0x00, 0x01,
            0x10, 0x05,             // id 1, one byte
            0xF0, 0x10,             // id 15: stop; the 0x10 after it is never read as id 1
        ];
        Assert.True(RtpPacket.TryParse(data, out var p));
        int n = 0;
        foreach (var e in p.GetExtensions()) { n++; Assert.Equal(1, e.Id); }
        Assert.Equal(1, n);
    }

    [Fact]
    public void GetExtensions_ElementOverrunsBlock_StopsWithoutThrowing()
    {
        byte[] data =
        [
            0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
            0xBE, 0xDE, 0x00, 0x01,
            0x1F, 0x00, 0x00, 0x00, // id 1 claims 16 bytes, block has 3
        ];
        Assert.True(RtpPacket.TryParse(data, out var p));
        Assert.False(p.TryGetExtension(1, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 200 }, true)]  // SR
    [InlineData(new byte[] { 0x81, 205 }, true)]  // RTPFB (NACK)
    [InlineData(new byte[] { 0x81, 206 }, true)]  // PSFB (PLI)
    [InlineData(new byte[] { 0x80, 0x60 }, false)] // RTP PT 96
    [InlineData(new byte[] { 0x80, 0xE0 }, false)] // RTP PT 96 with marker
    [InlineData(new byte[] { 0x80 }, false)]
    public void IsRtcp_Rfc5761Section4(byte[] datagram, bool expected) => Assert.Equal(expected, RtpPacket.IsRtcp(datagram));
}
