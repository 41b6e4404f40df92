namespace MediaCore.Server.Options;

/// <summary>
/// Bounds on what one client, one room and the node take on (section <c>MediaServer:Limits</c>). Past a bound the
/// request is answered, never queued: 429 (a client asking too fast) or 503 with Retry-After (room or node full).
/// </summary>
public sealed class LimitOptions
{
    /// <summary>
    /// WHIP/WHEP offers (<c>POST /whip|whep/{room}</c>) each client address may make per second, sustained
    /// (token bucket refill). A load generator on one host needs more than a real site ever does.
    /// </summary>
    public int SessionRequestsPerSecond { get; set; } = 100;

    /// <summary>WHIP/WHEP offers a client address may make at once before the per-second rate applies (bucket size).</summary>
    public int SessionRequestBurst { get; set; } = 500;

    /// <summary>WHIP and WHEP sessions one room holds at most (a 1,000-site plenary needs about 1,000 plus its publishers).</summary>
    public int MaxSessionsPerRoom { get; set; } = 1500;

    /// <summary>Rooms this node holds at most; a new room beyond that is refused (503) so the caller can use another node.</summary>
    public int MaxRooms { get; set; } = 1000;
}
