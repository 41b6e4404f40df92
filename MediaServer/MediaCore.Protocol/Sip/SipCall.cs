using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sip;

/// <summary>A SIP account the registrar and INVITE challenge check (a terminal device of the ControlPlane).</summary>
/// <param name="Username">The digest username.</param>
/// <param name="Ha1">MD5(username:realm:password), hex (RFC 2617 §3.2.2.2).</param>
/// <param name="ParticipantId">Who the terminal is in a room (e.g. <c>site:12</c>).</param>
public sealed record SipAccount(string Username, string Ha1, string ParticipantId)
{
    /// <summary>
    /// Non-zero: the account may not register or call now, answered with this status and <see cref="RefuseReason"/>. A 4xx
    /// (a terminal disabled or deleted in the ControlPlane) is answered only after the password matched <see cref="Ha1"/>, so
    /// the reason is told to the terminal's owner and nobody else; a 5xx (its state could not be checked) at once.
    /// </summary>
    public int RefuseStatus { get; init; }

    /// <summary>The reason phrase of a refusal (<see cref="RefuseStatus"/>).</summary>
    public string? RefuseReason { get; init; }
}

/// <summary>What the application answers to an INVITE or re-INVITE.</summary>
/// <param name="Status">200 to accept (with <paramref name="SdpAnswer"/>), a 4xx-6xx to refuse, 0 to answer later (<see cref="SipServerCore.Answer"/>).</param>
public readonly record struct SipInviteResult(int Status, string? SdpAnswer = null, string? Reason = null)
{
    public static SipInviteResult Later => new(0);
}

/// <summary>The application behind the UAS core (MediaServer's SIP host): accounts, calls, in-dialog events.</summary>
public interface ISipApplication
{
    /// <summary>The account of a digest username, or null (unknown users get 401 again, never a hint).</summary>
    SipAccount? FindAccount(string username);

    /// <summary>A REGISTER or INVITE refused after the digest step (wrong password, or the account's refusal), for the log.</summary>
    void OnRefused(long nowTicks, string username, string method, int status, string reason)
    {
    }

    /// <summary>An authenticated INVITE to <see cref="SipCall.Target"/> with an SDP offer.</summary>
    SipInviteResult OnInvite(long nowTicks, SipCall call, string sdpOffer);

    /// <summary>A re-INVITE in an established call (hold, resume, new address).</summary>
    SipInviteResult OnReinvite(long nowTicks, SipCall call, string sdpOffer);

    /// <summary>A DTMF digit by SIP INFO (application/dtmf-relay); RTP events (RFC 4733) come through media.</summary>
    void OnDtmf(long nowTicks, SipCall call, char digit);

    /// <summary>The call ended (BYE either way, CANCEL, ACK timeout, refused answer); called once per accepted or pending call.</summary>
    void OnCallEnded(long nowTicks, SipCall call, string reason);
}

/// <summary>State of a <see cref="SipCall"/>.</summary>
public enum SipCallState
{
    /// <summary>INVITE received, final answer not sent yet (CANCEL can end it).</summary>
    Proceeding,
    /// <summary>200 OK sent, waiting for the ACK (RFC 3261 §13.3.1.4 retransmits the 200).</summary>
    Answered,
    /// <summary>ACK received: media flows.</summary>
    Confirmed,
    Ended,
}

/// <summary>One call (an INVITE dialog, RFC 3261 §12) on the UAS side.</summary>
public sealed class SipCall
{
    internal SipCall(string callId, string localTag, string remoteTag, string target, SipAccount account, PeerAddress remote,
        string remoteUri, string remoteFrom, string localTo, string? remoteContact)
    {
        CallId = callId;
        LocalTag = localTag;
        RemoteTag = remoteTag;
        Target = target;
        Account = account;
        Remote = remote;
        RemoteUri = remoteUri;
        RemoteFrom = remoteFrom;
        LocalTo = localTo;
        RemoteContact = remoteContact;
    }

    public string CallId { get; }
    public string LocalTag { get; }
    public string RemoteTag { get; }
    /// <summary>User part of the Request-URI: the room in <c>sip:{room}@host</c>.</summary>
    public string Target { get; }
    public SipAccount Account { get; }
    /// <summary>Where the INVITE came from (UDP address, or the TCP connection): responses and our requests go there.</summary>
    public PeerAddress Remote { get; internal set; }
    public string RemoteUri { get; }
    public string? RemoteContact { get; internal set; }
    public SipCallState State { get; internal set; }
    /// <summary>The application's state for this call (its media).</summary>
    public object? Application { get; set; }

    internal string RemoteFrom { get; }
    internal string LocalTo { get; }
    internal uint RemoteCSeq;
    internal uint LocalCSeq = 1;
    internal SipMessage? PendingInvite;
    internal PeerAddress PendingFrom;
    internal byte[]? Ok;
    internal long NextRetransmitAt = MediaTime.Never;
    internal long RetransmitInterval;
    internal long GiveUpAt = MediaTime.Never;
}
