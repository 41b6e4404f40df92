using Prometheus;

namespace MediaCore.ControlPlane.Common;

/// <summary>
/// The ControlPlane's own Prometheus series at <c>GET /metrics</c> (beside prometheus-net's
/// <c>http_request_duration_seconds{endpoint,method,code}</c> for API latency and the process/.NET series).
/// Dashboard: monitoring/grafana/dashboards/controlplane.json.
/// </summary>
public static class ControlPlaneMetrics
{
    /// <summary>Check-in events uploaded by attendance machines, by outcome: created, duplicate (a resend), rejected.</summary>
    public static readonly Counter CheckIns = Prometheus.Metrics.CreateCounter("controlplane_checkins_ingested_total",
        "Check-in events received from attendance machines, by outcome (created, duplicate, rejected).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    /// <summary>Seconds from a MediaServer event (its <c>at</c>) to its verified receipt here, by event.</summary>
    public static readonly Histogram WebhookLag = Prometheus.Metrics.CreateHistogram("controlplane_webhook_lag_seconds",
        "Seconds from a MediaServer webhook's event time to its receipt by the ControlPlane (retries and queueing show here).",
        new HistogramConfiguration
        {
            LabelNames = ["event"],
            Buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        });

    /// <summary>Verified webhooks by event and what the receiver did (applied, duplicate, ignored).</summary>
    public static readonly Counter Webhooks = Prometheus.Metrics.CreateCounter("controlplane_webhooks_total",
        "Signed MediaServer webhooks received, by event and status (applied, duplicate, ignored).",
        new CounterConfiguration { LabelNames = ["event", "status"] });
}
