using System.Buffers;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Framing;

namespace MediaCore.Protocol.Tests.Framing;

/// <summary>RFC 4571 §2 framing as ICE-TCP uses it (RFC 6544 §3).</summary>
public sealed class Rfc4571FramingTests
{
    [Fact]
    public void TryReadFrame_TwoFramesSplitAcrossSegments_ReturnsBothInOrder()
    {
        // 0x0003 "abc", 0x0002 "de": split into segments at awkward places (inside a length, inside a payload).
        byte[] stream = [0x00, 0x03, (byte)'a', (byte)'b', (byte)'c', 0x00, 0x02, (byte)'d', (byte)'e'];
        var buffer = Segments(stream, 1, 3, 6);
        Assert.True(Rfc4571Framing.TryReadFrame(ref buffer, out var first));
        Assert.Equal("abc"u8.ToArray(), first.ToArray());
        Assert.True(Rfc4571Framing.TryReadFrame(ref buffer, out var second));
        Assert.Equal("de"u8.ToArray(), second.ToArray());
        Assert.True(buffer.IsEmpty);
        Assert.False(Rfc4571Framing.TryReadFrame(ref buffer, out _));
    }

    [Fact]
    public void TryReadFrame_PartialFrame_FalseAndBufferUnchanged()
    {
        var buffer = new ReadOnlySequence<byte>([0x01, 0x00, 1, 2, 3]); // says 256 bytes, has 3
        Assert.False(Rfc4571Framing.TryReadFrame(ref buffer, out _));
        Assert.Equal(5, buffer.Length);
        var one = new ReadOnlySequence<byte>([0x00]);
        Assert.False(Rfc4571Framing.TryReadFrame(ref one, out _));
    }

    [Fact]
    public void TryReadFrame_ZeroLengthFrame_EmptyPayload()
    {
        var buffer = new ReadOnlySequence<byte>([0x00, 0x00, 0x00, 0x01, 0xAA]);
        Assert.True(Rfc4571Framing.TryReadFrame(ref buffer, out var empty));
        Assert.True(empty.IsEmpty);
        Assert.True(Rfc4571Framing.TryReadFrame(ref buffer, out var one));
        Assert.Equal([0xAA], one.ToArray());
    }

    [Fact]
    public void Write_ThenRead_RoundTripsLargestFrame()
    {
        var payload = new byte[Rfc4571Framing.MaxPayload];
        new Random(7).NextBytes(payload);
        var wire = new byte[payload.Length + 2];
        Assert.Equal(wire.Length, Rfc4571Framing.Write(wire, payload));
        Assert.Equal([0xFF, 0xFF], wire[..2]);
        var buffer = new ReadOnlySequence<byte>(wire);
        Assert.True(Rfc4571Framing.TryReadFrame(ref buffer, out var read));
        Assert.Equal(payload, read.ToArray());
        Assert.Throws<ArgumentException>(() => Rfc4571Framing.Write(new byte[70_000], new byte[65_536]));
    }

    [Fact]
    public void TryReadFrame_RandomStreamsInRandomSegments_NeverThrowsAndConsumesExactly()
    {
        // Fuzz: 2,000 random byte streams cut into random segments; every returned frame lies inside the input and
        // the consumed bytes always add up to what was framed.
        var rng = new Random(4571);
        for (int i = 0; i < 2000; i++)
        {
            var data = new byte[rng.Next(0, 600)];
            rng.NextBytes(data);
            var cuts = Enumerable.Range(0, rng.Next(0, 6)).Select(_ => rng.Next(0, data.Length + 1)).Distinct().Order().ToArray();
            var buffer = Segments(data, cuts);
            long consumed = 0;
            while (Rfc4571Framing.TryReadFrame(ref buffer, out var frame))
            {
                consumed += 2 + frame.Length;
                Assert.True(consumed <= data.Length);
            }
            Assert.Equal(data.Length - consumed, buffer.Length);
        }
    }

    [Fact]
    public void PeerAddress_TcpAndUdpFromSameEndPoint_AreDifferentPeers()
    {
        var udp = PeerAddress.FromEndPoint(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5000));
        var tcp = udp.AsTcp();
        Assert.NotEqual(udp, tcp);
        Assert.True(tcp.IsTcp && tcp.IsIPv4 && tcp.Port == 5000);
        Assert.Equal("tcp/127.0.0.1:5000", tcp.ToString());
    }

    private static ReadOnlySequence<byte> Segments(byte[] data, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < data.Length).Distinct().Order().Prepend(0).Append(data.Length).ToArray();
        Segment? first = null, last = null;
        for (int i = 0; i + 1 < bounds.Length; i++)
        {
            var memory = data.AsMemory(bounds[i], bounds[i + 1] - bounds[i]);
            if (first is null) first = last = new Segment(memory, 0);
            else last = last!.Append(memory);
        }
        if (first is null) return ReadOnlySequence<byte>.Empty;
        return new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
