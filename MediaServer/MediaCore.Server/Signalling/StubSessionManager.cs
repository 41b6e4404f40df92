using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;

namespace MediaCore.Server.Signalling;

/// <summary>
/// Placeholder until the WebRTC session wiring lands: every offer is answered with 501 (nothing created),
/// while lookup/close/shutdown work against the <see cref="InMemoryRoomDirectory"/>, so the whole HTTP
/// surface (auth, CORS, status codes) runs and is tested now.
/// </summary>
public sealed class StubSessionManager(InMemoryRoomDirectory directory) : ISessionManager
{
    private static readonly SessionResult NotWired =
        SessionResult.Reject(SessionError.NotImplemented, "media sessions are not wired into this build yet");

    public ValueTask<SessionResult> PublishAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken)
        => ValueTask.FromResult(NotWired);

    public ValueTask<SessionResult> SubscribeAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken)
        => ValueTask.FromResult(NotWired);

    public SessionInfo? FindSession(RoomId room, string sessionId) => directory.FindSession(room, sessionId);

    public ValueTask<bool> CloseAsync(RoomId room, string sessionId, CancellationToken cancellationToken)
        => ValueTask.FromResult(directory.RemoveSession(room, sessionId));

    public ValueTask ShutdownAsync(CancellationToken cancellationToken)
    {
        directory.Clear();
        return ValueTask.CompletedTask;
    }
}
