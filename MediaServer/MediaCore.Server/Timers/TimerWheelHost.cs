using MediaCore.Server.Options;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Timers;

/// <summary>
/// Drives the shared <see cref="TimerWheel"/> from <see cref="MediaClock"/> on one dedicated thread: wake each
/// resolution, <see cref="TimerWheel.Advance"/>, sleep. Target exceptions are logged and the loop goes on.
/// </summary>
public sealed partial class TimerWheelHost(TimerWheel wheel, MediaClock clock, IOptions<MediaServerOptions> options, ILogger<TimerWheelHost> logger)
    : IHostedService, IDisposable
{
    private readonly ManualResetEventSlim _stop = new();
    private Thread? _thread;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "mediacore-timers" };
        _thread.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stop.Set();
        _thread?.Join();
        return Task.CompletedTask;
    }

    private void Run()
    {
        int periodMs = Math.Max(1, (int)options.Value.TimerResolution.TotalMilliseconds);
        while (!_stop.Wait(periodMs))
        {
            try
            {
                wheel.Advance(clock.NowTicks);
            }
            catch (AggregateException e)
            {
                foreach (var inner in e.InnerExceptions) LogTargetFailed(inner);
            }
        }
    }

    public void Dispose() => _stop.Dispose();
}
