using MediaCore.Protocol.Sdp;
using MediaCore.Routing;
using MediaCore.Server.Auth;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;
using MediaCore.Server.Udp;
using Prometheus;
using PromMetrics = Prometheus.Metrics;

namespace MediaCore.Server.Metrics;

/// <summary>
/// Samples the media engine's state when Prometheus scrapes (prometheus-net's before-collect callback):
/// rooms, sessions and participants by role, producers and consumers, the forwarding counters of every
/// producer and consumer (plus those of closed ones, so the totals never go down), the UDP receive
/// backlog, and thread-pool and GC gauges. Reading under <see cref="MediaEngine.Gate"/> once per scrape
/// keeps the per-packet path free of metric work.
/// </summary>
public sealed class MediaEngineCollector : IDisposable
{
    /// <summary>Rooms that get their own <c>room</c> label; the rest are summed under <c>_other</c>.</summary>
    public const int MaxRoomSeries = 100;

    private static readonly Lock s_gate = new();
    private static readonly List<MediaEngineCollector> s_live = [];
    private static bool s_registered;
    // Separate from s_gate: Retire runs under an engine's Gate, Collect takes s_gate then each Gate.
    private static readonly Lock s_retiredGate = new();
    private static readonly Totals s_retired = new();
    private static readonly HashSet<string> s_roomLabels = [];

    private static readonly Gauge Rooms = PromMetrics.CreateGauge("mediacore_rooms", "Rooms with at least one session.");
    private static readonly Gauge Participants = PromMetrics.CreateGauge("mediacore_participants", "Sessions by participant role.",
        new GaugeConfiguration { LabelNames = ["role"] });
    private static readonly Gauge Sessions = PromMetrics.CreateGauge("mediacore_sessions", "WHIP/WHEP sessions by kind and transport state.",
        new GaugeConfiguration { LabelNames = ["kind", "state"] });
    private static readonly Gauge Producers = PromMetrics.CreateGauge("mediacore_producers", "Producers (received tracks) by media kind.",
        new GaugeConfiguration { LabelNames = ["kind"] });
    private static readonly Gauge Consumers = PromMetrics.CreateGauge("mediacore_consumers", "Consumers (forwarded tracks) by media kind.",
        new GaugeConfiguration { LabelNames = ["kind"] });
    private static readonly Gauge RoomParticipants = PromMetrics.CreateGauge("mediacore_room_participants",
        $"Sessions per room (at most {MaxRoomSeries} rooms labelled; the rest under room=\"_other\").",
        new GaugeConfiguration { LabelNames = ["room"] });
    private static readonly Counter RtpIn = PromMetrics.CreateCounter("mediacore_rtp_packets_received_total", "RTP packets received by producers.",
        new CounterConfiguration { LabelNames = ["kind"] });
    private static readonly Counter RtpBytesIn = PromMetrics.CreateCounter("mediacore_rtp_bytes_received_total", "RTP bytes received by producers.",
        new CounterConfiguration { LabelNames = ["kind"] });
    private static readonly Counter RtxIn = PromMetrics.CreateCounter("mediacore_rtx_packets_received_total", "RTX retransmissions received from publishers.");
    private static readonly Counter RtpOut = PromMetrics.CreateCounter("mediacore_rtp_packets_sent_total", "RTP packets sent to subscribers: forwarded by consumers, and mixed audio.",
        new CounterConfiguration { LabelNames = ["kind"] });
    private static readonly Counter RtpBytesOut = PromMetrics.CreateCounter("mediacore_rtp_bytes_sent_total", "RTP bytes sent to subscribers: forwarded by consumers, and mixed audio.",
        new CounterConfiguration { LabelNames = ["kind"] });
    private static readonly Counter RtxOut = PromMetrics.CreateCounter("mediacore_rtx_packets_sent_total", "Retransmissions (RTX) sent to subscribers on NACK.");
    private static readonly Counter Nacked = PromMetrics.CreateCounter("mediacore_nacked_packets_total", "Packets subscribers asked for by NACK.");
    private static readonly Counter NackMisses = PromMetrics.CreateCounter("mediacore_nack_misses_total", "NACKed packets no longer in the packet cache.");
    private static readonly Counter RtxSuppressed = PromMetrics.CreateCounter("mediacore_rtx_suppressed_total",
        "NACKed packets not resent because the same subscriber had them resent less than one RTT ago (RTX storm guard).");
    private static readonly Gauge SendBacklog = PromMetrics.CreateGauge("mediacore_udp_send_backlog_datagrams",
        "Datagrams queued for the send workers, not yet handed to the kernel (growth means sending lags).");
    private static readonly Counter KeyFrameRequests = PromMetrics.CreateCounter("mediacore_keyframe_requests_total", "Key frames requested on behalf of consumers.");
    private static readonly Counter Dropped = PromMetrics.CreateCounter("mediacore_consumer_dropped_packets_total", "Packets consumers dropped (paused, waiting for a key frame, no room).");
    private static readonly Gauge ReceiveBacklog = PromMetrics.CreateGauge("mediacore_udp_receive_backlog_bytes",
        "Bytes waiting in the media socket's kernel receive queue (growth means the receive loop lags).");
    private static readonly Gauge ThreadPoolThreads = PromMetrics.CreateGauge("mediacore_threadpool_threads", "Thread-pool threads.");
    private static readonly Gauge ThreadPoolQueue = PromMetrics.CreateGauge("mediacore_threadpool_queue_length", "Work items waiting in the thread pool.");
    private static readonly Counter ThreadPoolCompleted = PromMetrics.CreateCounter("mediacore_threadpool_completed_items_total", "Thread-pool work items completed.");
    private static readonly Counter GcPause = PromMetrics.CreateCounter("mediacore_gc_pause_seconds_total", "Time the GC paused the process.");
    private static readonly Gauge GcHeap = PromMetrics.CreateGauge("mediacore_gc_heap_bytes", "GC heap size after the last collection.");
    private static readonly Counter GcCollections = PromMetrics.CreateCounter("mediacore_gc_collections_total", "GC collections by generation.",
        new CounterConfiguration { LabelNames = ["generation"] });

