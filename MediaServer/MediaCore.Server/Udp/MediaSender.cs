using MediaCore.Protocol.Core;
using MediaCore.Server.Tcp;

namespace MediaCore.Server.Udp;

/// <summary>
/// The engine's one way out: UDP peers through the media <see cref="UdpEndpoint"/>, ICE-TCP peers
/// (<see cref="PeerAddress.IsTcp"/>) through their connection on the <see cref="IceTcpServer"/>.
/// </summary>
public sealed class MediaSender(UdpEndpoint udp, IceTcpServer tcp) : IDatagramSender
{
    public bool Send(ReadOnlySpan<byte> datagram, PeerAddress to) => to.IsTcp ? tcp.Send(datagram, to) : udp.Send(datagram, to);
}
