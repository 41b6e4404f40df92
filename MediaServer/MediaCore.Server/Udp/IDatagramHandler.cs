using MediaCore.Protocol.Core;

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
}

/// <summary>Helpers for <see cref="IDatagramSender"/>.</summary>
public static class DatagramSenderExtensions
{
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
