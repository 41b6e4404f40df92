using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;

namespace MediaCore.Server.Signalling;

/// <summary>
/// One log line per session start and end, with who and in which role: docs/architecture.md asks that every observer
/// (silent listen-in) start and stop be audited, and the same record helps operators for every role.
/// Category <c>MediaCore.Server.Signalling.SessionAudit</c>, so it can be routed to its own sink.
/// </summary>
public sealed partial class SessionAudit(ILogger<SessionAudit> logger)
{
    public void Started(RoomId room, SessionKind kind, string sessionId, ParticipantInfo participant)
    {
        if (logger.IsEnabled(LogLevel.Information)) LogStarted(room.Value, kind, sessionId, participant.Id, participant.Role.ToClaim());
    }

    public void Ended(RoomId room, SessionInfo session, MediaToken requester)
    {
        if (logger.IsEnabled(LogLevel.Information))
            LogEnded(room.Value, session.Kind, session.SessionId, session.ParticipantId, session.Role.ToClaim(), requester.Subject);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session started: room {Room}, {Kind} {SessionId}, participant {Participant} ({Role})")]
    private partial void LogStarted(string room, SessionKind kind, string sessionId, string participant, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session ended: room {Room}, {Kind} {SessionId}, participant {Participant} ({Role}), by {Requester}")]
    private partial void LogEnded(string room, SessionKind kind, string sessionId, string participant, string role, string requester);
}
