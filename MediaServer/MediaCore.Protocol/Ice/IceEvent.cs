using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Ice;

/// <summary>Something an ICE agent tells its host. Rare (per connection, not per packet).</summary>
public abstract record IceEvent;

/// <summary>A path was selected: send media to <paramref name="Address"/>.</summary>
public sealed record IceConnected(PeerAddress Address) : IceEvent;

/// <summary>
/// The peer nominated a different address (e.g. after a NAT rebinding or a network change): send media
/// to <paramref name="Current"/> from now on.
/// </summary>
public sealed record IceSelectedPathChanged(PeerAddress Previous, PeerAddress Current) : IceEvent;

/// <summary>The agent gave up; it ignores all further input. Stop sending to the peer.</summary>
public sealed record IceDisconnected(IceDisconnectReason Reason) : IceEvent;

public enum IceDisconnectReason : byte
{
    /// <summary>No path was ever selected within the connect timeout.</summary>
    ConnectTimeout,
    /// <summary>Consent expired (RFC 7675 §5.1): no valid check or response for the consent timeout.</summary>
    ConsentExpired,
    /// <summary>The host closed the agent.</summary>
    Closed,
}

/// <summary>Connection state of an ICE agent.</summary>
public enum IceConnectionState : byte
{
    /// <summary>Waiting for (lite) or performing (controlling) connectivity checks.</summary>
    Checking,
    /// <summary>A path is selected and consent is fresh.</summary>
    Connected,
    /// <summary>Terminal: timed out, consent expired or closed.</summary>
    Disconnected,
}
