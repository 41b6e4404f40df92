using MediaCore.Server.Signalling;

namespace MediaCore.Server.Sessions;

/// <summary>
/// Observes sessions starting and ending (webhooks, the cluster directory): WHIP/WHEP sessions and SIP calls alike.
/// Called under <see cref="MediaEngine.Gate"/>: must not block.
/// </summary>
public interface IMediaEventSink
{
    void SessionStarted(SessionInfo session, string? displayName, DateTimeOffset joinedAt);
    void SessionEnded(SessionInfo session, string? displayName, DateTimeOffset joinedAt);
}
