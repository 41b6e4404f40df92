namespace MediaCore.ControlPlane.Meetings;

public sealed partial class MediaServerClient
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "No snapshot for {Participant} in {Room}: MediaServer answered {Status}")]
        public static partial void SnapshotRefused(ILogger logger, string participant, string room, int status);

        [LoggerMessage(2, LogLevel.Information, "No snapshot for {Participant} in {Room}: MediaServer unreachable ({Error})")]
        public static partial void MediaServerUnreachable(ILogger logger, string participant, string room, string error);
    }
}

internal sealed partial class SnapshotWorker
{
    private static partial class Log
    {
        [LoggerMessage(3, LogLevel.Warning, "Snapshot for site {Site} failed")]
        public static partial void SnapshotFailed(ILogger logger, Exception e, int site);

        [LoggerMessage(4, LogLevel.Warning, "Scheduling interval snapshots failed")]
        public static partial void SchedulingFailed(ILogger logger, Exception e);
    }
}
