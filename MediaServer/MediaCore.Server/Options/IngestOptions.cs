namespace MediaCore.Server.Options;

/// <summary>Plain-RTP ingest settings (section <c>MediaServer:Ingest</c>).</summary>
public sealed class IngestOptions
{
    /// <summary>First UDP port for ingests; 0 (default) lets the OS pick any free port.</summary>
    public int MinPort { get; set; }

    /// <summary>Last UDP port for ingests (with <see cref="MinPort"/>); open this range on the firewall.</summary>
    public int MaxPort { get; set; }

    /// <summary>Ingests open at once.</summary>
    public int MaxIngests { get; set; } = 64;

    /// <summary>An ingest that receives nothing for this long is closed (also one that never started).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
