namespace MediaCore.Server.Options;

/// <summary>
/// TURN relays (coturn with <c>use-auth-secret</c>) handed to WHIP/WHEP clients as <c>Link: rel="ice-server"</c>
/// headers (RFC 9725 §4.6), for sites behind NATs and firewalls that block the media port. Section
/// <c>MediaServer:Turn</c>. Off while <see cref="Urls"/> is empty.
/// </summary>
public sealed class TurnOptions
{
    /// <summary>STUN/TURN URLs (RFC 7064, RFC 7065), e.g. <c>turn:turn.example.org:3478?transport=udp</c>.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>
    /// coturn's <c>static-auth-secret</c>: credentials follow the TURN REST scheme (username <c>expiry:participant</c>,
    /// password base64(HMAC-SHA1(secret, username))). Without it, the URLs go out without credentials (STUN).
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>How long a handed-out TURN credential stays valid (coturn refuses it afterwards; running allocations continue).</summary>
    public TimeSpan CredentialLifetime { get; set; } = TimeSpan.FromHours(4);
}
