using System.Buffers;

namespace MediaCore.Protocol.Core;

/// <summary>
/// A datagram a sans-IO component wants sent. <see cref="Buffer"/> is rented from
/// <see cref="ArrayPool{T}.Shared"/>; whoever sends it calls <see cref="Return"/> afterwards.
/// </summary>
public readonly struct Transmit
{
    public Transmit(PeerAddress destination, byte[] buffer, int length)
    {
        Destination = destination;
        Buffer = buffer;
        Length = length;
    }

    public PeerAddress Destination { get; }
    public byte[] Buffer { get; }
    public int Length { get; }
    public ReadOnlySpan<byte> Payload => Buffer.AsSpan(0, Length);

    /// <summary>Copies <paramref name="data"/> into a pooled buffer.</summary>
    public static Transmit Copy(PeerAddress destination, ReadOnlySpan<byte> data)
    {
        var buf = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buf);
        return new Transmit(destination, buf, data.Length);
    }

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}
