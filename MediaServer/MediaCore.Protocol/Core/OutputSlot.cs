namespace MediaCore.Protocol.Core;

/// <summary>Whoever lends <see cref="OutputSlot"/>s: takes each one back, written or abandoned.</summary>
public interface IOutputSlotOwner
{
    /// <summary>The slot at <paramref name="position"/> holds a packet of <paramref name="length"/> bytes (0: nothing, abandoned).</summary>
    void Commit(long position, int length);
}

/// <summary>
/// A slot of an output's send queue lent to the caller to write one packet straight into (the host's send-worker ring:
/// a forwarded packet is rewritten where it is protected and sent from, instead of rewritten into a scratch buffer and
/// copied from there). The caller writes <see cref="Buffer"/> and calls <see cref="Commit"/> exactly once, right away:
/// until then the queue cannot send past it.
/// </summary>
public readonly ref struct OutputSlot
{
    public OutputSlot(Span<byte> buffer, IOutputSlotOwner owner, long position)
    {
        Buffer = buffer;
        Owner = owner;
        Position = position;
    }

    /// <summary>Where the packet goes (its length leaves room for the protection's overhead after the packet).</summary>
    public Span<byte> Buffer { get; }

    public IOutputSlotOwner Owner { get; }

    public long Position { get; }

    /// <summary>Hands the slot back: <paramref name="length"/> bytes of <see cref="Buffer"/> to send, 0 to send nothing.</summary>
    public void Commit(int length) => Owner.Commit(Position, length);
}
