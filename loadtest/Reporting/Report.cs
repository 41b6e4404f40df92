namespace MediaCore.LoadTest.Reporting;

/// <summary>One second of the run, for report.json and the plots.</summary>
/// <param name="LoadgenGcPauseMs">Time the load generator's own GC paused it during this second: a delay spike that
/// coincides with it is the measuring side's, not the server's.</param>
/// <param name="LoadgenWorkerMaxStallMs">The longest single pass of any load-generator worker's loop (timers, then every
/// readable socket) this second: packets it received late in a long pass are stamped late.</param>
/// <param name="StealPercent">CPU time the hypervisor gave to others (/proc/stat steal) this second, percent of all CPUs.</param>
public sealed record SecondSample(
    double T, int PeersStarted, int SitesReceiving, int Failed, double RxPacketsPerSecond, double TxPacketsPerSecond,
    double LossPercent, double DelayP50Ms, double DelayP99Ms, double JitterP99Ms, double ServerCpuPercent, double ServerRssMb,
    double LoadgenCpuPercent, double LoadgenWorkersBusyPercent, long UdpReceiveBufferDrops, string ServerHotThread,
    double ServerHotThreadRunPercent, double ServerHotThreadWaitPercent,
    double LoadgenGcPauseMs = 0, double LoadgenWorkerMaxStallMs = 0, double StealPercent = 0);

/// <summary>Percentiles of a per-site quantity.</summary>
public sealed record Distribution(int Count, double P50, double P95, double P99, double Max, double Mean)
{
    public static Distribution Of(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).OrderBy(x => x).ToArray();
        if (v.Length == 0) return new Distribution(0, 0, 0, 0, 0, 0);
        double P(double q) => Math.Round(v[Math.Min(v.Length - 1, (int)Math.Ceiling(q * v.Length) - 1)], 2);
        return new Distribution(v.Length, P(0.5), P(0.95), P(0.99), Math.Round(v[^1], 2), Math.Round(v.Average(), 2));
    }
}

/// <summary>Per-site figures.</summary>
public sealed record SiteResult(string Site, string Room, string Role, string Kind, double? JoinMs, double? ConnectMs, double? KeyFrameWaitMs,
    long PacketsReceived, long PacketsExpected, long Lost, double LossPercent, double JitterMs, double MaxJitterMs, double DelayP50Ms,
    double DelayP99Ms, long NacksSent, long RtxReceived, long PlisSent, long PacketsSent, string? Failure, int Reconnects = 0, long FramesSkipped = 0);

/// <summary>Totals over the run.</summary>
public sealed record Totals(int Peers, int Subscribers, int Publishers, int Connected, int Receiving, int Failed, long PacketsReceived,
    long PacketsExpected, long Lost, double LossPercent, long NacksSent, long RtxReceived, long RtxRecovered, long PlisSent,
    long PacketsSent, double ServerCpuPercentMean, double ServerCpuPercentMax, double ServerRssMbMax, double LoadgenCpuPercentMean,
    long UdpReceiveBufferDrops, double ServerHotThreadRunPercentMean, double ServerHotThreadWaitPercentMean);

/// <summary>Capacity mode: one step's outcome.</summary>
/// <param name="JoinP95Ms">p95 over the step's sites that joined; <paramref name="NeverJoined"/> counts the rest (each fails the step).</param>
public sealed record CapacityStep(int Sites, double LossPercent, double JoinP95Ms, double ServerCpuPercent, bool Passed, int NeverJoined = 0)
{
    /// <summary>A step fails on loss above this (after RTX).</summary>
    public const double LossLimitPercent = 1.0;
    /// <summary>A step fails on a join p95 above this.</summary>
    public const double JoinLimitMs = 2000;

