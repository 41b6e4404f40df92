using System.Net;
using MediaCore.Server.Options;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Udp;

/// <summary>
/// Where peers reach this node's media port: what the SDP answer's ICE candidate carries
/// (<c>a=candidate:... udp ... {Address} {Port} typ host</c>, RFC 8839 §5.1). The port is the one actually
/// bound, so it is right when <c>MediaServer:UdpPort=0</c> (tests).
/// </summary>
public sealed class MediaEndpointInfo(UdpEndpoint udp, IOptions<MediaServerOptions> options)
{
    /// <summary><c>MediaServer:AdvertisedAddress</c> with the bound UDP port.</summary>
    public IPEndPoint Advertised { get; } = new(IPAddress.Parse(options.Value.AdvertisedAddress), udp.LocalEndPoint.Port);
}
