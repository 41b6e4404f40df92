using System.Collections.Concurrent;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;

namespace MediaCore.Browser.Tests.Infrastructure;

/// <summary>Answers like the unwired stub (501) but keeps every offer, so a test can see what Chromium sent.</summary>
public sealed class CapturingSessionManager : ISessionManager
{
    public ConcurrentQueue<(RoomId Room, ParticipantInfo Participant, SessionKind Kind, string Offer)> Offers { get; } = new();

    private static readonly SessionResult NotWired = SessionResult.Reject(SessionError.NotImplemented, "not wired");

    public ValueTask<SessionResult> PublishAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken)
    {
        Offers.Enqueue((room, participant, SessionKind.Publisher, offerSdp));
        return ValueTask.FromResult(NotWired);
    }

    public ValueTask<SessionResult> SubscribeAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken)
    {
        Offers.Enqueue((room, participant, SessionKind.Subscriber, offerSdp));
        return ValueTask.FromResult(NotWired);
    }

    public SessionInfo? FindSession(RoomId room, string sessionId) => null;
    public ValueTask<bool> CloseAsync(RoomId room, string sessionId, CancellationToken cancellationToken) => ValueTask.FromResult(false);
    public ValueTask ShutdownAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
