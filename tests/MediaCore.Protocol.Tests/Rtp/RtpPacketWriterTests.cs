using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Protocol.Tests.Rtp;

public class RtpPacketWriterTests
{
    [Fact]
    public void WriteTo_OneByteExtensions_RoundTrips()
    {
        var w = new RtpPacketWriter
        {
            PayloadType = new PayloadType(111), SequenceNumber = 7, Timestamp = new RtpTimestamp(960), Ssrc = new Ssrc(42),
            Payload = new byte[] { 9, 9, 9 },
        };
        w.AddCsrc(0xCAFE);
        w.SetExtension(1, [0x85]);
        w.SetExtension(3, [0x00, 0x01]);
        w.SetExtension(1, [0x86]); // replaces
        var b = new byte[w.GetSerializedSize()];
        Assert.Equal(b.Length, w.WriteTo(b));

        Assert.True(RtpPacket.TryParse(b, out var p));
        Assert.True(p.IsOneByteExtension);
        Assert.Equal(0xCAFEu, p.GetCsrc(0));
        Assert.True(p.TryGetExtension(1, out var v1));
        Assert.Equal(0x86, v1[0]);
        Assert.True(p.TryGetExtension(3, out var v3));
        Assert.Equal(new byte[] { 0, 1 }, v3.ToArray());
        Assert.Equal(new byte[] { 9, 9, 9 }, p.Payload.ToArray());
        Assert.Equal(0, (p.HeaderLength - 16) % 4); // block padded to 32 bits (RFC 8285 §4.1)
    }

    [Fact]
    public void WriteTo_IdAbove14_UsesTwoByteForm()
    {
        var w = new RtpPacketWriter { Payload = new byte[] { 1 } };
        w.SetExtension(20, [1, 2, 3]);
        w.SetExtension(2, []);
        var b = new byte[w.GetSerializedSize()];
        w.WriteTo(b);
        Assert.True(RtpPacket.TryParse(b, out var p));
        Assert.True(p.IsTwoByteExtension);
        Assert.True(p.TryGetExtension(20, out var v));
        Assert.Equal(3, v.Length);
        Assert.True(p.TryGetExtension(2, out var empty));
        Assert.Equal(0, empty.Length);
    }

    [Fact]
    public void WriteTo_Padding_IsStrippedOnParse()
    {
        var w = new RtpPacketWriter { Payload = new byte[] { 1, 2 }, PaddingLength = 6 };
        var b = new byte[w.GetSerializedSize()];
        w.WriteTo(b);
        Assert.Equal(6, b[^1]);
        Assert.True(RtpPacket.TryParse(b, out var p));
        Assert.Equal(new byte[] { 1, 2 }, p.Payload.ToArray());
    }
}

public class RtpHeaderEditorTests
{
    private static byte[] Packet()
    {
        var w = new RtpPacketWriter
        {
            PayloadType = new PayloadType(96), SequenceNumber = 1, Timestamp = new RtpTimestamp(2), Ssrc = new Ssrc(3),
            Payload = new byte[] { 0xEE },
        };
        w.SetExtension(1, [0x10]);          // audio level
        w.SetExtension(2, [0x00, 0x00, 0x01]); // abs-send-time
        w.SetExtension(5, [0x00, 0x07]);    // transport-wide seq
        var b = new byte[w.GetSerializedSize()];
        w.WriteTo(b);
        return b;
    }

    [Fact]
    public void Setters_RewriteFixedHeaderOnly()
    {
        var b = Packet();
        RtpHeaderEditor.SetMarker(b, true);
        RtpHeaderEditor.SetPayloadType(b, new PayloadType(100));
        RtpHeaderEditor.SetSequenceNumber(b, 0xBEEF);
        RtpHeaderEditor.SetTimestamp(b, new RtpTimestamp(0xDEADBEEF));
        RtpHeaderEditor.SetSsrc(b, new Ssrc(0x01020304));
        Assert.True(RtpPacket.TryParse(b, out var p));
        Assert.True(p.Marker);
        Assert.Equal(100, p.PayloadType.Value);
        Assert.Equal(0xBEEF, p.SequenceNumber);
        Assert.Equal(0xDEADBEEFu, p.Timestamp.Value);
        Assert.Equal(0x01020304u, p.Ssrc.Value);
        Assert.True(p.TryGetExtension(5, out _));
        Assert.Equal(0xEE, p.Payload[0]);
        RtpHeaderEditor.SetMarker(b, false);
        Assert.True(RtpPacket.TryParse(b, out p));
        Assert.False(p.Marker);
        Assert.Equal(100, p.PayloadType.Value);
    }

