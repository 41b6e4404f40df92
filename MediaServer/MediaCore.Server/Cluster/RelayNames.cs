using MediaCore.Protocol.Rtp;

namespace MediaCore.Server.Cluster;

/// <summary>Names and the header-extension map of relay links.</summary>
internal static class RelayNames
{
    private const string InPrefix = "relay:";

    /// <summary>A relayed producer's id on the receiving node: <c>relay:{origin}:{producer}</c>.</summary>
    public static string InProducerId(string originNode, string producerId) => InPrefix + originNode + ":" + producerId;

    public static string OutConsumerId(string peerNode, string producerId) => "relay-out:" + peerNode + ":" + producerId;

    public static bool IsRelayed(string producerId) => producerId.StartsWith(InPrefix, StringComparison.Ordinal);

    /// <summary>The node a relayed producer came in from (node ids have no ':'), or null for a producer published here.</summary>
    public static string? OriginOf(string producerId)
    {
        if (!IsRelayed(producerId)) return null;
        int end = producerId.IndexOf(':', InPrefix.Length);
        return end < 0 ? null : producerId[InPrefix.Length..end];
    }

    /// <summary>
    /// Extensions a link carries: the RFC 6464 audio level (the receiving node's mixer selects speakers by it without decoding)
    /// and the video orientation (RFC 7742 §4 via 3GPP CVO), under fixed ids since both ends are ours.
    /// </summary>
    public static RtpExtensionMap LinkExtensions()
    {
        var map = new RtpExtensionMap();
        map.Add(1, RtpExtensionKind.AudioLevel);
        map.Add(2, RtpExtensionKind.VideoOrientation);
        return map;
    }
}
