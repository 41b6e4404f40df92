namespace MediaCore.LoadTest;

/// <summary>The meeting shapes the simulator can play (docs/architecture.md, "The media model").</summary>
public enum Scenario
{
    /// <summary>One county publisher, every site subscribes.</summary>
    Plenary,
    /// <summary>T towns, each meeting with its villages (a publisher per town, its villages subscribe).</summary>
    Partial,
    /// <summary>One expert lecturer and an audience; a few villages publish (ask questions).</summary>
    Lecture,
    /// <summary>Village meetings (one publisher each) with a silent town observer listening in.</summary>
    ListenIn,
    /// <summary>Plenary grown step by step until loss &gt; 1% or join &gt; 2 s; reports the largest passing count.</summary>
    Capacity,
}

/// <summary>Command-line options of the load test.</summary>
public sealed record LoadTestOptions
{
    public Uri Server { get; init; } = new("http://127.0.0.1:8080");
    /// <summary>Cluster: MediaServer nodes to spread the sites over (<c>--nodes</c>); the first is the county node. Empty: <see cref="Server"/> only.</summary>
    public IReadOnlyList<Uri> Nodes { get; init; } = [];
    /// <summary>Cluster tree (<c>--topology</c>): room publishers on the first (county) node, villages on the others (town nodes).</summary>
    public bool Topology { get; init; }
    public int Sites { get; init; } = 20;
    public Scenario Scenario { get; init; } = Scenario.Plenary;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
    public string? TokenSecret { get; init; }
    /// <summary>Sites started per second during ramp-up.</summary>
    public double RampPerSecond { get; init; } = 50;
    /// <summary>Publisher video bitrate (kb/s) of the cached VP8 clip.</summary>
    public int VideoKbps { get; init; } = 900;
    public int Towns { get; init; } = 5;
    public int Questions { get; init; } = 3;
    public int Workers { get; init; } = 2;
    /// <summary>Plenary/capacity: every site also publishes its room audio (Opus only, role speaker), for the mixed room.</summary>
    public bool SiteAudio { get; init; }
    /// <summary>Capacity mode: sites added per step and seconds per step.</summary>
    public int Step { get; init; } = 50;
    /// <summary>Capacity: subscribers connected before the first step (warm the server's code paths).</summary>
    public int Warmup { get; init; } = 5;
    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(10);
    public string? ReportPath { get; init; }
    /// <summary>Folder for the PNG plots (default: next to the report).</summary>
    public string? PlotDir { get; init; }
    public int? ServerPid { get; init; }
    public string CacheDir { get; init; } = Path.Combine(Path.GetTempPath(), "mediacore-loadtest-media");
    public bool Quiet { get; init; }
    /// <summary>Measure the loopback sendto ceiling first; throughputs are also printed as a fraction of it.</summary>
    public bool Calibrate { get; init; }
    /// <summary>Runs of the scenario, back to back; the summary gives min/median/max.</summary>
    public int Repeat { get; init; } = 1;
    /// <summary>A peer whose server goes silent for 3 s (killed, restarted) or whose transport fails starts a new session (default).</summary>
    public bool Reconnect { get; init; } = true;
    /// <summary>
    /// Record the rooms of the main publishers (<c>--record</c>) through the room API for the run; afterwards every track file of
    /// a simulated publisher is downloaded and read by ffprobe, and its duration compared with the publishing time.
    /// </summary>
    public bool Record { get; init; }
    /// <summary>
    /// The rooms' main publishers send the flash-and-beep clip (<c>--flash-beep</c>): a white flash and a 1 kHz beep start together
    /// every 2 s. With <see cref="Record"/> the run waits for the composite <c>meeting.mp4</c> and measures its audio/video offset.
    /// </summary>
    public bool FlashBeep { get; init; }
    /// <summary>With <see cref="Record"/>: how long to wait for the composite after the stop.</summary>
    public TimeSpan CompositeTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>With <see cref="Record"/>: where the downloaded recording files go (default: beside the report, else a temporary folder that is removed).</summary>
    public string? RecordingDownloadDir { get; init; }

    public const string Usage = """
        MediaCore load test: simulated sites as real WebRTC peers (WHIP/WHEP, ICE, DTLS, SRTP, RTCP).
          --server URL          MediaServer base URL (default http://127.0.0.1:8080)
          --nodes URL,URL,...   a cluster: spread the sites over these MediaServer nodes (the first is the county node);
                                the report gives each node's CPU
          --topology            with --nodes: publishers on the county node, villages on the town nodes (the rest)
          --token-secret S      the server's MediaServer:TokenSecret (or env MEDIACORE_TOKEN_SECRET)
          --sites N             simulated sites (default 20)
          --scenario NAME       plenary | partial | lecture | listen-in | capacity (default plenary)
          --duration S          seconds of media after ramp-up (default 30)
          --ramp N              sites started per second (default 50)
          --bitrate K           publisher VP8 bitrate in kb/s (default 900; Opus adds 32)
          --towns T             partial: number of towns (default 5)
          --questions Q         lecture: villages that publish questions (default 3)
          --workers W           worker threads driving the peers (default 2)
          --site-audio          plenary/capacity: every site also publishes Opus (mixed room)
          --step N --step-duration S   capacity: sites per step (50), seconds per step (10)
          --warmup N            capacity: subscribers connected before the first step (default 5)
          --report FILE         write report.json (and PNG plots beside it)
          --server-pid PID      MediaServer process for CPU/RSS (default: the process listening on the --server port)
          --calibrate           first measure this machine's loopback sendto ceiling (datagrams/s per core);
                                throughputs are then also printed as a fraction of it
          --repeat N            run the scenario N times back to back; prints min/median/max (reports get -runK)
          --no-reconnect        a peer whose server goes silent for 3 s or whose transport fails stays failed
                                (default: it POSTs a new offer every second until the server answers, as browsers do;
                                each reconnect is counted and fails the verdict)
          --record              record each room with a video publisher (POST/DELETE /api/rooms/{room}/recording, the
                                room's host token) for the run; then every track file of a simulated publisher is
                                downloaded, read by ffprobe, and its duration must be within 200 ms of its publishing time
          --flash-beep          the rooms' video publishers send an ffmpeg-made flash-and-beep clip (a white flash and a
                                1 kHz beep start together every 2 s); with --record the run waits for meeting.mp4 and
                                its audio/video offset (beep onset minus flash onset, every pair) must be under 80 ms
          --composite-timeout S with --record --flash-beep: seconds to wait for meeting.mp4 (default 300)
          --recording-dir DIR   with --record: keep the downloaded files here (default: beside --report, else removed)
        """;

