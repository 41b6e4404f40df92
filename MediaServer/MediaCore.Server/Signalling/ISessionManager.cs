using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;

namespace MediaCore.Server.Signalling;

/// <summary>
/// The seam between HTTP signalling (WHIP/WHEP) and the per-peer WebRTC sessions (ICE-lite, DTLS, SRTP,
/// RTP/RTCP, Router). The HTTP layer authenticates and authorizes before calling; an implementation only
/// deals with media. Calls may come concurrently from many request threads.
/// </summary>
public interface ISessionManager
{
    /// <summary>
    /// WHIP (RFC 9725 §4.2): negotiates <paramref name="offerSdp"/> for a publisher and returns the answer,
    /// or a typed error. On error nothing may remain allocated (no session, no ICE credentials in tables);
    /// the same holds when <paramref name="cancellationToken"/> fires (the HTTP client went away).
    /// </summary>
    ValueTask<SessionResult> PublishAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken);

    /// <summary>WHEP: like <see cref="PublishAsync"/> for a receive-only subscriber of the room's program.</summary>
    ValueTask<SessionResult> SubscribeAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken);

    /// <summary>The live session with this id in this room, or null. Used to authorize DELETE.</summary>
    SessionInfo? FindSession(RoomId room, string sessionId);

    /// <summary>Ends a session (RFC 9725 §4.2: DELETE of the session URL). False when it was not found.</summary>
    ValueTask<bool> CloseAsync(RoomId room, string sessionId, CancellationToken cancellationToken);

    /// <summary>Ends every session at host shutdown (before the UDP socket closes, so goodbyes can still be sent).</summary>
    ValueTask ShutdownAsync(CancellationToken cancellationToken);
}

/// <summary>Which direction a session carries media, as seen from the server.</summary>
public enum SessionKind
{
    /// <summary>WHIP: the peer sends media.</summary>
    Publisher,
    /// <summary>WHEP: the peer receives media.</summary>
    Subscriber,
}

/// <summary>Who owns a live session.</summary>
/// <param name="SessionId">Opaque URL-safe id chosen by the session manager (unguessable: it is part of the resource URL).</param>
public sealed record SessionInfo(string SessionId, RoomId Room, SessionKind Kind, string ParticipantId, ParticipantRole Role);

/// <summary>Result of <see cref="ISessionManager.PublishAsync"/> / <see cref="ISessionManager.SubscribeAsync"/>.</summary>
public abstract record SessionResult
{
    private SessionResult() { }

    /// <summary>The session exists; answer with 201 Created.</summary>
    /// <param name="SessionId">Becomes the last segment of the <c>Location</c> URL.</param>
    /// <param name="AnswerSdp">The SDP answer (RFC 8829 / RFC 9725 §4.2).</param>
    /// <param name="ETag">Optional entity tag of the ICE session (RFC 9725 §4.3.1), sent as <c>ETag</c>.</param>
    public sealed record Created(string SessionId, string AnswerSdp, string? ETag = null) : SessionResult;

    /// <summary>No session was created.</summary>
    /// <param name="Reason">Human-readable, returned in the problem details; must not leak secrets.</param>
    public sealed record Rejected(SessionError Error, string Reason) : SessionResult;

    /// <summary>Shorthand for a rejection.</summary>
    public static Rejected Reject(SessionError error, string reason) => new(error, reason);
}

/// <summary>Why a session was not created; the HTTP layer maps each to a status code.</summary>
public enum SessionError
{
    /// <summary>400: the offer does not parse, lacks ICE/DTLS attributes, or has nothing negotiable.</summary>
    InvalidOffer,
    /// <summary>404: the room does not exist and may not be created by this request.</summary>
    RoomNotFound,
    /// <summary>409: the room is full or the participant already has a conflicting session.</summary>
    Conflict,
    /// <summary>503 with Retry-After: overloaded or draining; try again later or another node.</summary>
    Unavailable,
    /// <summary>501: media sessions are not wired in this build (the stub).</summary>
    NotImplemented,
}
