using MediaCore.Protocol.Demux;
using MediaCore.Protocol.Tests.Stun;

namespace MediaCore.Protocol.Tests.Demux;

/// <summary>RFC 7983 §7 first-byte demultiplexing and RFC 5761 §4 RTP/RTCP split.</summary>
public class PacketDemuxTests
{
    [Fact]
    public void Classify_StunBindingRequest_Stun()
        => Assert.Equal(PacketKind.Stun, PacketDemux.Classify(Rfc5769Tests.SampleRequest));

    [Fact]
    public void Classify_FirstByteInStunRangeWithoutCookie_Unknown()
    {
        var b = new byte[20];
        Assert.Equal(PacketKind.Unknown, PacketDemux.Classify(b));
    }

    [Theory]
    [InlineData(20)] // change_cipher_spec
    [InlineData(21)] // alert
    [InlineData(22)] // handshake
    [InlineData(23)] // application_data
    [InlineData(63)]
    public void Classify_DtlsContentTypes_Dtls(byte first)
    {
        var b = new byte[13];
        b[0] = first;
        b[1] = 0xFE;
        b[2] = 0xFD;
        Assert.Equal(PacketKind.Dtls, PacketDemux.Classify(b));
    }

    [Theory]
    [InlineData(0x60, PacketKind.Rtp)]   // PT 96, no marker
    [InlineData(0xE0, PacketKind.Rtp)]   // PT 96 + marker
    [InlineData(0x6F, PacketKind.Rtp)]   // PT 111 (Opus)
    [InlineData(0x00, PacketKind.Rtp)]   // PT 0 (PCMU)
    [InlineData(0xC8, PacketKind.Rtcp)]  // SR 200
    [InlineData(0xC9, PacketKind.Rtcp)]  // RR 201
    [InlineData(0xCD, PacketKind.Rtcp)]  // RTPFB 205
    [InlineData(0xCE, PacketKind.Rtcp)]  // PSFB 206
    [InlineData(0xC0, PacketKind.Rtcp)]  // 192, lower bound
    [InlineData(0xDF, PacketKind.Rtcp)]  // 223, upper bound
    [InlineData(0xE0 - 0x80 + 0x3F, PacketKind.Rtp)] // PT 127 without marker
    public void Classify_RtpRange_SplitsByPayloadType(byte second, PacketKind expected)
    {
        var b = new byte[12];
        b[0] = 0x80;
        b[1] = second;
        Assert.Equal(expected, PacketDemux.Classify(b));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0x80, 0x60, 0, 1 })]   // too short for RTP
    [InlineData(new byte[] { 0x10, 0, 0, 0 })]      // ZRTP range
    [InlineData(new byte[] { 0x40, 0, 0, 0 })]      // TURN channel range
    [InlineData(new byte[] { 0xFF, 0, 0, 0 })]
    [InlineData(new byte[] { 22, 0xFE, 0xFD })]     // DTLS shorter than a record header
    public void Classify_OtherOrShort_Unknown(byte[] data)
        => Assert.Equal(PacketKind.Unknown, PacketDemux.Classify(data));
}
