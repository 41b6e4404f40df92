using MediaCore.Server.Signalling;

namespace MediaCore.Server.Sessions;

/// <summary>
/// Observes sessions starting and ending (webhooks, the cluster directory): WHIP/WHEP sessions and SIP calls alike; and, for
/// the cluster, ingests, file publishers and changes of a room's host controls. Called under <see cref="MediaEngine.Gate"/>: must not block.
/// </summary>
public interface IMediaEventSink
{
    void SessionStarted(SessionInfo session, string? displayName, DateTimeOffset joinedAt);
    void SessionEnded(SessionInfo session, string? displayName, DateTimeOffset joinedAt);

    /// <summary>
    /// A plain-RTP ingest (ffmpeg, a pulled RTSP camera) opened in its room, or a file publisher started playing there. Not a
    /// session: no webhook; the cluster directory lists it so other nodes find and relay it (<see cref="IRoomFeed"/>).
    /// </summary>
    void FeedStarted(IRoomFeed feed) { }

    /// <summary>The ingest closed, or the file publisher stopped.</summary>
    void FeedEnded(IRoomFeed feed) { }

    /// <summary>The room API changed the room's floor or audio settings (mode, N, mute, pin) on this node.</summary>
    void RoomControlsChanged(Rooms.RoomId room) { }
}
