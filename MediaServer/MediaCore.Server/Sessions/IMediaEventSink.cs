using MediaCore.Server.Signalling;

namespace MediaCore.Server.Sessions;

/// <summary>
/// Observes sessions starting and ending (webhooks, the cluster directory): WHIP/WHEP sessions and SIP calls alike; and, for
/// the cluster, ingests and changes of a room's host controls. Called under <see cref="MediaEngine.Gate"/>: must not block.
/// </summary>
public interface IMediaEventSink
{
    void SessionStarted(SessionInfo session, string? displayName, DateTimeOffset joinedAt);
    void SessionEnded(SessionInfo session, string? displayName, DateTimeOffset joinedAt);

    /// <summary>
    /// A plain-RTP ingest (ffmpeg, a pulled RTSP camera) opened in its room. Not a session: no webhook (a camera pulled into a
    /// meeting is not the site's attendance); the cluster directory lists it so other nodes find and relay it.
    /// </summary>
    void IngestStarted(Ingest.RtpIngest ingest) { }

    /// <summary>The ingest closed.</summary>
    void IngestEnded(Ingest.RtpIngest ingest) { }

    /// <summary>The room API changed the room's floor or audio settings (mode, N, mute, pin) on this node.</summary>
    void RoomControlsChanged(Rooms.RoomId room) { }
}
