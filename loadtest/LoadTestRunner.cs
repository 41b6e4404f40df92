using System.Diagnostics;
using MediaCore.LoadTest.Media;
using MediaCore.LoadTest.Net;
using MediaCore.LoadTest.Peers;
using MediaCore.LoadTest.Recording;
using MediaCore.LoadTest.Reporting;
using MediaCore.Protocol.Dtls;

namespace MediaCore.LoadTest;

/// <summary>
/// Runs one load test: plans the peers of the scenario, ramps them up at the configured rate (signalling on
/// the thread pool, media on a few <see cref="Worker"/> threads), samples every second, stops everything
/// and builds the <see cref="LoadTestReport"/>.
/// </summary>
public sealed class LoadTestRunner : IDisposable
{
    private const double LossLimitPercent = CapacityStep.LossLimitPercent;
    private const double JoinLimitMs = CapacityStep.JoinLimitMs;

    private readonly LoadTestOptions _o;
    private readonly TextWriter _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Worker> _workers = [];
    private readonly List<Peer> _peers = [];
    private readonly Dictionary<string, SendClock> _roomClocks = [];
    private readonly List<SecondSample> _series = [];
    private readonly List<Task> _starts = [];
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 32, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private readonly SemaphoreSlim _signallingSlots = new(16);
    private MediaClip _clip = null!;
    private FrameIndex _frames = null!;
    private DtlsCertificate _certificate = null!;
    private Signalling _signalling = null!;
    private List<Signalling> _nodeSignalling = [];
    private List<(Uri Url, ProcSampler? Sampler, List<double> Cpu)> _nodes = [];
    private ProcSampler? _server;
    private ThreadSampler? _serverThreads;
    private ProcSampler _self = null!;
    private long _lastRx, _lastTx, _lastExpected, _lastLost, _lastLoadgenBusy, _udpDropsAtStart, _lastUdpDrops;
    private TimeSpan _lastGcPause = GC.GetTotalPauseDuration();
    private readonly StealSampler _steal = new();
    private int[] _lastDelay = new int[SiteStats.DelayBuckets];

    private readonly CalibrationResult? _calibration;

    public LoadTestRunner(LoadTestOptions options, TextWriter? log = null, CalibrationResult? calibration = null)
    {
        _o = options;
        _log = log ?? TextWriter.Null;
        _calibration = calibration;
    }

    public async Task<LoadTestReport> RunAsync(CancellationToken ct = default)
    {
        var startedAt = DateTimeOffset.UtcNow;
        _clip = MediaClip.LoadOrCreate(_o.CacheDir, _o.VideoKbps, flashBeep: _o.FlashBeep);
        _clock.Restart(); // the series starts when the peers do, not when the clip was encoded
        _frames = new FrameIndex(_clip);
        _certificate = DtlsCertificate.Generate();
        _signalling = new Signalling(_http, _o.Server, _o.TokenSecret!);
        _nodeSignalling = _o.Nodes.Count > 0 ? _o.Nodes.Select(u => new Signalling(_http, u, _o.TokenSecret!)).ToList() : [_signalling];
        // Each node's process (on this machine: the one listening on its port), for per-node CPU in the report.
        _nodes = _o.Nodes.Select(u => (u, ProcSampler.FindListener(u.Port) is int np ? new ProcSampler(np) : null, new List<double>())).ToList();
        for (int i = 0; i < Math.Max(1, _o.Workers); i++) _workers.Add(new Worker(i, _clock));
        // The process listening on the server URL's port, whatever its name (`dotnet MediaCore.Server.dll`, a
        // published binary, `dotnet run`); the old name search only as a fallback.
        int? serverPid = _o.ServerPid ?? ProcSampler.FindListener(_o.Server.Port) ?? ProcSampler.FindServer();
        _server = serverPid is int pid ? new ProcSampler(pid) : null;
        _serverThreads = serverPid is int tpid ? new ThreadSampler(tpid) : null;
        _serverThreads?.Sample();
        _self = new ProcSampler(Environment.ProcessId);
        var metricsBefore = await MetricsScraper.ScrapeAsync(_http, _o.Server, ct);
        _udpDropsAtStart = _lastUdpDrops = ProcSampler.UdpReceiveBufferErrors();

        List<CapacityStep>? steps = null;
        int? passing = null;
        List<RoomRecording> recordings = [];
        if (_o.Scenario == Scenario.Capacity)
        {
            steps = [];
            passing = await RunCapacityAsync(steps, ct);
        }
        else
        {
            var plan = ScenarioPlan.Build(_o, _o.Sites);
            // --record: each room with a video publisher is recorded from before its first publisher joins.
            if (_o.Record) recordings = await StartRecordingsAsync(plan.Where(IsMainPublisher).Select(p => p.Room).Distinct().ToList(), ct);
            // Video publishers (county, towns, expert, villages) first, so their first key frame is out before
            // the audience arrives; then everyone else in plan order.
            await RampAsync(plan.Where(IsMainPublisher).ToList(), ct);
            await WaitConnectedAsync(ct);
            // No point starting 500 sites when the server or the publishers are not there.
            if (!_peers.Any(p => p.Stats.Failure != null))
            {
                await SampleForAsync(TimeSpan.FromSeconds(1), ct);
                await RampAsync(plan.Where(p => !IsMainPublisher(p)).ToList(), ct);
                await SampleForAsync(_o.Duration, ct);
            }
        }

        var metricsAfter = await MetricsScraper.ScrapeAsync(_http, _o.Server, ct);
        await StopAllAsync();
        var recorded = recordings.Count > 0 ? await CheckRecordingsAsync(recordings, ct) : null;
        var report = BuildReport(startedAt, serverPid, steps, passing, Delta(metricsBefore, metricsAfter), recorded);
        return report;
    }

