using System.Collections.Concurrent;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;

namespace MediaCore.Server.Tests.Infrastructure;

/// <summary>
/// A session manager that answers every offer containing "v=0" with a canned answer and records the
/// session in the <see cref="InMemoryRoomDirectory"/>; anything else is rejected as an invalid offer.
/// </summary>
internal sealed class FakeSessionManager(InMemoryRoomDirectory directory) : ISessionManager
{
    public const string Answer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
    private int _next;

    public ConcurrentQueue<(RoomId Room, ParticipantInfo Participant, SessionKind Kind, string Offer)> Calls { get; } = new();
    public int ShutdownCalls;

    public ValueTask<SessionResult> PublishAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken)
        => Create(room, participant, SessionKind.Publisher, offerSdp);

    public ValueTask<SessionResult> SubscribeAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken)
        => Create(room, participant, SessionKind.Subscriber, offerSdp);

    private ValueTask<SessionResult> Create(RoomId room, ParticipantInfo participant, SessionKind kind, string offer)
    {
        Calls.Enqueue((room, participant, kind, offer));
        if (!offer.StartsWith("v=0", StringComparison.Ordinal))
            return ValueTask.FromResult<SessionResult>(SessionResult.Reject(SessionError.InvalidOffer, "offer must start with v=0 (RFC 8866 §5.1)"));
        var id = $"s{Interlocked.Increment(ref _next)}";
        IReadOnlyList<TrackDto> tracks = kind == SessionKind.Publisher
            ? [new TrackDto("audio", "0", "opus", [1111], [], 0), new TrackDto("video", "1", "VP8", [2221, 2222, 2223], ["q", "h", "f"], 0)]
            : [];
        directory.AddSession(new SessionInfo(id, room, kind, participant.Id, participant.Role), participant.DisplayName, tracks);
        return ValueTask.FromResult<SessionResult>(new SessionResult.Created(id, Answer, "abc"));
    }

    public SessionInfo? FindSession(RoomId room, string sessionId) => directory.FindSession(room, sessionId);

    public ValueTask<bool> CloseAsync(RoomId room, string sessionId, CancellationToken cancellationToken)
        => ValueTask.FromResult(directory.RemoveSession(room, sessionId));

    public ValueTask ShutdownAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ShutdownCalls);
        directory.Clear();
        return ValueTask.CompletedTask;
    }
}
