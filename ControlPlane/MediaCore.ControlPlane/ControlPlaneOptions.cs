namespace MediaCore.ControlPlane;

/// <summary>
/// Configuration of the ControlPlane (section "ControlPlane"). Defaults run out of the box except the two
/// shared secrets: outside the Development environment <see cref="MediaTokenSecret"/> and
/// <see cref="WebhookSecret"/> must be configured (see <see cref="ControlPlaneSecrets"/>), and demo data is
/// seeded only when <see cref="SeedDemoData"/> asks for it.
/// </summary>
public sealed class ControlPlaneOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "ControlPlane";

    /// <summary>Npgsql connection string; when set, PostgreSQL is used instead of the embedded SQLite file.</summary>
    public string? PostgresConnectionString { get; set; }
    /// <summary>SQLite database file (relative to the working directory) used when no PostgreSQL is configured.</summary>
    public string SqlitePath { get; set; } = "controlplane.db";
    /// <summary>
    /// Folder of the Portal's built files served at "/" (relative to the working directory). Empty: the
    /// repository's Portal/dist, found by walking up from the content root.
    /// </summary>
    public string? PortalPath { get; set; }
    /// <summary>Seed the Pingyin County demo data (one known password for every account) into an empty database on start. Off unless asked for.</summary>
    public bool SeedDemoData { get; set; }
    /// <summary>Without demo data: password of the "admin" county account created in an empty database (empty: none).</summary>
    public string? AdminPassword { get; set; }
    /// <summary>Without demo data: name and code of the county site created in an empty database.</summary>
    public string CountyName { get; set; } = "平阴县";
    /// <summary>Administrative code of that county.</summary>
    public string CountyCode { get; set; } = "370124";
    /// <summary>Months of demo history (check-ins, meetings, disclosures) before the current month; unset: 3, at county scale 12.</summary>
    public int? SeedHistoryMonths { get; set; }
    /// <summary>
    /// Size of the demo: <c>demo</c> (default: the pilot's 22 villages and 3 communities, 3 villages in every other town)
    /// or <c>county</c> (every other town gets <see cref="DemoVillagesPerTown"/> villages: about 500 sites, 10,000 people,
    /// twelve months of history, written with bulk inserts), for measuring the API at a real county's size.
    /// </summary>
    public string DemoScale { get; set; } = "demo";
    /// <summary>At <c>DemoScale=county</c>: villages of each town other than the pilot (1-72; default 68, 501 villages and communities in all).</summary>
    public int DemoVillagesPerTown { get; set; } = 68;
    /// <summary>Password of every seeded demo account.</summary>
    public string DemoPassword { get; set; } = "Demo@2026";

    /// <summary>HS256 key for user session JWTs (at least 32 bytes). Empty: a random key per process.</summary>
    public string? JwtSigningKey { get; set; }
    /// <summary>Login attempts accepted per client address and minute (password guessing is answered 429).</summary>
    public int LoginAttemptsPerMinute { get; set; } = 30;
    /// <summary>Session lifetime.</summary>
    public int SessionMinutes { get; set; } = 480;

    /// <summary>
    /// Shared HS256 secret with MediaServer (its MediaServer:TokenSecret); at least 32 bytes. No default: required
    /// outside Development; in Development a random one is made per process when unset.
    /// </summary>
    public string? MediaTokenSecret { get; set; }
    /// <summary>Lifetime of minted media tokens.</summary>
    public int MediaTokenMinutes { get; set; } = 240;
    /// <summary>Base URL of the MediaServer room API (snapshots).</summary>
    public string MediaServerUrl { get; set; } = "http://127.0.0.1:8080";
    /// <summary>
    /// MediaServer base URL that browsers use (WHIP/WHEP), returned in the media-token answer; empty: <see cref="MediaServerUrl"/>.
    /// Set it when browsers reach MediaServer another way than ControlPlane does (HTTPS on the LAN address).
    /// </summary>
    public string? PublicMediaServerUrl { get; set; }
    /// <summary>TURN servers handed to clients with their media tokens (coturn, shared-secret credentials).</summary>
    public TurnOptions Turn { get; set; } = new();
    /// <summary>MediaServer's SIP user agent server as terminals reach it, shown with a terminal's SIP credentials.</summary>
    public SipTerminalOptions Sip { get; set; } = new();
    /// <summary>
    /// MediaServer cluster: which node serves which sites (<c>ControlPlane:MediaNodes:0:Url</c>, <c>:Sites:0</c> = a site code,
    /// covering the site and everything under it, e.g. a town's code for the town node). The media-token answer names the node
    /// of the caller's own site (the deepest match; none: <see cref="PublicMediaServerUrl"/>) and the others as fallbacks.
    /// </summary>
    public List<MediaNodeOptions> MediaNodes { get; set; } = [];
    /// <summary>
    /// Shared HMAC-SHA256 secret MediaServer signs its webhooks with; at least 16 bytes. No default: required
    /// outside Development; in Development a random one is made per process when unset.
    /// </summary>
    public string? WebhookSecret { get; set; }
    /// <summary>Run the background snapshot worker (tests turn it off and drive snapshots directly).</summary>
    public bool EnableSnapshotWorker { get; set; } = true;
    /// <summary>Minutes between snapshots of each site during a meeting.</summary>
    public int SnapshotIntervalMinutes { get; set; } = 10;
    /// <summary>
    /// Seconds between checks of which IP cameras (devices with an RTSP URL) to pull into their site's current meeting
    /// with ffmpeg (Live/CameraPulls); 0 turns the pulls off.
    /// </summary>
    public int CameraPullIntervalSeconds { get; set; } = 5;
    /// <summary>The ffmpeg program that pulls camera streams (Debian's <c>ffmpeg</c> on the PATH by default).</summary>
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>An event stamped further than this in the future is rejected (machine clock wrong).</summary>
    public int MaxClockSkewSeconds { get; set; } = 300;
    /// <summary>Oldest backlog an offline machine may still upload.</summary>
    public int MaxBacklogDays { get; set; } = 62;
    /// <summary>Largest batch accepted in one upload.</summary>
    public int MaxBatchSize { get; set; } = 500;
    /// <summary>Largest check-in photo (decoded bytes).</summary>
    public int MaxPhotoBytes { get; set; } = 1 << 20;
    /// <summary>Largest disclosure photo.</summary>
    public int MaxDisclosureBytes { get; set; } = 10 << 20;

    /// <summary>The "three working days" calendar.</summary>
    public WorkingDayOptions Calendar { get; set; } = new();

    /// <summary>Recordings catalogue and automatic recording.</summary>
    public RecordingCatalogOptions Recording { get; set; } = new();

    /// <summary>Courseware and scheduled playback.</summary>
    public PlaybackOptions Playback { get; set; } = new();
}

