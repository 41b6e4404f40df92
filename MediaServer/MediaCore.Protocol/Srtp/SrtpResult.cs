namespace MediaCore.Protocol.Srtp;

/// <summary>Outcome of unprotecting an SRTP or SRTCP packet. Only <see cref="Ok"/> yields a packet.</summary>
public enum SrtpResult
{
    /// <summary>Authenticated, not a replay, decrypted.</summary>
    Ok = 0,

    /// <summary>Shorter than a header plus the authentication tag (and SRTCP index).</summary>
    TooShort,

    /// <summary>Not an RTP/RTCP packet: wrong version, or header fields that run past the end.</summary>
    InvalidHeader,

    /// <summary>The authentication tag did not verify (RFC 3711 §3.3 step 5, RFC 7714 §9.2).</summary>
    AuthenticationFailed,

    /// <summary>A packet with this index was already accepted (RFC 3711 §3.3.2).</summary>
    ReplayDetected,

    /// <summary>The index is older than the replay window; it cannot be checked, so it is dropped (RFC 3711 §3.3.2).</summary>
    TooOld,

    /// <summary>The destination span cannot hold the result.</summary>
    DestinationTooSmall,
}
