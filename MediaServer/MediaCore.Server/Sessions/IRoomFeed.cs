using MediaCore.Routing;

namespace MediaCore.Server.Sessions;

/// <summary>
/// A publisher in a room that is not a WebRTC or SIP session: a plain-RTP ingest (ffmpeg, a pulled RTSP camera; kind
/// <c>ingest</c>) or a file publisher (scheduled playback; kind <c>playback</c>). The room API and the cluster directory list
/// it (session id = its id, role speaker), so other nodes of a cluster find its tracks and relay them; it sends no webhooks
/// (a camera pulled into a meeting, or courseware played into it, is not a site's attendance).
/// </summary>
public interface IRoomFeed
{
    /// <summary>The ingest's or the playback's id (its session id in the room API and the directory).</summary>
    string Id { get; }
    MediaRoom Room { get; }
    string ParticipantId { get; }
    /// <summary><c>ingest</c> or <c>playback</c>.</summary>
    string Kind { get; }
    DateTimeOffset StartedAt { get; }
    IEnumerable<Producer> Producers { get; }
}