    [Fact]
    public void TryOverwriteExtension_SameLength_Overwrites()
    {
        var b = Packet();
        Assert.True(RtpHeaderEditor.TryOverwriteExtension(b, 5, [0x12, 0x34]));
        Assert.False(RtpHeaderEditor.TryOverwriteExtension(b, 5, [0x12]));
        Assert.False(RtpHeaderEditor.TryOverwriteExtension(b, 9, [0x12]));
        Assert.True(RtpPacket.TryParse(b, out var p));
        Assert.True(p.TryGetExtension(5, out var v));
        Assert.True(RtpExtensionValues.TryReadTransportWideSeq(v, out ushort seq));
        Assert.Equal(0x1234, seq);
    }

    [Fact]
    public void RemoveExtension_LeavesValidBlockWithoutIt()
    {
        var b = Packet();
        Assert.True(RtpHeaderEditor.RemoveExtension(b, 2));
        Assert.True(RtpPacket.TryParse(b, out var p));
        Assert.False(p.TryGetExtension(2, out _));
        Assert.True(p.TryGetExtension(1, out _));
        Assert.True(p.TryGetExtension(5, out _));
    }

    [Fact]
    public void RemapExtensionIds_TranslatesAndDrops()
    {
        var publisher = new RtpExtensionMap()
            .Add(1, RtpExtensionUris.AudioLevel)
            .Add(2, RtpExtensionUris.AbsSendTime)
            .Add(5, RtpExtensionUris.TransportWideCc);
        var subscriber = new RtpExtensionMap()
            .Add(10, RtpExtensionUris.AudioLevel)
            .Add(3, RtpExtensionUris.TransportWideCc)
            .Add(20, RtpExtensionUris.AbsSendTime); // not representable in the one-byte form: dropped
        var table = publisher.BuildTranslation(subscriber);
        var b = Packet();
        Assert.Equal(1, RtpHeaderEditor.RemapExtensionIds(b, table));
        Assert.True(RtpPacket.TryParse(b, out var p));
        Assert.True(p.TryGetExtension(10, out var level));
        Assert.Equal(0x10, level[0]);
        Assert.True(p.TryGetExtension(3, out var tw));
        Assert.Equal(7, tw[1]);
        Assert.False(p.TryGetExtension(1, out _));
        Assert.False(p.TryGetExtension(2, out _));
        Assert.False(p.TryGetExtension(5, out _));
    }
}

/// <summary>RFC 6464 §3 audio level, and the other value codecs.</summary>
public class Rfc6464Tests
{
    [Theory]
    [InlineData(0x80 | 0, true, 0)]     // §3: V=1, level 0 dBov (loudest)
    [InlineData(0x7F, false, 127)]      // V=0, -127 dBov (silence)
    [InlineData(0x80 | 30, true, 30)]   // -30 dBov with voice
    public void TryReadAudioLevel_Section3(int b, bool voice, int level)
    {
        Assert.True(RtpExtensionValues.TryReadAudioLevel([(byte)b], out bool v, out byte l));
        Assert.Equal(voice, v);
        Assert.Equal(level, l);
        Assert.Equal((byte)b, RtpExtensionValues.EncodeAudioLevel(voice, level));
    }

    [Fact]
    public void EncodeAudioLevel_ClampsTo0To127() => Assert.Equal(0x7F, RtpExtensionValues.EncodeAudioLevel(false, 300));

    [Fact]
    public void AbsSendTime_SixEighteenFixedPoint()
    {
        // 1.5 s = 1 << 18 + 1 << 17 in 6.18 fixed point.
        uint v = RtpExtensionValues.AbsSendTimeFromTicks(TimeSpan.FromSeconds(1.5).Ticks);
        Assert.Equal((1u << 18) + (1u << 17), v);
        Assert.Equal(TimeSpan.FromSeconds(1.5).Ticks, RtpExtensionValues.AbsSendTimeToTicks(v));
        Assert.Equal(v, RtpExtensionValues.AbsSendTimeFromTicks(TimeSpan.FromSeconds(65.5).Ticks)); // wraps every 64 s
        Span<byte> b = stackalloc byte[3];
        RtpExtensionValues.WriteAbsSendTime(b, v);
        Assert.True(RtpExtensionValues.TryReadAbsSendTime(b, out uint back));
        Assert.Equal(v, back);
    }

    [Fact]
    public void SdesValues_MidAndRid_CompareWithoutAllocatingAndIgnoreTrailingNul()
    {
        byte[] rid = [(byte)'h', 0];
        Assert.True(RtpExtensionValues.SdesEquals(rid, "h"));
        Assert.False(RtpExtensionValues.SdesEquals(rid, "f"));
        Assert.Equal("h", RtpExtensionValues.ReadSdesString(rid));
        Assert.Equal(RtpExtensionKind.RtpStreamId, RtpExtensionUris.ToKind(RtpExtensionUris.RtpStreamId));
        Assert.Equal(RtpExtensionUris.Mid, RtpExtensionUris.FromKind(RtpExtensionKind.Mid));
    }
}
