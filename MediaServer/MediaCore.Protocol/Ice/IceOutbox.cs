using System.Buffers;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Stun;

namespace MediaCore.Protocol.Ice;

/// <summary>
/// Pending transmits and events of one agent. Bounded so a flood of checks cannot grow memory when the
/// host is slow to drain; what overflows is dropped, which STUN retransmission tolerates.
/// </summary>
internal sealed class IceOutbox
{
    private const int MaxTransmits = 32;

    private readonly Queue<Transmit> _transmits = new(4);
    private readonly Queue<IceEvent> _events = new(2);

    public static byte[] RentBuffer() => ArrayPool<byte>.Shared.Rent(StunMessageWriter.RecommendedBufferSize);

    public void Enqueue(PeerAddress destination, byte[] buffer, int length)
    {
        if (_transmits.Count >= MaxTransmits)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        _transmits.Enqueue(new Transmit(destination, buffer, length));
    }

    public void Enqueue(IceEvent evt) => _events.Enqueue(evt);

    public bool TryDequeue(out Transmit transmit) => _transmits.TryDequeue(out transmit);

    public bool TryDequeue(out IceEvent evt) => _events.TryDequeue(out evt!);

    public void Clear()
    {
        while (_transmits.TryDequeue(out var t)) t.Return();
        _events.Clear();
    }
}
