using MediaCore.Server.Sessions;
using Prometheus;
using PromMetrics = Prometheus.Metrics;

namespace MediaCore.Server.Cluster;

/// <summary>
/// Per relay link series, read from the links at each scrape (labels: <c>local</c> this node (not <c>node</c>: Prometheus configurations put that on targets), <c>peer</c> the other end,
/// <c>direction</c> <c>out</c> = sent to the peer, <c>in</c> = received from it). Bitrate is <c>rate(..._bytes_total[1m]) * 8</c>.
/// </summary>
internal static class RelayMetrics
{
    private static readonly Lock s_gate = new();
    private static readonly Dictionary<MediaEngine, string> s_engines = [];
    private static bool s_registered;
    // Counters of closed links, so a (node, peer) series keeps counting up across link restarts.
    private static readonly Dictionary<(string Node, string Peer), (long PacketsOut, long PacketsIn, long BytesOut, long BytesIn, long Rtx, long Lost)> s_retired = [];

    private static readonly Counter Packets = PromMetrics.CreateCounter("mediacore_relay_link_packets_total",
        "RTP packets on relay links (retransmissions included).", new CounterConfiguration { LabelNames = ["local", "peer", "direction"] });
    private static readonly Counter Bytes = PromMetrics.CreateCounter("mediacore_relay_link_bytes_total",
        "SRTP bytes of RTP on relay links.", new CounterConfiguration { LabelNames = ["local", "peer", "direction"] });
    private static readonly Counter Rtx = PromMetrics.CreateCounter("mediacore_relay_link_rtx_packets_total",
        "Retransmissions sent on relay links on the peer's NACK.", new CounterConfiguration { LabelNames = ["local", "peer"] });
    private static readonly Counter Lost = PromMetrics.CreateCounter("mediacore_relay_link_lost_packets_total",
        "Packets missing on the way in (RFC 3550 A.3, before repair).", new CounterConfiguration { LabelNames = ["local", "peer"] });
    private static readonly Gauge LossOut = PromMetrics.CreateGauge("mediacore_relay_link_fraction_lost",
        "Fraction lost the peer last reported about what this node sends it.", new GaugeConfiguration { LabelNames = ["local", "peer"] });
    private static readonly Gauge Rtt = PromMetrics.CreateGauge("mediacore_relay_link_rtt_seconds",
        "Round trip of the link from the peer's receiver reports.", new GaugeConfiguration { LabelNames = ["local", "peer"] });
    private static readonly Gauge Tracks = PromMetrics.CreateGauge("mediacore_relay_link_tracks",
        "Tracks a link carries (one copy each).", new GaugeConfiguration { LabelNames = ["local", "peer", "direction"] });

    /// <summary>Creates the families (a single node lists them empty, so dashboards can name them everywhere).</summary>
    public static void Declare() => GC.KeepAlive(new object[] { Packets, Bytes, Rtx, Lost, LossOut, Rtt, Tracks });

    public static void Register(MediaEngine engine, string node)
    {
        lock (s_gate)
        {
            s_engines[engine] = node;
            if (s_registered) return;
            s_registered = true;
            PromMetrics.DefaultRegistry.AddBeforeCollectCallback(Collect);
        }
    }

    public static void Unregister(MediaEngine engine)
    {
        lock (s_gate) s_engines.Remove(engine);
    }

    /// <summary>Keeps a closing link's counters (called under the engine's gate).</summary>
    public static void Retire(RelayLink l)
    {
        lock (s_gate)
        {
            var r = s_retired.GetValueOrDefault((l.LocalNode, l.PeerNode));
            s_retired[(l.LocalNode, l.PeerNode)] = (r.PacketsOut + l.PacketsOut, r.PacketsIn + l.PacketsIn, r.BytesOut + l.BytesOut,
                r.BytesIn + l.BytesIn, r.Rtx + l.RtxOut, r.Lost + l.LostIn);
        }
    }

    private static void Collect()
    {
        lock (s_gate)
        {
            foreach (var (engine, node) in s_engines)
            {
                lock (engine.Gate)
                {
                    foreach (var (key, r) in s_retired)
                    {
                        if (key.Node != node || engine.RelayLinks.Any(l => l.PeerNode == key.Peer)) continue;
                        Packets.WithLabels(node, key.Peer, "out").IncTo(r.PacketsOut);
                        Packets.WithLabels(node, key.Peer, "in").IncTo(r.PacketsIn);
                        Tracks.WithLabels(node, key.Peer, "out").Set(0);
                        Tracks.WithLabels(node, key.Peer, "in").Set(0);
                    }
                    foreach (var l in engine.RelayLinks)
                    {
                        var r = s_retired.GetValueOrDefault((node, l.PeerNode));
                        Packets.WithLabels(node, l.PeerNode, "out").IncTo(r.PacketsOut + l.PacketsOut);
                        Packets.WithLabels(node, l.PeerNode, "in").IncTo(r.PacketsIn + l.PacketsIn);
                        Bytes.WithLabels(node, l.PeerNode, "out").IncTo(r.BytesOut + l.BytesOut);
                        Bytes.WithLabels(node, l.PeerNode, "in").IncTo(r.BytesIn + l.BytesIn);
                        Rtx.WithLabels(node, l.PeerNode).IncTo(r.Rtx + l.RtxOut);
                        Lost.WithLabels(node, l.PeerNode).IncTo(r.Lost + l.LostIn);
                        LossOut.WithLabels(node, l.PeerNode).Set(l.LossOut);
                        if (l.RoundTripTime is { } rtt) Rtt.WithLabels(node, l.PeerNode).Set(rtt.TotalSeconds);
                        Tracks.WithLabels(node, l.PeerNode, "out").Set(l.OutboundTracks);
                        Tracks.WithLabels(node, l.PeerNode, "in").Set(l.InboundTracks);
                    }
                }
            }
        }
    }
}
