using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Rtcp;
using MediaCore.Routing;
using Prometheus;
using PromMetrics = Prometheus.Metrics;

namespace MediaCore.Server.Metrics;

/// <summary>
/// The MediaServer's Prometheus instruments that are updated as events happen (process-wide, like
/// prometheus-net's default registry). State that is cheaper to read than to track (rooms, participants,
/// producers, consumers, per-consumer NACK/RTX counts) is sampled at scrape time by
/// <see cref="MediaEngineCollector"/>. Every series is listed in README.md ("Observability").
/// </summary>
/// <remarks>
/// Cardinality: the only label with an open value set is <c>room</c>, on <c>mediacore_room_participants</c>
/// alone, capped at <see cref="MediaEngineCollector.MaxRoomSeries"/> rooms (the rest are summed under
/// <c>room="_other"</c>). Every other label has a fixed, small value set.
/// </remarks>
public static class MediaMetrics
{
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
    private static readonly double[] TickBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05];

    /// <summary>UDP datagrams received on the media port.</summary>
    public static readonly Counter DatagramsIn = PromMetrics.CreateCounter("mediacore_udp_datagrams_received_total", "UDP datagrams received on the media port.");
    /// <summary>UDP bytes received on the media port.</summary>
    public static readonly Counter BytesIn = PromMetrics.CreateCounter("mediacore_udp_bytes_received_total", "UDP payload bytes received on the media port.");
    /// <summary>UDP datagrams sent from the media port.</summary>
    public static readonly Counter DatagramsOut = PromMetrics.CreateCounter("mediacore_udp_datagrams_sent_total", "UDP datagrams sent from the media port.");
    /// <summary>UDP bytes sent from the media port.</summary>
    public static readonly Counter BytesOut = PromMetrics.CreateCounter("mediacore_udp_bytes_sent_total", "UDP payload bytes sent from the media port.");
    /// <summary>Sends the kernel refused (ENOBUFS and the like).</summary>
    public static readonly Counter SendFailures = PromMetrics.CreateCounter("mediacore_udp_send_failures_total", "UDP sends the kernel refused.");
    /// <summary>System calls that sent media datagrams: a <c>sendmmsg</c> batch counts once, so datagrams_sent / this is the batch size.</summary>
    public static readonly Counter SendCalls = PromMetrics.CreateCounter("mediacore_udp_send_calls_total", "System calls (sendmmsg batches or sendto) that sent media datagrams.");

    /// <summary>
    /// Time to handle one received datagram (lock wait + demux + unprotect + route + protect + send to every
    /// subscriber): the forwarding loop's per-packet lag. Sampled (1 in <see cref="HandleSampleEvery"/>).
    /// </summary>
    public static readonly Histogram DatagramHandleSeconds = PromMetrics.CreateHistogram("mediacore_forwarding_datagram_seconds",
        "Time to handle one received datagram on the UDP receive thread (sampled).",
        new HistogramConfiguration { Buckets = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05] });

    /// <summary>One datagram in this many is timed for <see cref="DatagramHandleSeconds"/>.</summary>
    public const int HandleSampleEvery = 16;

    /// <summary>WHIP/WHEP POST to ICE+DTLS connected, by session kind ("publisher", "subscriber").</summary>
    public static readonly Histogram JoinSeconds = PromMetrics.CreateHistogram("mediacore_join_seconds",
        "Time from the WHIP/WHEP POST to a connected transport (ICE + DTLS).",
        new HistogramConfiguration { LabelNames = ["kind"], Buckets = LatencyBuckets });

    /// <summary>Server-side CPU time of one DTLS handshake that connected (the join path's cost per site).</summary>
    public static readonly Histogram DtlsHandshakeCpuSeconds = PromMetrics.CreateHistogram("mediacore_dtls_handshake_cpu_seconds",
        "CPU time of one server-side DTLS handshake (thread CPU clock), connected handshakes only.",
        new HistogramConfiguration { Buckets = [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1] });

    /// <summary>Transport outcomes: connected, ice_failed, dtls_failed, closed.</summary>
    public static readonly Counter TransportOutcomes = PromMetrics.CreateCounter("mediacore_transport_outcomes_total",
        "WebRTC transport outcomes: connected, ice_failed, dtls_failed, closed.",
        new CounterConfiguration { LabelNames = ["outcome"] });

    /// <summary>WHIP/WHEP sessions created, by kind.</summary>
    public static readonly Counter SessionsCreated = PromMetrics.CreateCounter("mediacore_sessions_created_total",
        "WHIP/WHEP sessions created.", new CounterConfiguration { LabelNames = ["kind"] });

    /// <summary>PLIs the server sent to publishers.</summary>
    public static readonly Counter PliSent = PromMetrics.CreateCounter("mediacore_pli_sent_total", "Picture loss indications sent to publishers.");
    /// <summary>PLI/FIR received from subscribers.</summary>
    public static readonly Counter PliReceived = PromMetrics.CreateCounter("mediacore_pli_received_total", "PLI/FIR key-frame requests received from subscribers.");
    /// <summary>NACK packets the server sent to publishers.</summary>
    public static readonly Counter NacksSent = PromMetrics.CreateCounter("mediacore_nack_sent_total", "Generic NACK packets sent to publishers.");
    /// <summary>NACK packets received from subscribers.</summary>
    public static readonly Counter NacksReceived = PromMetrics.CreateCounter("mediacore_nack_received_total", "Generic NACK packets received from subscribers.");

    /// <summary>Fraction lost reported by subscribers' receiver reports (RFC 3550 §6.4.1), 0..1.</summary>
    public static readonly Histogram RtcpFractionLost = PromMetrics.CreateHistogram("mediacore_rtcp_fraction_lost",
        "Fraction lost in subscribers' RTCP receiver report blocks (0..1).",
        new HistogramConfiguration { LabelNames = ["kind"], Buckets = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5] });

    /// <summary>Interarrival jitter reported by subscribers, in seconds.</summary>
    public static readonly Histogram RtcpJitterSeconds = PromMetrics.CreateHistogram("mediacore_rtcp_jitter_seconds",
        "Interarrival jitter in subscribers' RTCP receiver report blocks, seconds.",
        new HistogramConfiguration { LabelNames = ["kind"], Buckets = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25] });

    /// <summary>
    /// Duration of one audio mixer tick (decode the loudest, mix, encode). The mixer calls
    /// <c>MediaMetrics.MixerTickSeconds.Observe(seconds)</c> once per tick.
    /// </summary>
    public static readonly Histogram MixerTickSeconds = PromMetrics.CreateHistogram("mediacore_mixer_tick_seconds",
        "Duration of one audio mixer tick.", new HistogramConfiguration { Buckets = TickBuckets });

    /// <summary>Records the report blocks of a subscriber's receiver report about its consumers' SSRCs.</summary>
    public static void ObserveReceiverReport(ReadOnlySpan<byte> rtcp, IReadOnlyList<Consumer> consumers)
    {
        if (!ReceiverReport.TryParse(rtcp, out var rr)) return;
        foreach (var block in rr.ReportBlocks)
        {
            for (int i = 0; i < consumers.Count; i++)
            {
                var c = consumers[i];
                if (c.Ssrc.Value != block.Ssrc || c.ClockRate == 0) continue;
                string kind = c.Kind == MediaKind.Video ? "video" : "audio";
                RtcpFractionLost.WithLabels(kind).Observe(block.FractionLost / 256.0);
                RtcpJitterSeconds.WithLabels(kind).Observe(block.Jitter / (double)c.ClockRate);
                break;
            }
        }
    }

    /// <summary>Counts a transport's end by its close reason ("ICE: ...", "DTLS: ...", else closed).</summary>
    public static void ObserveClosed(string reason)
    {
        string outcome = reason.StartsWith("ICE", StringComparison.Ordinal) ? "ice_failed"
            : reason.StartsWith("DTLS: close_notify", StringComparison.Ordinal) ? "closed"
            : reason.StartsWith("DTLS", StringComparison.Ordinal) ? "dtls_failed"
            : "closed";
        TransportOutcomes.WithLabels(outcome).Inc();
    }
}