/// <summary>Section <c>ControlPlane:Playback</c>: courseware import and the playback scheduler.</summary>
public sealed class PlaybackOptions
{
    /// <summary>Where imported courseware (VP8/Opus WebM) is kept; relative to the working directory.</summary>
    public string CoursewareDirectory { get; set; } = "data/courseware";
    /// <summary>Largest courseware upload, in bytes (default 1 GiB).</summary>
    public long MaxCoursewareBytes { get; set; } = 1L << 30;
    /// <summary>The ffmpeg program that transcodes courseware.</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";
    /// <summary>
    /// Base URL MediaServer uses to fetch courseware from this ControlPlane (signed links). Set it when MediaServer runs
    /// on another host, e.g. <c>http://10.0.0.5:8090</c>.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:8090";
    /// <summary>How often the scheduler looks for due schedules, in seconds.</summary>
    public int PollSeconds { get; set; } = 5;
    /// <summary>Run the scheduler (tests may drive it by hand).</summary>
    public bool EnableScheduler { get; set; } = true;
}

/// <summary>
/// Section <c>ControlPlane:Recording</c>. Recordings stay on the MediaServer node that made them; the ControlPlane
/// keeps the catalogue and streams files from that node's room API (so the two services need no shared disk).
/// </summary>
public sealed class RecordingCatalogOptions
{
    /// <summary>
    /// Meeting kinds recorded automatically, comma-separated (<c>plenary,lecture</c>, the default; <c>none</c>: never):
    /// MediaServer is asked to start when the meeting's first publisher joins and to stop when its last publisher leaves.
    /// </summary>
    public string AutoStartKinds { get; set; } = "plenary,lecture";

