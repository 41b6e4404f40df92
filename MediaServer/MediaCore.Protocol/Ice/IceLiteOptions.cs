namespace MediaCore.Protocol.Ice;

/// <summary>Settings of an <see cref="IceLiteAgent"/>; the defaults follow the RFCs.</summary>
public sealed class IceLiteOptions
{
    /// <summary>
    /// Consent lifetime (RFC 7675 §5.1: 30 s): the selected path is dropped when no valid check arrives
    /// on it for this long. Browsers check every 5 s or so.
    /// </summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for the first nomination (USE-CANDIDATE) before giving up.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Drop checks without FINGERPRINT (RFC 8445 §7.3 requires it on every check).</summary>
    public bool RequireFingerprint { get; init; } = true;

    /// <summary>
    /// Answer unauthenticated checks with 400/401 as RFC 8489 §9.1.3 says; false drops them silently,
    /// which gives an attacker probing the shared port nothing back.
    /// </summary>
    public bool RespondToUnauthenticated { get; init; } = true;

    /// <summary>SOFTWARE attribute on answers (RFC 8489 §14.14), or null for none.</summary>
    public string? Software { get; init; }
}

/// <summary>Settings of an <see cref="IceControllingAgent"/>; the defaults follow the RFCs.</summary>
public sealed class IceControllingOptions
{
    /// <summary>Initial STUN retransmission timeout (RFC 8489 §6.2.1, RFC 8445 §14.3: 500 ms).</summary>
    public TimeSpan InitialRto { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Requests per transaction, Rc (RFC 8489 §6.2.1: 7).</summary>
    public int MaxRequests { get; init; } = 7;

    /// <summary>Wait after the last request, in RTOs, Rm (RFC 8489 §6.2.1: 16).</summary>
    public int LastWaitMultiplier { get; init; } = 16;

    /// <summary>Pacing between new checks, Ta (RFC 8445 §14.2: 50 ms).</summary>
    public TimeSpan Pacing { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Mean interval between consent checks (RFC 7675 §5.1: 5 s, randomised 0.8-1.2).</summary>
    public TimeSpan ConsentInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Consent lifetime (RFC 7675 §5.1: 30 s without a valid response).</summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to try before the first success.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// PRIORITY sent in checks (RFC 8445 §7.1.1): that of a peer-reflexive candidate of the local host
    /// component 1, computed per §5.1.2.1 with type preference 110 by default.
    /// </summary>
    public uint Priority { get; init; } = (110u << 24) | (65535u << 8) | (256u - 1);

    /// <summary>Seed for the consent-interval jitter; null uses a random seed.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>SOFTWARE attribute on requests (RFC 8489 §14.14), or null for none.</summary>
    public string? Software { get; init; }
}