    /// <summary>
    /// Judges one step: <paramref name="joinMs"/> holds each new site's join time, null for a site that never
    /// joined. Such a site is a failed site, never a join time: the p95 is over the sites that joined, and any site
    /// that never joined fails the step. No packets expected at all (nothing flowed) counts as 100% loss.
    /// </summary>
    public static CapacityStep Evaluate(int sites, long packetsExpected, long packetsLost, IReadOnlyCollection<double?> joinMs, double serverCpuPercent)
    {
        double loss = packetsExpected > 0 ? 100.0 * packetsLost / packetsExpected : 100;
        int neverJoined = joinMs.Count(j => j == null);
        double joinP95 = Distribution.Of(joinMs.Where(j => j != null).Select(j => j!.Value)).P95;
        bool ok = loss <= LossLimitPercent && joinP95 <= JoinLimitMs && neverJoined == 0;
        return new CapacityStep(sites, Math.Round(loss, 3), joinP95, Math.Round(serverCpuPercent, 1), ok, neverJoined);
    }
}

public sealed record Verdict(bool Passed, IReadOnlyList<string> Reasons);

/// <summary>report.json: config, per-second series, per-site percentiles, totals, verdict.</summary>
public sealed record LoadTestReport(
    object Config,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    int? ServerPid,
    IReadOnlyList<SecondSample> Series,
    Totals Totals,
    IReadOnlyDictionary<string, Distribution> PerSite,
    IReadOnlyList<SiteResult> Sites,
    IReadOnlyList<CapacityStep>? Capacity,
    int? CapacityPassingSites,
    IReadOnlyDictionary<string, double> ServerMetrics,
    Verdict Verdict)
{
    /// <summary>The machine's sendto ceiling measured before the run (<c>--calibrate</c>), or null.</summary>
    public CalibrationResult? Calibration { get; init; }
    /// <summary>What the server sent, from its /metrics deltas over the run.</summary>
    public ServerThroughput? Throughput { get; init; }
    /// <summary>Cluster runs (<c>--nodes</c>): each node, its subscribers and its CPU; null on one node.</summary>
    public IReadOnlyList<NodeResult>? Nodes { get; init; }
    /// <summary><c>--record</c>: each room's recording, its files against the publishing time, the composite's A/V offset.</summary>
    public IReadOnlyList<Recording.RecordingResult>? Recordings { get; init; }
}

/// <summary>One MediaServer node of a cluster run.</summary>
/// <param name="CpuPercentMean">Mean CPU of the node's process (percent of one core) over the second half of the run.</param>
public sealed record NodeResult(string Url, int? Pid, int Subscribers, double CpuPercentMean, double CpuPercentMax);

/// <param name="DatagramsPerSecond">UDP datagrams the server sent per second of the run (mean, ramp included).</param>
/// <param name="DatagramsPerCpuSecond">The same per second of the server's CPU time: packets/s per server core.</param>
/// <param name="PercentOfCeiling">DatagramsPerCpuSecond as a percentage of the calibrated sendto ceiling per core.</param>
/// <param name="PeakRxPerSecond">The sites' highest one-second receive rate, and that as a percentage of the ceiling.</param>
/// <param name="SteadyRxPerCpuSecond">Steady state (the second half of the series: no joins, no DTLS, no JIT warm-up):
/// packets the sites received per second of server CPU, and that as a percentage of the ceiling.</param>
/// <param name="DatagramsPerSendCall">Datagrams per send system call (sendmmsg batch size achieved), from /metrics.</param>
/// <param name="PercentOfFanOutCeiling">DatagramsPerCpuSecond as a percentage of the calibrated sendmmsg fan-out ceiling to
/// read sockets (<see cref="CalibrationResult.FanOut"/>), and the steady-state figure as one.</param>
public sealed record ServerThroughput(double DatagramsPerSecond, double DatagramsPerCpuSecond, double? PercentOfCeiling,
    double PeakRxPerSecond, double? PeakRxPercentOfCeiling, double SteadyRxPerCpuSecond = 0, double? SteadyPercentOfCeiling = null,
    double? DatagramsPerSendCall = null, double? PercentOfFanOutCeiling = null, double? SteadyPercentOfFanOutCeiling = null);