    private async Task<List<RoomRecording>> StartRecordingsAsync(List<string> rooms, CancellationToken ct)
    {
        var started = new List<RoomRecording>();
        foreach (var room in rooms)
        {
            var recording = new RoomRecording(_http, _o.Server, _o.TokenSecret!, room);
            await recording.StartAsync(ct);
            started.Add(recording);
            _log.WriteLine($"recording {recording.Id}: room {room}");
        }
        return started;
    }

    /// <summary>
    /// Stops each recording (the publishers have left, so every file is finished) and checks its files (and, with the
    /// flash-and-beep clip, meeting.mp4's A/V offset). Downloads go to <see cref="LoadTestOptions.RecordingDownloadDir"/>,
    /// else beside the report, else a temporary folder removed afterwards.
    /// </summary>
    private async Task<List<RecordingResult>> CheckRecordingsAsync(List<RoomRecording> recordings, CancellationToken ct)
    {
        string? keep = _o.RecordingDownloadDir
            ?? (_o.ReportPath is { } report ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(report))!, "recordings") : null);
        string dir = keep ?? Directory.CreateTempSubdirectory("mediacore-loadtest-rec-").FullName;
        var results = new List<RecordingResult>();
        try
        {
            foreach (var recording in recordings)
            {
                var publishers = _peers.Where(p => p.Stats.Publishes && p.Stats.Room == recording.Room).Select(p => p.Stats).ToList();
                string? main = _peers.FirstOrDefault(p => p is PublisherPeer { SendsVideo: true } && p.Stats.Room == recording.Room)?.Stats.Site;
                results.Add(await RecordingCheck.RunAsync(recording, publishers, main, _o.FlashBeep, _o.CompositeTimeout, dir, _log, ct));
            }
        }
        finally
        {
            if (keep == null) Directory.Delete(dir, recursive: true);
        }
        return keep == null ? results.Select(r => r with { Directory = null }).ToList() : results;
    }

    private async Task<int?> RunCapacityAsync(List<CapacityStep> steps, CancellationToken ct)
    {
        int? passing = null;
        int total = 0;
        var publisherPlan = ScenarioPlan.Build(_o, 0).Where(IsMainPublisher).ToList();
        await RampAsync(publisherPlan, ct);
        await WaitConnectedAsync(ct);
        // Warm-up subscribers (not part of any step): a fresh server JIT-compiles the DTLS and WHEP paths
        // on its first sessions, which would otherwise count against the first step's join time.
        var warmup = ScenarioPlan.Build(_o, _o.Warmup, offset: 900).Where(p => !IsMainPublisher(p)).ToList();
        await RampAsync(warmup, ct);
        await WaitConnectedAsync(ct);
        await SampleForAsync(TimeSpan.FromSeconds(2), ct);
        while (total < _o.Sites && !ct.IsCancellationRequested)
        {
            int add = Math.Min(_o.Step, _o.Sites - total);
            var stepPlan = ScenarioPlan.Build(_o, add, offset: total).Where(p => !IsMainPublisher(p)).ToList();
            int firstNew = _peers.Count;
            long expected0 = Sum(s => s.PacketsExpected), lost0 = Sum(s => s.Lost);
            await RampAsync(stepPlan, ct);
            total += add;
            double cpuBefore = _series.Count;
            await SampleForAsync(_o.StepDuration, ct);
            long expected = Sum(s => s.PacketsExpected) - expected0, lost = Sum(s => s.Lost) - lost0;
            var newPeers = _peers.Skip(firstNew).ToList();
            var recent = _series.Skip((int)cpuBefore).ToList();
            double cpu = recent.Count > 0 ? recent.Average(s => s.ServerCpuPercent) : 0;
            var step = CapacityStep.Evaluate(total, expected, lost, newPeers.Select(p => p.Stats.JoinMs).ToList(), cpu);
            steps.Add(step);
            bool ok = step.Passed;
            _log.WriteLine($"capacity step {total} sites: loss {step.LossPercent:0.###}%, join p95 {step.JoinP95Ms:0} ms, {step.NeverJoined} of {newPeers.Count} new sites never joined, server CPU {cpu:0}% -> {(ok ? "pass" : "FAIL")}");
            if (!ok) break;
            passing = total;
        }
        return passing;
    }

    private static bool IsMainPublisher(PeerPlan p) => p.Publish && p.SendVideo;

    /// <summary>Waits (at most 20 s) until every started peer is connected or failed.</summary>
    private async Task WaitConnectedAsync(CancellationToken ct)
    {
        var deadline = _clock.Elapsed + TimeSpan.FromSeconds(20);
        while (_clock.Elapsed < deadline && _peers.Any(p => p.Stats.ConnectedAtTicks == 0 && p.Stats.Failure == null))
        {
            await Task.Delay(100, ct);
            if (_series.Count == 0 || _clock.Elapsed.TotalSeconds - _series[^1].T >= 1) Sample();
        }
    }

    /// <summary>Starts the peers at the ramp rate; returns when all have been started (not necessarily connected).</summary>
    private async Task RampAsync(List<PeerPlan> plan, CancellationToken ct)
    {
        if (plan.Count == 0) return;
        var interval = TimeSpan.FromSeconds(1 / Math.Max(0.1, _o.RampPerSecond));
        var next = _clock.Elapsed;
        double nextSample = Math.Ceiling(_clock.Elapsed.TotalSeconds);
        foreach (var p in plan)
        {
            var wait = next - _clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            next += interval;
            StartPeer(p, ct);
            if (_clock.Elapsed.TotalSeconds >= nextSample)
            {
                Sample();
                nextSample = Math.Floor(_clock.Elapsed.TotalSeconds) + 1;
            }
        }
    }

    private readonly Dictionary<(string Site, string Room), int> _plannedNodes = [];

    private void StartPeer(PeerPlan p, CancellationToken ct)
    {
        _plannedNodes[(p.Site, p.Room)] = p.Node;
        var worker = _workers[_peers.Count % _workers.Count];
        var stats = new SiteStats { Site = p.Site, Room = p.Room, Role = p.Role, Publishes = p.Publish };
        Peer peer;
        if (p.Publish)
        {
            SendClock? clock = null;
            if (!_roomClocks.ContainsKey(p.Room))
            {
                clock = new SendClock(_clip.Video.Length, _clip.Audio.Length);
                lock (_roomClocks) _roomClocks[p.Room] = clock;
            }
            peer = new PublisherPeer(worker, stats, _certificate, _clip, clock, p.SendVideo) { Reconnect = _o.Reconnect };
        }
        else
        {
            string room = p.Room;
            peer = new SubscriberPeer(worker, stats, _certificate, _frames, () =>
            {
                lock (_roomClocks) return _roomClocks.GetValueOrDefault(room);
            }) { Reconnect = _o.Reconnect };
        }
        _peers.Add(peer);
        _starts.Add(Task.Run(async () =>
        {
            await _signallingSlots.WaitAsync(ct);
            try
            {
                stats.PostStartedAtTicks = worker.NowTicks;
                await peer.StartAsync(_nodeSignalling[Math.Min(p.Node, _nodeSignalling.Count - 1)], p.Room, p.Site, p.Role, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                peer.Abandon(e.Message.Length > 200 ? e.Message[..200] : e.Message);
            }
            finally
            {
                _signallingSlots.Release();
            }
        }, ct));
    }

    private async Task SampleForAsync(TimeSpan duration, CancellationToken ct)
    {
        var end = _clock.Elapsed + duration;
        while (_clock.Elapsed < end)
        {
            var next = TimeSpan.FromSeconds(Math.Floor(_clock.Elapsed.TotalSeconds) + 1);
            var wait = (next < end ? next : end) - _clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            Sample();
        }
    }

    private long Sum(Func<SiteStats, long> f)
    {
        long total = 0;
        foreach (var p in _peers) if (!p.Stats.Publishes) total += f(p.Stats);
        return total;
    }

    /// <summary>One per-second sample: deltas of the counters since the previous one.</summary>
    private void Sample()
    {
        double t = Math.Round(_clock.Elapsed.TotalSeconds, 1);
        double dt = _series.Count > 0 ? t - _series[^1].T : t;
        if (dt <= 0.2) return;
        long rx = Sum(s => s.PacketsReceived), expected = Sum(s => s.PacketsExpected), lost = Sum(s => s.Lost);
        long tx = 0;
        foreach (var p in _peers) if (p.Stats.Publishes) tx += p.Stats.PacketsSent;
        var delay = new int[SiteStats.DelayBuckets];
        var jitters = new List<double>();
        int receiving = 0, failed = 0;
        foreach (var p in _peers)
        {
            if (p.Stats.Failure != null) failed++;
            if (p.Stats.Publishes) continue;
            if (p.Stats.FirstMediaAtTicks > 0)
            {
                receiving++;
                jitters.Add(p.Stats.JitterMs);
            }
            var d = p.Stats.Delay;
            for (int i = 0; i < d.Length; i++) delay[i] += d[i];
        }
        var window = new int[delay.Length];
        for (int i = 0; i < delay.Length; i++) window[i] = delay[i] - _lastDelay[i];
        _lastDelay = delay;
        long dExpected = expected - _lastExpected, dLost = lost - _lastLost;
        double loss = dExpected > 0 ? Math.Max(0, 100.0 * dLost / dExpected) : 0;
        var (cpu, rss) = _server?.Sample() ?? (0, 0);
        foreach (var node in _nodes)
        {
            // The first node is the --server process, sampled above: sampling twice would halve its interval.
            if (node.Sampler is { } ns) node.Cpu.Add(ns.Pid == _server?.Pid ? cpu : ns.Sample().CpuPercent);
        }
        long busy = 0;
        foreach (var w in _workers) busy += Volatile.Read(ref w.BusyTicks);
        var (selfCpu, _) = _self.Sample();
        long udpDrops = ProcSampler.UdpReceiveBufferErrors();
        var (hot, hotRun, hotWait) = _serverThreads?.Sample() ?? ("", 0, 0);
        var gcPause = GC.GetTotalPauseDuration();
        double gcMs = Math.Round((gcPause - _lastGcPause).TotalMilliseconds, 1);
        _lastGcPause = gcPause;
        long stall = 0;
        foreach (var w in _workers) stall = Math.Max(stall, Interlocked.Exchange(ref w.MaxPassTicks, 0));
        double stallMs = Math.Round(stall / (double)TimeSpan.TicksPerMillisecond, 1);
        double steal = _steal.Sample();
        double busyPct = Math.Round(100.0 * (busy - _lastLoadgenBusy) / (dt * TimeSpan.TicksPerSecond * _workers.Count), 1);
        var sample = new SecondSample(t, _peers.Count, receiving, failed, Math.Round((rx - _lastRx) / dt), Math.Round((tx - _lastTx) / dt),
            Math.Round(loss, 3), Percentile(window, 0.5), Percentile(window, 0.99), Distribution.Of(jitters).P99, cpu, rss, selfCpu, busyPct, udpDrops - _lastUdpDrops, hot, hotRun, hotWait,
            gcMs, stallMs, steal);
        _lastUdpDrops = udpDrops;
        _lastRx = rx;
        _lastTx = tx;
        _lastExpected = expected;
        _lastLost = lost;
        _lastLoadgenBusy = busy;
        _series.Add(sample);
        if (!_o.Quiet)
        {
            _log.WriteLine(FormattableString.Invariant(
                $"[{t,6:0.0}s] peers {sample.PeersStarted,4} receiving {receiving,4} failed {failed,3} | rx {sample.RxPacketsPerSecond,7:0} pkt/s{CeilingShare(sample.RxPacketsPerSecond)} tx {sample.TxPacketsPerSecond,5:0} | loss {loss,6:0.000}% | delay p50 {sample.DelayP50Ms,4:0} p99 {sample.DelayP99Ms,4:0} ms jitter p99 {sample.JitterP99Ms,5:0.0} ms | server CPU {cpu,5:0.0}% RSS {rss,5:0} MB | loadgen CPU {selfCpu,5:0.0}% (workers busy {busyPct,3:0}%) | kernel UDP drops {sample.UdpReceiveBufferDrops} | server hot thread {hot} run {hotRun:0}% wait {hotWait:0}% | loadgen GC {gcMs:0} ms, longest worker pass {stallMs:0} ms, steal {steal:0.0}%"));
        }
    }

    private string CeilingShare(double rate) => _calibration is { } c ? FormattableString.Invariant($" ({c.PercentOf(rate),4:0.0}% of ceiling)") : "";

    private static double Percentile(int[] histogram, double q)
    {
        long total = 0;
        foreach (int c in histogram) total += c;
        if (total == 0) return 0;
        long target = (long)Math.Ceiling(q * total), seen = 0;
        for (int i = 0; i < histogram.Length; i++)
        {
            seen += histogram[i];
            if (seen >= target) return i * SiteStats.DelayBucketMs + SiteStats.DelayBucketMs / 2.0;
        }
        return histogram.Length * SiteStats.DelayBucketMs;
    }

    private async Task StopAllAsync()
    {
        try
        {
            await Task.WhenAll(_starts).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception)
        {
            // Failures are recorded per site.
        }
        var done = new TaskCompletionSource();
        int pending = _workers.Count;
        foreach (var w in _workers)
        {
            var worker = w;
            worker.Post(now =>
            {
                foreach (var p in _peers) if (p.Worker == worker) p.Stop(now);
                if (Interlocked.Decrement(ref pending) == 0) done.TrySetResult();
            });
        }
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Tell the server too (RFC 9725 §4.2: DELETE the session URL), a few at a time.
        using var slots = new SemaphoreSlim(16);
        await Task.WhenAll(_peers.Where(p => p.Location != null).Select(async p =>
        {
            await slots.WaitAsync();
            try
            {
                await _signalling.DeleteAsync(p.Location!, p.Stats.Room, p.Stats.Site, p.Stats.Role, CancellationToken.None);
            }
            catch (Exception)
            {
                // The session ends anyway once DTLS close_notify or consent expiry reaches the server.
            }
            finally
            {
                slots.Release();
            }
        }));
    }

    private static Dictionary<string, double> Delta(Dictionary<string, double> before, Dictionary<string, double> after)
    {
        var result = new Dictionary<string, double>();
        foreach (var (k, v) in after)
        {
            bool counter = k.Contains("_total", StringComparison.Ordinal);
            result[k] = counter ? v - before.GetValueOrDefault(k) : v;
        }
        return result;
    }

    private LoadTestReport BuildReport(DateTimeOffset startedAt, int? serverPid, List<CapacityStep>? steps, int? passing,
        Dictionary<string, double> metrics, List<RecordingResult>? recordings)
    {
        var sites = new List<SiteResult>();
        foreach (var p in _peers)
        {
            var s = p.Stats;
            double lossPct = s.PacketsExpected > 0 ? 100.0 * s.Lost / s.PacketsExpected : 0;
            sites.Add(new SiteResult(s.Site, s.Room, s.Role, s.Publishes ? "publisher" : "subscriber", Round(s.JoinMs), Round(s.ConnectMs),
                Round(s.KeyFrameWaitMs), s.PacketsReceived, s.PacketsExpected, s.Lost, Math.Round(lossPct, 3), Math.Round(s.JitterMs, 2),
                Math.Round(s.MaxJitterMs, 2), Percentile(s.Delay, 0.5), Percentile(s.Delay, 0.99), s.NacksSent, s.RtxReceived, s.PlisSent,
                s.PacketsSent, s.Failure, s.Reconnects, s.FramesSkipped));
        }
        var subs = _peers.Where(p => !p.Stats.Publishes).Select(p => p.Stats).ToList();
        var subResults = sites.Where(s => s.Kind == "subscriber").ToList();
        long expected = subs.Sum(s => s.PacketsExpected), lost = subs.Sum(s => s.Lost);
        // Ramp-up seconds would understate the steady state: CPU figures use the second half of the series.
        var steady = _series.Skip(_series.Count / 2).ToList();
        var totals = new Totals(_peers.Count, subs.Count, _peers.Count - subs.Count, _peers.Count(p => p.Stats.ConnectedAtTicks > 0),
            subs.Count(s => s.FirstMediaAtTicks > 0), _peers.Count(p => p.Stats.Failure != null), subs.Sum(s => s.PacketsReceived), expected, lost,
            expected > 0 ? Math.Round(100.0 * lost / expected, 4) : 0, subs.Sum(s => s.NacksSent), subs.Sum(s => s.RtxReceived),
            subs.Sum(s => s.RtxRecovered), subs.Sum(s => s.PlisSent), _peers.Sum(p => p.Stats.PacketsSent),
            steady.Count > 0 ? Math.Round(steady.Average(s => s.ServerCpuPercent), 1) : 0, _series.Count > 0 ? _series.Max(s => s.ServerCpuPercent) : 0,
            _series.Count > 0 ? _series.Max(s => s.ServerRssMb) : 0, steady.Count > 0 ? Math.Round(steady.Average(s => s.LoadgenCpuPercent), 1) : 0,
            ProcSampler.UdpReceiveBufferErrors() - _udpDropsAtStart,
            steady.Count > 0 ? Math.Round(steady.Average(s => s.ServerHotThreadRunPercent), 1) : 0,
            steady.Count > 0 ? Math.Round(steady.Average(s => s.ServerHotThreadWaitPercent), 1) : 0);
        var perSite = new Dictionary<string, Distribution>
        {
            ["joinMs"] = Distribution.Of(subResults.Where(s => s.JoinMs != null).Select(s => s.JoinMs!.Value)),
            ["connectMs"] = Distribution.Of(sites.Where(s => s.ConnectMs != null).Select(s => s.ConnectMs!.Value)),
            ["keyFrameWaitMs"] = Distribution.Of(subResults.Where(s => s.KeyFrameWaitMs != null).Select(s => s.KeyFrameWaitMs!.Value)),
            ["lossPercent"] = Distribution.Of(subResults.Select(s => s.LossPercent)),
            ["jitterMs"] = Distribution.Of(subResults.Where(s => s.PacketsReceived > 0).Select(s => s.JitterMs)),
            ["maxJitterMs"] = Distribution.Of(subResults.Where(s => s.PacketsReceived > 0).Select(s => s.MaxJitterMs)),
            ["delayP50Ms"] = Distribution.Of(subResults.Where(s => s.PacketsReceived > 0).Select(s => s.DelayP50Ms)),
            ["delayP99Ms"] = Distribution.Of(subResults.Where(s => s.PacketsReceived > 0).Select(s => s.DelayP99Ms)),
        };
        var reasons = new List<string>();
        if (_o.Scenario == Scenario.Capacity)
        {
            if (passing is null) reasons.Add("no capacity step passed");
        }
        else
        {
            if (totals.Receiving < subs.Count) reasons.Add($"{subs.Count - totals.Receiving} of {subs.Count} subscribers never joined (no media: counted as failed)");
            if (totals.LossPercent > LossLimitPercent) reasons.Add($"loss {totals.LossPercent}% > {LossLimitPercent}%");
            if (perSite["joinMs"].P95 > JoinLimitMs) reasons.Add($"join p95 {perSite["joinMs"].P95} ms > {JoinLimitMs} ms");
        }
        int reconnected = _peers.Count(p => p.Stats.Reconnects > 0);
        if (reconnected > 0)
            reasons.Add($"{reconnected} peers lost their session and reconnected ({_peers.Select(p => p.Stats.LastReconnectReason).FirstOrDefault(r => r != null)})");
        if (totals.Failed > 0) reasons.Add($"{totals.Failed} peers failed: {_peers.Select(p => p.Stats.Failure).FirstOrDefault(f => f != null)}");
        foreach (var r in recordings ?? [])
        {
            if (!r.Passed) reasons.Add($"recording {r.Id} ({r.Room}): {string.Join("; ", r.Problems.Take(3))}{(r.Problems.Count > 3 ? $" and {r.Problems.Count - 3} more" : "")}");
        }
        var config = new
        {
            server = _o.Server.ToString(), sites = _o.Sites, scenario = _o.Scenario.ToString().ToLowerInvariant(),
            durationSeconds = _o.Duration.TotalSeconds, rampPerSecond = _o.RampPerSecond, videoKbps = _o.VideoKbps, audioKbps = 32,
            towns = _o.Towns, questions = _o.Questions, workers = _o.Workers, step = _o.Step, stepSeconds = _o.StepDuration.TotalSeconds,
            cores = Environment.ProcessorCount, clipVideoFrames = _clip.Video.Length, clipAudioFrames = _clip.Audio.Length,
            record = _o.Record, flashBeep = _o.FlashBeep, siteAudio = _o.SiteAudio,
        };
        double duration = Math.Round(_clock.Elapsed.TotalSeconds, 1);
        double sent = metrics.GetValueOrDefault("mediacore_udp_datagrams_sent_total");
        double cpuSeconds = metrics.GetValueOrDefault("process_cpu_seconds_total");
        double peakRx = _series.Count > 0 ? _series.Max(x => x.RxPacketsPerSecond) : 0;
        double perCpu = cpuSeconds > 0 ? Math.Round(sent / cpuSeconds) : 0;
        // Steady state: each second's receive rate over that second's server CPU, summed over the second half (the
        // whole-run figure above also charges the server with the joins' DTLS handshakes and its JIT warm-up).
        double steadyCpu = steady.Sum(s => s.ServerCpuPercent / 100.0), steadyRx = steady.Sum(s => s.RxPacketsPerSecond);
        double steadyPerCpu = steadyCpu > 0 ? Math.Round(steadyRx / steadyCpu) : 0;
        double calls = metrics.GetValueOrDefault("mediacore_udp_send_calls_total");
        var throughput = new ServerThroughput(duration > 0 ? Math.Round(sent / duration) : 0, perCpu, _calibration?.PercentOf(perCpu),
            peakRx, _calibration?.PercentOf(peakRx), steadyPerCpu, _calibration?.PercentOf(steadyPerCpu),
            calls > 0 ? Math.Round(sent / calls, 1) : null, _calibration?.PercentOfFanOut(perCpu), _calibration?.PercentOfFanOut(steadyPerCpu));
        var nodes = _nodes.Count == 0 ? null : _nodes.Select((n, i) => new NodeResult(n.Url.ToString(), n.Sampler?.Pid,
            sites.Count(s => s.Kind == "subscriber" && NodeOf(s.Site, s.Room) == i),
            n.Cpu.Count > 0 ? Math.Round(n.Cpu.Skip(n.Cpu.Count / 2).Average(), 1) : 0, n.Cpu.Count > 0 ? n.Cpu.Max() : 0)).ToList();
        return new LoadTestReport(config, startedAt, duration, serverPid, _series, totals, perSite, sites, steps,
            passing, metrics, new Verdict(reasons.Count == 0, reasons)) { Calibration = _calibration, Throughput = throughput, Nodes = nodes, Recordings = recordings };
    }

    private int NodeOf(string site, string room) => _plannedNodes.GetValueOrDefault((site, room));

    private static double? Round(double? v) => v is double d ? Math.Round(d, 1) : null;

    public void Dispose()
    {
        foreach (var w in _workers) w.Dispose();
        _http.Dispose();
        _signallingSlots.Dispose();
    }
}
