using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Options;

/// <summary>
/// Checks <see cref="MediaServerOptions"/> when the host starts (ValidateOnStart), so a bad deployment
/// fails at once with a message that names the setting, instead of at the first request.
/// </summary>
internal sealed class MediaServerOptionsValidator : IValidateOptions<MediaServerOptions>
{
    public ValidateOptionsResult Validate(string? name, MediaServerOptions o)
    {
        var errors = new List<string>();
        if (o.UdpPort is < 0 or > 65535)
            errors.Add($"MediaServer:UdpPort must be 0..65535 (got {o.UdpPort}).");
        bool bindOk = IPAddress.TryParse(o.BindAddress, out var bind);
        if (!bindOk)
            errors.Add($"MediaServer:BindAddress '{o.BindAddress}' is not an IP address (use 127.0.0.1, 0.0.0.0 or ::).");
        if (!IPAddress.TryParse(o.AdvertisedAddress, out var adv))
            errors.Add($"MediaServer:AdvertisedAddress '{o.AdvertisedAddress}' is not an IP address.");
        else if (adv.Equals(IPAddress.Any) || adv.Equals(IPAddress.IPv6Any))
            errors.Add("MediaServer:AdvertisedAddress must be an address peers can reach, not a wildcard.");
        else if (bindOk && bind!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && adv.AddressFamily != bind.AddressFamily)
            errors.Add("MediaServer:AdvertisedAddress is IPv6 but the IPv4 BindAddress cannot receive IPv6: bind :: for dual-stack.");
        if (string.IsNullOrEmpty(o.TokenSecret))
            errors.Add($"MediaServer:TokenSecret is required (at least {MediaServerOptions.MinTokenSecretBytes} bytes) unless " +
                       "MediaServer:DemoMode=true. Set it in appsettings.json or the environment variable MediaServer__TokenSecret.");
        else if (Encoding.UTF8.GetByteCount(o.TokenSecret) < MediaServerOptions.MinTokenSecretBytes)
            errors.Add($"MediaServer:TokenSecret is too short: HS256 needs at least {MediaServerOptions.MinTokenSecretBytes} bytes (RFC 7518 §3.2).");
        if (o.Limits.SessionRequestsPerSecond < 1 || o.Limits.SessionRequestBurst < 1 || o.Limits.MaxSessionsPerRoom < 1 || o.Limits.MaxRooms < 1)
            errors.Add("MediaServer:Limits:SessionRequestsPerSecond, :SessionRequestBurst, :MaxSessionsPerRoom and :MaxRooms must be at least 1.");
        if (o.ReceiveThreads is < 1 or > 64)
            errors.Add("MediaServer:ReceiveThreads must be 1..64.");
        else if (o.ReceiveThreads > 1 && !OperatingSystem.IsLinux())
            errors.Add("MediaServer:ReceiveThreads > 1 needs SO_REUSEPORT (Linux).");
        if (o.SendWorkers is < 0 or > 64)
            errors.Add("MediaServer:SendWorkers must be 0..64 (0: send on the routing thread; unset: one per core).");
        if (o.SendQueueSlots is < 1024 or > 1 << 20)
            errors.Add("MediaServer:SendQueueSlots must be 1024..1048576.");
        if (o.MaxPacingDelay < TimeSpan.FromMilliseconds(2) || o.MaxPacingDelay > TimeSpan.FromMilliseconds(200))
            errors.Add("MediaServer:MaxPacingDelay must be 00:00:00.002..00:00:00.200.");
        else if (o.BurstSpread < TimeSpan.Zero || o.BurstSpread > o.MaxPacingDelay)
            errors.Add("MediaServer:BurstSpread must be 0 (off) up to MediaServer:MaxPacingDelay.");
        if (o.MaxConcurrentHandshakes is < 1 or > 1024)
            errors.Add("MediaServer:MaxConcurrentHandshakes must be 1..1024.");
        if (o.MaxSdpBytes is < 1024 or > 1024 * 1024)
            errors.Add("MediaServer:MaxSdpBytes must be 1 KiB..1 MiB.");
        if (o.TimerResolution < TimeSpan.FromMilliseconds(1) || o.TimerResolution > TimeSpan.FromSeconds(1))
            errors.Add("MediaServer:TimerResolution must be 1 ms..1 s.");
        if (o.DemoTokenLifetime <= TimeSpan.Zero || o.DemoTokenLifetime > TimeSpan.FromDays(1))
            errors.Add("MediaServer:DemoTokenLifetime must be positive and at most one day.");
        if (o.TokenClockSkew < TimeSpan.Zero || o.TokenClockSkew > TimeSpan.FromMinutes(5))
            errors.Add("MediaServer:TokenClockSkew must be 0..5 minutes.");
        if (o.IceTcpPort is < 0 or > 65535)
            errors.Add($"MediaServer:IceTcpPort must be 0..65535 (got {o.IceTcpPort}).");
        if (o.IceTcpMaxConnections is < 1 or > 100_000)
            errors.Add("MediaServer:IceTcpMaxConnections must be 1..100000.");
        if (o.Ingest.MinPort is < 0 or > 65535 || o.Ingest.MaxPort is < 0 or > 65535 || (o.Ingest.MinPort > 0 && o.Ingest.MaxPort < o.Ingest.MinPort))
            errors.Add("MediaServer:Ingest:MinPort/MaxPort must be a port range (MinPort <= MaxPort), or MinPort 0 for any free port.");
        if (o.Sip.Port is < 0 or > 65535)
            errors.Add($"MediaServer:Sip:Port must be 0..65535 (got {o.Sip.Port}).");
        if (o.Sip.RtpMinPort is < 0 or > 65534 || o.Sip.RtpMaxPort is < 0 or > 65535 || (o.Sip.RtpMinPort > 0 && o.Sip.RtpMaxPort < o.Sip.RtpMinPort + 1))
            errors.Add("MediaServer:Sip:RtpMinPort/RtpMaxPort must be a port range of at least two ports, or RtpMinPort 0 for any free ports.");
        if (string.IsNullOrWhiteSpace(o.Sip.Realm) || o.Sip.Realm.Any(c => c is '"' or '\\' || char.IsControl(c)))
            errors.Add("MediaServer:Sip:Realm must be non-empty printable text without quotes or backslashes.");
        if (!string.IsNullOrWhiteSpace(o.Sip.AccountsUrl)
            && (!Uri.TryCreate(o.Sip.AccountsUrl, UriKind.Absolute, out var accountsUrl) || accountsUrl.Scheme is not ("http" or "https")))
            errors.Add($"MediaServer:Sip:AccountsUrl must be an http(s) URL such as http://127.0.0.1:8090/api/media/sip-accounts (got '{o.Sip.AccountsUrl}').");
        if (o.Sip.AccountCacheTtl < TimeSpan.Zero || o.Sip.AccountCacheTtl > TimeSpan.FromHours(1))
            errors.Add("MediaServer:Sip:AccountCacheTtl must be 0 to 1 hour.");
        if (o.Sip.MaxCalls is < 1 or > 5000)
            errors.Add("MediaServer:Sip:MaxCalls must be 1..5000.");
        if (o.Ingest.MaxIngests is < 1 or > 10_000)
            errors.Add("MediaServer:Ingest:MaxIngests must be 1..10000.");
        if (o.Ingest.IdleTimeout < TimeSpan.FromSeconds(1) || o.Ingest.IdleTimeout > TimeSpan.FromHours(24))
            errors.Add("MediaServer:Ingest:IdleTimeout must be 1 s..24 h.");
        foreach (var url in o.Turn.Urls)
            if (!(url.StartsWith("turn:", StringComparison.OrdinalIgnoreCase) || url.StartsWith("turns:", StringComparison.OrdinalIgnoreCase)
                  || url.StartsWith("stun:", StringComparison.OrdinalIgnoreCase) || url.StartsWith("stuns:", StringComparison.OrdinalIgnoreCase))
                || url.Any(c => c is '<' or '>' or '"' or ',' || char.IsWhiteSpace(c)))
                errors.Add($"MediaServer:Turn:Urls entry '{url}' is not a STUN/TURN URL (RFC 7064/7065), e.g. turn:192.0.2.10:3478?transport=udp.");
        if (o.Turn.CredentialLifetime <= TimeSpan.Zero || o.Turn.CredentialLifetime > TimeSpan.FromDays(7))
            errors.Add("MediaServer:Turn:CredentialLifetime must be positive and at most 7 days.");
        if (string.IsNullOrWhiteSpace(o.NodeId) || o.NodeId.Length > 64 || !o.NodeId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            errors.Add($"MediaServer:NodeId '{o.NodeId}' (or the deprecated MediaServer:Webhooks:NodeId it came from) must be 1..64 characters of letters, digits, '-', '_' or '.'.");
        if (o.Cluster.Enabled)
        {
            if (!Uri.TryCreate(o.Cluster.RelayUrl, UriKind.Absolute, out var relay) || relay.Scheme is not ("http" or "https"))
                errors.Add("MediaServer:Cluster:RelayUrl is required with MediaServer:Cluster:Redis: the http(s) base URL other nodes reach this node at.");
            if (o.Cluster.Parent == o.NodeId)
                errors.Add("MediaServer:Cluster:Parent must name another node, not this one.");
            if (o.Cluster.HeartbeatInterval <= TimeSpan.Zero || o.Cluster.NodeTtl <= o.Cluster.HeartbeatInterval)
                errors.Add("MediaServer:Cluster:NodeTtl must be longer than HeartbeatInterval (both positive).");
            if (o.Cluster.RelayTimeout < TimeSpan.FromSeconds(1) || o.Cluster.RelayTimeout > TimeSpan.FromMinutes(1))
                errors.Add("MediaServer:Cluster:RelayTimeout must be between 00:00:01 and 00:01:00.");
            if (o.Cluster.SyncPollInterval < TimeSpan.FromMilliseconds(100) || o.Cluster.SyncPollInterval > TimeSpan.FromHours(1))
                errors.Add("MediaServer:Cluster:SyncPollInterval must be between 00:00:00.1 and 01:00:00.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// In demo mode only, a missing TokenSecret becomes a random per-process secret, so ./run.sh works with no
/// configuration. Outside demo mode nothing is invented: the validator rejects the missing secret.
/// </summary>
internal sealed class DemoSecretPostConfigure : IPostConfigureOptions<MediaServerOptions>
{
    public void PostConfigure(string? name, MediaServerOptions o)
    {
        if (o.DemoMode && string.IsNullOrEmpty(o.TokenSecret))
            o.TokenSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
    }
}
