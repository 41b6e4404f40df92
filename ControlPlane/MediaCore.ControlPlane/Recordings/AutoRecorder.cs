using System.Threading.Channels;

namespace MediaCore.ControlPlane.Recordings;

/// <summary>
/// Automatic recording of the meeting kinds in <c>ControlPlane:Recording:AutoStartKinds</c>: the webhook receiver
/// enqueues "start" when such a meeting's first publisher joins and "stop" when its last publisher leaves; this
/// worker makes the MediaServer calls off the webhook's path, retrying a few times when MediaServer is away.
/// </summary>
public sealed partial class AutoRecorder(IServiceProvider services, ILogger<AutoRecorder> log) : BackgroundService
{
    private readonly Channel<(string Room, bool Start)> _queue = Channel.CreateBounded<(string, bool)>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Requests a start or stop of the room's recording.</summary>
    public void Enqueue(string room, bool start) => _queue.Writer.TryWrite((room, start));

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (room, start) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                var mediaServer = services.GetRequiredService<MediaRecordingClient>();
                for (int attempt = 0; attempt < 4; attempt++)
                {
                    if (start ? await mediaServer.StartAsync(room, stoppingToken) : await mediaServer.StopAsync(room, stoppingToken))
                    {
                        Log.Done(log, start ? "started" : "stopped", room);
                        break;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(1 << attempt), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Automatic recording {What} for room {Room}")]
        public static partial void Done(ILogger logger, string what, string room);
    }
}
