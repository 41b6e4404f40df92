using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Ice;

/// <summary>
/// One side of ICE for one BUNDLEd transport, sans-IO: <see cref="IceLiteAgent"/> (the server, RFC 8445 §2.5) or
/// <see cref="IceControllingAgent"/> (a client against an ICE-lite server). <see cref="Transport.WebRtcTransport"/>
/// drives either the same way: datagrams and time in, transmits and events out.
/// </summary>
public interface IIceAgent : IDisposable
{
    IceConnectionState State { get; }

    /// <summary>True when <paramref name="address"/> passed an authenticated check: DTLS and SRTP are accepted from it.</summary>
    bool IsValidatedAddress(PeerAddress address);

    /// <summary>Processes one datagram classified as STUN; anything malformed or unexpected is ignored.</summary>
    void HandleReceive(long nowTicks, ReadOnlySpan<byte> datagram, PeerAddress from);

    /// <summary>Sends checks that are due and applies the timeouts.</summary>
    void HandleTimeout(long nowTicks);

    /// <summary>When <see cref="HandleTimeout"/> is next due, or <see cref="MediaTime.Never"/>.</summary>
    long PollTimeout();

    bool TryPollTransmit(out Transmit transmit);

    bool TryPollEvent(out IceEvent evt);

    /// <summary>Stops the agent (emits <see cref="IceDisconnected"/> with <see cref="IceDisconnectReason.Closed"/>).</summary>
    void Close();
}
