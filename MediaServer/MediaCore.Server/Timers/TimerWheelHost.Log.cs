namespace MediaCore.Server.Timers;

public sealed partial class TimerWheelHost
{
    [LoggerMessage(Level = LogLevel.Error, Message = "A timer target threw from HandleTimeout")]
    private partial void LogTargetFailed(Exception exception);
}
