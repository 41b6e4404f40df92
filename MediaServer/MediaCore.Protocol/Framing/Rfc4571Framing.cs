using System.Buffers;
using System.Buffers.Binary;

namespace MediaCore.Protocol.Framing;

/// <summary>
/// RTP/RTCP/STUN/DTLS datagrams over a TCP byte stream, as ICE-TCP carries them (RFC 6544 §3 uses the framing of
/// RFC 4571 §2): each datagram is preceded by its length as a 16-bit unsigned integer in network byte order.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// -----------------------------------------------------------------
/// |             LENGTH            |  RTP or RTCP packet ...       |
/// -----------------------------------------------------------------
/// </code>
/// Sans-IO: the caller owns the stream (a PipeReader); this only cuts and writes frames.
/// </summary>
public static class Rfc4571Framing
{
    /// <summary>Bytes of the length prefix.</summary>
    public const int HeaderLength = 2;

    /// <summary>Largest datagram one frame can carry.</summary>
    public const int MaxPayload = ushort.MaxValue;

    /// <summary>
    /// Cuts the next complete frame off the front of <paramref name="buffer"/>. False when the buffer holds only
    /// part of a frame (read more and call again); <paramref name="buffer"/> is then unchanged. A zero-length frame
    /// is legal (RFC 4571 §2 allows it) and returned as an empty payload.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < HeaderLength) return false;
        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        int length = BinaryPrimitives.ReadUInt16BigEndian(header);
        if (buffer.Length < HeaderLength + length) return false;
        payload = buffer.Slice(HeaderLength, length);
        buffer = buffer.Slice(HeaderLength + length);
        return true;
    }

    /// <summary>Writes the length prefix and <paramref name="payload"/>; returns the bytes written (payload + 2).</summary>
    /// <exception cref="ArgumentException">The payload exceeds 65535 bytes, or the destination is too small.</exception>
    public static int Write(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayload) throw new ArgumentException($"an RFC 4571 frame carries at most {MaxPayload} bytes", nameof(payload));
        if (destination.Length < HeaderLength + payload.Length) throw new ArgumentException("destination too small", nameof(destination));
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)payload.Length);
        payload.CopyTo(destination[HeaderLength..]);
        return HeaderLength + payload.Length;
    }
}
