using MediaCore.Server.Webhooks;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Options;

/// <summary>
/// One node id: <c>MediaServer:NodeId</c> names the node in the cluster registry, relay links, metrics, webhooks and
/// recordings. <c>MediaServer:Webhooks:NodeId</c> (the webhooks' own id before the cluster existed) is a deprecated
/// alias: set alone it becomes the node id; set beside a different <c>MediaServer:NodeId</c> it is ignored and the node
/// warns at start-up (<see cref="Warning"/>).
/// </summary>
internal sealed class NodeIdAlias(IConfiguration configuration) : IPostConfigureOptions<MediaServerOptions>, IPostConfigureOptions<WebhookOptions>
{
    public const string Key = MediaServerOptions.SectionName + ":" + nameof(MediaServerOptions.NodeId);
    public const string DeprecatedKey = WebhookOptions.SectionName + ":" + nameof(WebhookOptions.NodeId);

    private string? Canonical => configuration[Key] is { Length: > 0 } v ? v : null;
    private string? Deprecated => configuration[DeprecatedKey] is { Length: > 0 } v ? v : null;

    public void PostConfigure(string? name, MediaServerOptions options)
    {
        if (Canonical is null && Deprecated is { } old) options.NodeId = old;
    }

    public void PostConfigure(string? name, WebhookOptions options) => options.NodeId = Canonical ?? Deprecated ?? options.NodeId;

    /// <summary>What to tell the operator at start-up about the deprecated key, or null when it is not set.</summary>
    public string? Warning() => (Canonical, Deprecated) switch
    {
        (_, null) => null,
        (null, { } old) => $"{DeprecatedKey} is deprecated: set {Key}={old} instead (it names the node in webhooks, the cluster and metrics).",
        ({ } id, { } old) when id != old => $"{DeprecatedKey}={old} differs from {Key}={id} and is ignored: webhooks now report nodeId '{id}'. " +
            $"Remove {DeprecatedKey} (deprecated); if the ControlPlane knew this node as '{old}', its sessions from before are closed by the node_started webhook under the new id only.",
        _ => $"{DeprecatedKey} is deprecated and redundant ({Key} is set to the same id): remove it.",
    };
}