    private readonly MediaEngine _engine;
    private readonly UdpEndpoint? _udp;

    public MediaEngineCollector(MediaEngine engine, UdpEndpoint? udp = null)
    {
        _engine = engine;
        _udp = udp;
        lock (s_gate)
        {
            s_live.Add(this);
            if (!s_registered)
            {
                s_registered = true;
                PromMetrics.DefaultRegistry.AddBeforeCollectCallback(Collect);
            }
        }
    }

    public void Dispose()
    {
        lock (s_gate)
        {
            if (!s_live.Remove(this)) return;
            // The engine's mixers counted what they sent on the engine, not per consumer (nothing retires them): keep their
            // packets in the retired totals, or the audio counter (IncTo never lowers it) would sit still until a later
            // engine in this process had mixed more than this one had.
            lock (_engine.Gate)
            lock (s_retiredGate)
            {
                s_retired.AudioOut += _engine.Mixing.PacketsSent;
                s_retired.AudioBytesOut += _engine.Mixing.BytesSent;
            }
        }
    }

    /// <summary>Adds a closing consumer's counters to the retired totals (called under the engine's gate).</summary>
    public static void Retire(Consumer consumer)
    {
        lock (s_retiredGate) s_retired.Add(consumer);
    }

    /// <summary>Adds a closing producer's counters to the retired totals (called under the engine's gate).</summary>
    public static void Retire(Producer producer)
    {
        lock (s_retiredGate) s_retired.Add(producer);
    }

