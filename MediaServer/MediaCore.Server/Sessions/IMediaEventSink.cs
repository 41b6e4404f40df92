namespace MediaCore.Server.Sessions;

/// <summary>Observes sessions starting and ending (webhooks, metrics). Called under <see cref="MediaEngine.Gate"/>: must not block.</summary>
public interface IMediaEventSink
{
    void SessionStarted(PeerSession session);
    void SessionEnded(PeerSession session);
}
