using MediaCore.Server.Timers;
using MediaCore.Server.Udp;
using Prometheus;

namespace MediaCore.Server.Metrics;

/// <summary>
/// Node-level series of the media host, exported at <c>/metrics</c> (Prometheus text format). The hot path
/// only bumps its own Interlocked counters; they are copied into the collectors when Prometheus scrapes,
/// so metrics cost nothing per packet. Other components register their collectors in the same
/// <see cref="CollectorRegistry"/> (a DI singleton, one per app so tests don't share state).
/// </summary>
/// <remarks>A hosted service so the collectors are created at start, after options validation, not at build.</remarks>
public sealed class HostMetrics(CollectorRegistry registry, UdpEndpoint udp, UdpEndpointHost udpHost, TimerWheel timers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        var received = factory.CreateCounter("mediacore_udp_datagrams_received_total", "Datagrams received on the media UDP port.");
        var sent = factory.CreateCounter("mediacore_udp_datagrams_sent_total", "Datagrams sent from the media UDP port.");
        var sendFailures = factory.CreateCounter("mediacore_udp_send_failures_total", "Datagrams the OS refused or that could not be addressed.");
        var handlerFailures = factory.CreateCounter("mediacore_udp_handler_failures_total", "Datagrams whose handler threw.");
        var scheduled = factory.CreateGauge("mediacore_timer_wheel_targets", "Components with a pending timeout in the timer wheel.");
        registry.AddBeforeCollectCallback(() =>
        {
            received.IncTo(udpHost.DatagramsReceived);
            sent.IncTo(udp.DatagramsSent);
            sendFailures.IncTo(udp.SendFailures);
            handlerFailures.IncTo(udpHost.HandlerFailures);
            scheduled.Set(timers.Count);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