    private static void Collect()
    {
        lock (s_gate)
        {
            // A session closing between this copy and the scan below is missed for one scrape; IncTo
            // never lowers a counter, so the next scrape catches up.
            Totals totals;
            lock (s_retiredGate) totals = s_retired.Clone();
            int rooms = 0;
            var roles = new int[4];
            var sessions = new Dictionary<(string, string), int>();
            int audioProducers = 0, videoProducers = 0, audioConsumers = 0, videoConsumers = 0;
            var perRoom = new List<(string Room, int Count)>();
            long backlog = 0, sendBacklog = 0;
            foreach (var c in s_live)
            {
                if (c._udp is { } udp)
                {
                    backlog += udp.QueuedBytes;
                    sendBacklog += udp.SendBacklog;
                }
                lock (c._engine.Gate)
                {
                    // Mixed audio is sent by the rooms' mixers, not by consumers.
                    totals.AudioOut += c._engine.Mixing.PacketsSent;
                    totals.AudioBytesOut += c._engine.Mixing.BytesSent;
                    foreach (var room in c._engine.Rooms)
                    {
                        rooms++;
                        perRoom.Add((room.Id.Value, room.Sessions.Count));
                        foreach (var s in room.Sessions)
                        {
                            roles[(int)s.Participant.Role]++;
                            var key = (s.Kind == SessionKind.Publisher ? "publisher" : "subscriber", s.Transport.State.ToString().ToLowerInvariant());
                            sessions[key] = sessions.GetValueOrDefault(key) + 1;
                        }
                        foreach (var p in room.Router.Producers)
                        {
                            if (p.Kind == MediaKind.Video) videoProducers++; else audioProducers++;
                            totals.Add(p);
                        }
                        foreach (var con in room.Router.Consumers)
                        {
                            if (con.Kind == MediaKind.Video) videoConsumers++; else audioConsumers++;
                            totals.Add(con);
                        }
                    }
                }
            }

            Rooms.Set(rooms);
            foreach (var role in Enum.GetValues<ParticipantRole>()) Participants.WithLabels(role.ToClaim()).Set(roles[(int)role]);
            foreach (var kind in new[] { "publisher", "subscriber" })
            {
                foreach (var state in new[] { "new", "connecting", "connected", "closed" })
                    Sessions.WithLabels(kind, state).Set(sessions.GetValueOrDefault((kind, state)));
            }
            Producers.WithLabels("audio").Set(audioProducers);
            Producers.WithLabels("video").Set(videoProducers);
            Consumers.WithLabels("audio").Set(audioConsumers);
            Consumers.WithLabels("video").Set(videoConsumers);
            SetRoomSeries(perRoom);

            RtpIn.WithLabels("audio").IncTo(totals.AudioIn);
            RtpIn.WithLabels("video").IncTo(totals.VideoIn);
            RtpBytesIn.WithLabels("audio").IncTo(totals.AudioBytesIn);
            RtpBytesIn.WithLabels("video").IncTo(totals.VideoBytesIn);
            RtxIn.IncTo(totals.RtxIn);
            RtpOut.WithLabels("audio").IncTo(totals.AudioOut);
            RtpOut.WithLabels("video").IncTo(totals.VideoOut);
            RtpBytesOut.WithLabels("audio").IncTo(totals.AudioBytesOut);
            RtpBytesOut.WithLabels("video").IncTo(totals.VideoBytesOut);
            RtxOut.IncTo(totals.RtxOut);
            Nacked.IncTo(totals.Nacked);
            NackMisses.IncTo(totals.NackMisses);
            RtxSuppressed.IncTo(totals.RtxSuppressed);
            SendBacklog.Set(sendBacklog);
            KeyFrameRequests.IncTo(totals.KeyFrames);
            Dropped.IncTo(totals.Dropped);
            ReceiveBacklog.Set(backlog);
        }

        ThreadPoolThreads.Set(ThreadPool.ThreadCount);
        ThreadPoolQueue.Set(ThreadPool.PendingWorkItemCount);
        ThreadPoolCompleted.IncTo(ThreadPool.CompletedWorkItemCount);
        GcPause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
        GcHeap.Set(GC.GetGCMemoryInfo().HeapSizeBytes);
        for (int g = 0; g <= GC.MaxGeneration; g++) GcCollections.WithLabels(g.ToString(System.Globalization.CultureInfo.InvariantCulture)).IncTo(GC.CollectionCount(g));
    }

    private static void SetRoomSeries(List<(string Room, int Count)> perRoom)
    {
        perRoom.Sort((a, b) => b.Count.CompareTo(a.Count));
        var current = new HashSet<string>();
        int other = 0;
        for (int i = 0; i < perRoom.Count; i++)
        {
            if (i < MaxRoomSeries)
            {
                current.Add(perRoom[i].Room);
                RoomParticipants.WithLabels(perRoom[i].Room).Set(perRoom[i].Count);
            }
            else
            {
                other += perRoom[i].Count;
            }
        }
        RoomParticipants.WithLabels("_other").Set(other);
        foreach (var stale in s_roomLabels)
        {
            if (!current.Contains(stale)) RoomParticipants.RemoveLabelled(stale);
        }
        s_roomLabels.Clear();
        s_roomLabels.UnionWith(current);
    }

    private sealed class Totals
    {
        public long AudioIn, VideoIn, AudioBytesIn, VideoBytesIn, RtxIn;
        public long AudioOut, VideoOut, AudioBytesOut, VideoBytesOut, RtxOut, Nacked, NackMisses, RtxSuppressed, KeyFrames, Dropped;

        public Totals Clone() => (Totals)MemberwiseClone();

        public void Add(Producer p)
        {
            if (p.Kind == MediaKind.Video)
            {
                VideoIn += p.PacketsReceived;
                VideoBytesIn += p.BytesReceived;
            }
            else
            {
                AudioIn += p.PacketsReceived;
                AudioBytesIn += p.BytesReceived;
            }
            RtxIn += p.RtxPacketsReceived;
        }

        public void Add(Consumer c)
        {
            var s = c.Stats;
            if (c.Kind == MediaKind.Video)
            {
                VideoOut += s.PacketsSent;
                VideoBytesOut += s.BytesSent;
            }
            else
            {
                AudioOut += s.PacketsSent;
                AudioBytesOut += s.BytesSent;
            }
            RtxOut += s.PacketsRetransmitted;
            Nacked += s.NackedPackets;
            NackMisses += s.NackMisses;
            RtxSuppressed += s.RetransmissionsSuppressed;
            KeyFrames += s.KeyFramesRequested;
            Dropped += s.PacketsDropped;
        }
    }
}
