namespace MediaCore.Server.Options;

/// <summary>SIP terminals (section <c>MediaServer:Sip</c>): off unless <see cref="Port"/> is set.</summary>
public sealed class SipOptions
{
    /// <summary>UDP and TCP port of the SIP user agent server (5060 is SIP's); unset (default): no SIP. 0: any free port (tests).</summary>
    public int? Port { get; set; }

    /// <summary>Digest realm terminals are challenged with (shown by phones next to the password prompt).</summary>
    public string Realm { get; set; } = "mediacore";

    /// <summary>First UDP port for call media (RTP on even ports, RTCP on the next); 0 (default): any free port pair.</summary>
    public int RtpMinPort { get; set; }

    /// <summary>Last UDP port for call media (with <see cref="RtpMinPort"/>); open this range on the firewall.</summary>
    public int RtpMaxPort { get; set; }

    /// <summary>Calls at once on this node.</summary>
    public int MaxCalls { get; set; } = 500;

    /// <summary>
    /// The ControlPlane's terminal account look-up, e.g. <c>http://127.0.0.1:8090/api/media/sip-accounts</c>: before a
    /// terminal's REGISTER or INVITE is accepted MediaServer asks it whether the device is enabled and for its credential
    /// generation, so disabling, deleting or resetting a terminal there refuses it (403) on every node. Unset: terminals are
    /// checked by their derived password only (no per-terminal revocation; a warning is logged at start).
    /// </summary>
    public string? AccountsUrl { get; set; }

    /// <summary>How long an answer of <see cref="AccountsUrl"/> is used before it is asked again (0: ask for every REGISTER and INVITE).</summary>
    public TimeSpan AccountCacheTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A call whose terminal sends no RTP for this long is ended with a BYE (a terminal that vanished).</summary>
    public TimeSpan MediaTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
