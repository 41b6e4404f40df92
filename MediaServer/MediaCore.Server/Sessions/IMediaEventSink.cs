namespace MediaCore.Server.Sessions;

/// <summary>Observes sessions starting and ending (webhooks, metrics). Called under <see cref="MediaEngine.Gate"/>: must not block.</summary>
public interface IMediaEventSink
{
    void SessionStarted(PeerSession session);
    void SessionEnded(PeerSession session);

    /// <summary>A plain-RTP ingest or a SIP terminal joined <paramref name="room"/> (not a WebRTC session: no webhook).</summary>
    void EndpointStarted(MediaRoom room, MediaEndpoint endpoint) { }

    void EndpointEnded(MediaRoom room, MediaEndpoint endpoint) { }
}

/// <summary>A room member that is not a WebRTC session: a plain-RTP ingest (kind <c>ingest</c>) or a SIP terminal (<c>sip</c>).</summary>
public sealed record MediaEndpoint(string Id, string ParticipantId, string Kind, DateTimeOffset JoinedAt)
{
    public const string Ingest = "ingest", Sip = "sip";
}
