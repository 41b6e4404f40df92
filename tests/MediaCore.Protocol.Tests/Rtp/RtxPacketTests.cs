using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Protocol.Tests.Rtp;

/// <summary>RFC 4588 §4: RTX packet = original header (new PT/SSRC/seq) + OSN + original payload.</summary>
public class RtxPacketTests
{
    private static byte[] Original()
    {
        var w = new RtpPacketWriter
        {
            Marker = true,
            PayloadType = new PayloadType(96),
            SequenceNumber = 0xFFFE,
            Timestamp = new RtpTimestamp(123456),
            Ssrc = new Ssrc(0x11111111),
            Payload = new byte[] { 1, 2, 3, 4, 5 },
            PaddingLength = 4,
        };
        w.SetExtension(3, [0xAB, 0xCD]);
        var b = new byte[w.GetSerializedSize()];
        w.WriteTo(b);
        return b;
    }

    [Fact]
    public void Wrap_ThenUnwrap_RestoresOriginalWithoutPadding()
    {
        var original = Original();
        var rtx = new byte[100];
        int n = RtxPacket.Wrap(original, rtx, new PayloadType(97), new Ssrc(0x22222222), 7);
        Assert.True(RtpPacket.TryParse(rtx.AsSpan(0, n), out var r));
        Assert.Equal(97, r.PayloadType.Value);
        Assert.Equal(0x22222222u, r.Ssrc.Value);
        Assert.Equal(7, r.SequenceNumber);
        Assert.Equal(123456u, r.Timestamp.Value);
        Assert.True(r.Marker);
        Assert.False(r.HasPadding);
        Assert.Equal(new byte[] { 0xFF, 0xFE, 1, 2, 3, 4, 5 }, r.Payload.ToArray()); // OSN first
        Assert.True(r.TryGetExtension(3, out var ext));
        Assert.Equal(new byte[] { 0xAB, 0xCD }, ext.ToArray());

        var back = new byte[100];
        Assert.True(RtxPacket.TryUnwrap(rtx.AsSpan(0, n), back, new PayloadType(96), new Ssrc(0x11111111), out int len));
        Assert.True(RtpPacket.TryParse(back.AsSpan(0, len), out var o));
        Assert.Equal(0xFFFE, o.SequenceNumber);
        Assert.Equal(96, o.PayloadType.Value);
        Assert.Equal(0x11111111u, o.Ssrc.Value);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, o.Payload.ToArray());
        Assert.Equal(original.Length - 4, len);
        original[0] &= 0xDF;
        Assert.Equal(original[..len], back[..len]);
    }

    [Fact]
    public void WrapInPlace_MatchesWrap()
    {
        var original = Original();
        var expected = new byte[100];
        int n = RtxPacket.Wrap(original, expected, new PayloadType(97), new Ssrc(2), 9);
        var buffer = new byte[100];
        original.CopyTo(buffer, 0);
        int m = RtxPacket.WrapInPlace(buffer, original.Length, new PayloadType(97), new Ssrc(2), 9);
        Assert.Equal(n, m);
        Assert.Equal(expected[..n], buffer[..m]);
    }

    [Fact]
    public void TryUnwrap_PaddingOnlyProbe_False()
    {
        byte[] probe = [0xA0, 97, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4]; // P=1, 4 bytes of padding, no OSN
        Assert.True(RtpPacket.TryParse(probe, out var p));
        Assert.False(RtxPacket.TryReadOriginalSequenceNumber(p, out _));
        Assert.False(RtxPacket.TryUnwrap(probe, new byte[64], new PayloadType(96), new Ssrc(1), out _));
    }

    [Fact]
    public void Wrap_DestinationTooSmall_ReturnsMinusOne()
    {
        var original = Original();
        Assert.Equal(-1, RtxPacket.Wrap(original, new byte[10], new PayloadType(97), new Ssrc(2), 1));
        // In place needs 2 spare bytes beyond the padding-free packet; the original's 4 padding bytes give room.
        Assert.True(RtxPacket.WrapInPlace(original, original.Length, new PayloadType(97), new Ssrc(2), 1) > 0);
        var tight = new RtpPacketWriter { Payload = new byte[] { 1, 2, 3 } };
        var b = new byte[tight.GetSerializedSize()];
        tight.WriteTo(b);
        Assert.Equal(-1, RtxPacket.WrapInPlace(b, b.Length, new PayloadType(97), new Ssrc(2), 1));
    }
}
