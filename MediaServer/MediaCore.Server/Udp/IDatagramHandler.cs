using System.Runtime.CompilerServices;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Server.Udp;

/// <summary>
/// Receives every datagram that arrives on the media UDP port (STUN, DTLS, SRTP, SRTCP demultiplexed by
/// the first byte, RFC 7983). Called on a receive thread (one by default; see <c>MediaServer:ReceiveThreads</c>:
/// then concurrently, but every datagram of one peer address on the same thread), one datagram at a time per
/// thread; the span is only valid during the call (copy what must outlive it). Must not block: no I/O waits,
/// no long locks.
/// </summary>
public interface IDatagramHandler
{
    void OnDatagram(long nowTicks, Span<byte> datagram, PeerAddress from);
}

/// <summary>
/// Sends datagrams from the media UDP port (the one the peers' ICE checks reached, so NATs and firewalls
/// let replies through). Thread-safe, allocation-free. Never throws for network errors: returns false.
/// </summary>
public interface IDatagramSender
{
    /// <summary>Sends one datagram; false when the OS refused it (buffer full, unreachable, wrong family).</summary>
    bool Send(ReadOnlySpan<byte> datagram, PeerAddress to);

    /// <summary>
    /// Sends the plain RTP/RTCP <paramref name="packet"/> protected by <paramref name="protector"/> (a session's
    /// outbound SRTP). The media endpoint protects on its send workers (every packet of one protector on the same
    /// one); this default protects now, on the caller's thread.
    /// </summary>
    bool SendProtected(IPacketProtector protector, bool rtcp, ReadOnlySpan<byte> packet, PeerAddress to)
        => DatagramSenderExtensions.ProtectAndSend(this, protector, rtcp, packet, to);

    /// <summary>Releases <paramref name="protector"/> after the packets given to <see cref="SendProtected"/> before.</summary>
    void Release(IPacketProtector protector) => protector.Release();

    /// <summary>
    /// Lends a send-queue slot for the next plain packet of <paramref name="protector"/> (see
    /// <see cref="Protocol.Transport.IProtectingDatagramOutput.TryBeginProtected"/>); false (the default): use <see cref="SendProtected"/>.
    /// </summary>
    bool TryBeginProtected(IPacketProtector protector, bool rtcp, PeerAddress to, out OutputSlot slot)
    {
        slot = default;
        return false;
    }
}

/// <summary>Helpers for <see cref="IDatagramSender"/>.</summary>
public static class DatagramSenderExtensions
{
    /// <summary>Largest plain packet plus protection overhead protected on the caller's thread.</summary>
    private const int MaxInlineBytes = 4096;

    /// <summary>Protects a copy of <paramref name="packet"/> on this thread and sends it (no send workers, tests).</summary>
    [SkipLocalsInit]
    public static bool ProtectAndSend(IDatagramSender sender, IPacketProtector protector, bool rtcp, ReadOnlySpan<byte> packet, PeerAddress to)
    {
        if (packet.Length + protector.MaxOverhead > MaxInlineBytes) return false;
        Span<byte> buffer = stackalloc byte[MaxInlineBytes];
        packet.CopyTo(buffer);
        int n = protector.Protect(buffer, packet.Length, rtcp);
        return n >= 0 && sender.Send(buffer[..n], to);
    }

    /// <summary>Sends a sans-IO <see cref="Transmit"/> and returns its pooled buffer.</summary>
    public static bool Send(this IDatagramSender sender, Transmit transmit)
    {
        try
        {
            return sender.Send(transmit.Payload, transmit.Destination);
        }
        finally
        {
            transmit.Return();
        }
    }
}

/// <summary>Default handler until the WebRTC sessions are wired: counts and drops.</summary>
public sealed class DroppingDatagramHandler : IDatagramHandler
{
    private long _dropped;

    /// <summary>Datagrams dropped so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void OnDatagram(long nowTicks, Span<byte> datagram, PeerAddress from) => Interlocked.Increment(ref _dropped);
}