    public static LoadTestOptions Parse(string[] args)
    {
        var o = new LoadTestOptions { TokenSecret = Environment.GetEnvironmentVariable("MEDIACORE_TOKEN_SECRET") };
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--server" => o with { Server = Url(args[i], Next()) },
                "--nodes" => o with { Nodes = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => Url("--nodes", u)).ToList() },
                "--topology" => o with { Topology = true },
                "--sites" => o with { Sites = Int(args[i], Next()) },
                "--scenario" => o with { Scenario = ParseScenario(Next()) },
                "--duration" => o with { Duration = Seconds(args[i], Next()) },
                "--token-secret" => o with { TokenSecret = Next() },
                "--ramp" => o with { RampPerSecond = Number(args[i], Next()) },
                "--bitrate" => o with { VideoKbps = Int(args[i], Next()) },
                "--towns" => o with { Towns = Int(args[i], Next()) },
                "--questions" => o with { Questions = Int(args[i], Next()) },
                "--workers" => o with { Workers = Int(args[i], Next()) },
                "--warmup" => o with { Warmup = Int(args[i], Next()) },
                "--step" => o with { Step = Int(args[i], Next()) },
                "--step-duration" => o with { StepDuration = Seconds(args[i], Next()) },
                "--report" => o with { ReportPath = Next() },
                "--plots" => o with { PlotDir = Next() },
                "--server-pid" => o with { ServerPid = Int(args[i], Next()) },
                "--cache" => o with { CacheDir = Next() },
                "--quiet" => o with { Quiet = true },
                "--no-reconnect" => o with { Reconnect = false },
                "--site-audio" => o with { SiteAudio = true },
                "--calibrate" => o with { Calibrate = true },
                "--repeat" => o with { Repeat = Int(args[i], Next()) },
                "--record" => o with { Record = true },
                "--flash-beep" => o with { FlashBeep = true },
                "--composite-timeout" => o with { CompositeTimeout = Seconds(args[i], Next()) },
                "--recording-dir" => o with { RecordingDownloadDir = Next() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (string.IsNullOrEmpty(o.TokenSecret)) throw new ArgumentException("--token-secret (or MEDIACORE_TOKEN_SECRET) is required");
        if (o.Sites < 1) throw new ArgumentException("--sites must be at least 1");
        if (o.RampPerSecond <= 0) throw new ArgumentException("--ramp must be more than 0 sites per second");
        if (o.Duration <= TimeSpan.Zero || o.StepDuration <= TimeSpan.Zero) throw new ArgumentException("--duration and --step-duration must be more than 0 seconds");
        if (o.Step < 1) throw new ArgumentException("--step must be at least 1");
        if (o.Workers is < 1 or > 64) throw new ArgumentException("--workers must be 1..64");
        if (o.Repeat is < 1 or > 100) throw new ArgumentException("--repeat must be 1..100");
        if (o.Topology && o.Nodes.Count < 2) throw new ArgumentException("--topology needs --nodes with the county node and at least one town node");
        if (o.Record && o.Scenario == Scenario.Capacity) throw new ArgumentException("--record works with plenary, partial, lecture and listen-in, not capacity");
        if (o.Record && o.Nodes.Count > 1) throw new ArgumentException("--record records on one MediaServer: not with --nodes");
        // The composite mixes every audio track of the room: the beep must be its only sound.
        if (o.Record && o.FlashBeep && (o.SiteAudio || (o.Scenario == Scenario.Lecture && o.Questions > 0)))
            throw new ArgumentException("--record --flash-beep measures the beep in meeting.mp4's mix: other publishers' audio would drown it (drop --site-audio; lecture: --questions 0)");
        if (o.CompositeTimeout <= TimeSpan.Zero) throw new ArgumentException("--composite-timeout must be more than 0 seconds");
        if (o.Nodes.Count > 0) o = o with { Server = o.Nodes[0] };
        return o;
    }

    private static int Int(string option, string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n)
            ? n : throw new ArgumentException($"{option} needs a whole number, not '{value}'");

    private static double Number(string option, string value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
            ? d : throw new ArgumentException($"{option} needs a number, not '{value}'");

    private static TimeSpan Seconds(string option, string value) => TimeSpan.FromSeconds(Number(option, value));

    private static Uri Url(string option, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri : throw new ArgumentException($"{option} needs an http(s) URL such as http://127.0.0.1:8080, not '{value}'");

    private static Scenario ParseScenario(string s) => s.ToLowerInvariant() switch
    {
        "plenary" => Scenario.Plenary,
        "partial" => Scenario.Partial,
        "lecture" => Scenario.Lecture,
        "listen-in" or "listenin" => Scenario.ListenIn,
        "capacity" => Scenario.Capacity,
        _ => throw new ArgumentException($"unknown scenario {s}"),
    };
}
