namespace MediaCore.Protocol.Srtp;

/// <summary>
/// The outbound protection of one transport (its SRTP/SRTCP sending context), as an output that protects on its
/// own thread sees it (<see cref="Transport.IProtectingDatagramOutput"/>). Not thread-safe: such an output calls
/// it from one thread only, in the order the transport handed the packets over.
/// </summary>
public interface IPacketProtector
{
    /// <summary>Most octets protecting adds to a packet: the buffer must have this much room after it.</summary>
    int MaxOverhead { get; }

    /// <summary>Protects <paramref name="buffer"/>[..<paramref name="length"/>] in place; the protected length, or -1 when it is not a packet it can protect.</summary>
    int Protect(Span<byte> buffer, int length, bool rtcp);

    /// <summary>The transport is done: release the keys. Called once, after the last <see cref="Protect"/>.</summary>
    void Release();
}
