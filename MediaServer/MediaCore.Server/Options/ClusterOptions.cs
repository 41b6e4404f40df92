namespace MediaCore.Server.Options;

/// <summary>
/// Cascade of MediaServer nodes (section <c>MediaServer:Cluster</c>). Off while <see cref="Redis"/> is empty: the node then
/// keeps today's in-process room directory and needs no Redis. See README "Cluster".
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>StackExchange.Redis connection string of the shared directory, e.g. <c>127.0.0.1:6390</c>; empty: single node.</summary>
    public string? Redis { get; set; }

    /// <summary>Base URL other nodes use to reach this node's HTTP API (relay set-up), e.g. <c>http://10.0.0.2:8080</c>.</summary>
    public string? RelayUrl { get; set; }

    /// <summary>The parent node's id (a town node under the county node); empty for the root.</summary>
    public string? Parent { get; set; }

    /// <summary>How often the node refreshes its registry entry.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A node whose entry is not refreshed within this time is dropped (its key expires in Redis).</summary>
    public TimeSpan NodeTtl { get; set; } = TimeSpan.FromSeconds(2.5);

    /// <summary>
    /// How long a relay set-up call (<c>POST /api/cluster/relay</c>) may take before the WHEP join it serves answers 503. A node
    /// that died leaves the registry within <see cref="NodeTtl"/> anyway; this only has to outlast a live node that is slow,
    /// e.g. its first relay right after start-up on a loaded machine (3 s was measured too short at load average 30).
    /// </summary>
    public TimeSpan RelayTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A relay link with no packet from its peer for this long is released.</summary>
    public TimeSpan LinkIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often a node re-reads the shared room state it holds (host controls, raise-hand queues) although no change was
    /// announced: the safety net for a pub/sub notification lost while its connection to Redis was down. Changes arrive
    /// through the notifications at once; a node also re-reads everything when Redis comes back.
    /// </summary>
    public TimeSpan SyncPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>True when a Redis directory is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);
}