    /// <summary><see cref="AutoStartKinds"/> parsed; unknown names are refused at start-up by the options validator.</summary>
    public bool AutoRecords(Data.MeetingKind kind) =>
        AutoStartKinds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(k => Enum.TryParse<Data.MeetingKind>(k, ignoreCase: true, out var v) && v == kind);
    /// <summary>
    /// Room-API base URL of each MediaServer node by its node id (the webhook's <c>nodeId</c>), for recordings made
    /// on a node other than <see cref="ControlPlaneOptions.MediaServerUrl"/>; a node not listed is reached there.
    /// </summary>
    public Dictionary<string, string> NodeUrls { get; set; } = [];
    /// <summary>Lifetime of the signed file links handed to the Portal's player and download buttons, in minutes.</summary>
    public int FileLinkMinutes { get; set; } = 240;
}

/// <summary>
/// TURN relay for sites behind NAT and firewalls (coturn with <c>use-auth-secret</c>): ICE servers in the
/// media-token answer, with time-limited credentials of the TURN REST scheme (username <c>expiry:subject</c>,
/// password base64(HMAC-SHA1(secret, username))).
/// </summary>
public sealed class TurnOptions
{
    /// <summary>TURN/STUN URLs (RFC 7065), e.g. <c>turn:turn.example.org:3478?transport=udp</c>. Empty: no ICE servers.</summary>
    public List<string> Urls { get; set; } = [];
    /// <summary>coturn's <c>static-auth-secret</c>. Without it, the URLs are handed out without credentials (STUN only).</summary>
    public string? Secret { get; set; }
    /// <summary>Lifetime of a TURN credential, in minutes.</summary>
    public int CredentialMinutes { get; set; } = 240;
}

/// <summary>
/// MediaServer's SIP server (<c>MediaServer:Sip:Port</c>) as hardware terminals reach it: shown to an admin with a
/// terminal device's derived SIP credentials (<c>GET /api/sites/{id}/devices/{deviceId}/sip</c>).
/// </summary>
public sealed class SipTerminalOptions
{
    /// <summary>Address terminals use as SIP server/registrar (MediaServer's <c>AdvertisedAddress</c> or a DNS name). Empty: not configured.</summary>
    public string? Server { get; set; }
    /// <summary>MediaServer's <c>MediaServer:Sip:Port</c> (UDP and TCP).</summary>
    public int Port { get; set; } = 5060;
    /// <summary>MediaServer's <c>MediaServer:Sip:Realm</c>.</summary>
    public string Realm { get; set; } = "mediacore";
}

/// <summary>Calendar of the three working days, in Asia/Shanghai.</summary>
public sealed class WorkingDayOptions
{
    /// <summary>Weekday of the weekly village-committee meeting day.</summary>
    public DayOfWeek CommitteeWeekday { get; set; } = DayOfWeek.Monday;
    /// <summary>Day of month of the monthly party-member theme day.</summary>
    public int ThemeDayOfMonth { get; set; } = 1;
    /// <summary>Day of the quarter's first month that is disclosure day.</summary>
    public int DisclosureDayOfMonth { get; set; } = 10;
    /// <summary>Public holidays (yyyy-MM-dd) that are not working days.</summary>
    public List<DateOnly> Holidays { get; set; } = [];
    /// <summary>Weekend days made working days by the State Council's adjustments (yyyy-MM-dd).</summary>
    public List<DateOnly> ExtraWorkdays { get; set; } = [];
}

/// <summary>One MediaServer node of a cluster and the sites it serves (see <see cref="ControlPlaneOptions.MediaNodes"/>).</summary>
public sealed class MediaNodeOptions
{
    /// <summary>The node's public base URL (what browsers reach: WHIP/WHEP and the room API).</summary>
    public string Url { get; set; } = "";
    /// <summary>Site codes served by this node; each covers the site's subtree (a town code: the town and its villages).</summary>
    public List<string> Sites { get; set; } = [];
}
