using MediaCore.Protocol.Core;
using MediaCore.Protocol.Srtp;
using MediaCore.Server.Tcp;

namespace MediaCore.Server.Udp;

/// <summary>
/// The engine's one way out: UDP peers through the media <see cref="UdpEndpoint"/>, ICE-TCP peers
/// (<see cref="PeerAddress.IsTcp"/>) through their connection on the <see cref="IceTcpServer"/>.
/// Protected packets go to the endpoint's send workers whatever the transport (a worker hands an ICE-TCP peer's
/// packets to the TCP server after protecting them), so a session's SRTP has one thread whichever path ICE chose.
/// </summary>
public sealed class MediaSender : IDatagramSender
{
    private readonly UdpEndpoint _udp;
    private readonly IceTcpServer _tcp;

    public MediaSender(UdpEndpoint udp, IceTcpServer tcp)
    {
        _udp = udp;
        _tcp = tcp;
        udp.StreamSender = tcp;
    }

    public bool Send(ReadOnlySpan<byte> datagram, PeerAddress to) => to.IsTcp ? _tcp.Send(datagram, to) : _udp.Send(datagram, to);

    public bool SendProtected(IPacketProtector protector, bool rtcp, ReadOnlySpan<byte> packet, PeerAddress to)
        => _udp.ProtectsOnWorkers ? _udp.SendProtected(protector, rtcp, packet, to) : DatagramSenderExtensions.ProtectAndSend(this, protector, rtcp, packet, to);

    public void Release(IPacketProtector protector) => _udp.Release(protector);

    public bool TryBeginProtected(IPacketProtector protector, bool rtcp, PeerAddress to, out OutputSlot slot)
        => _udp.TryBeginProtected(protector, rtcp, to, out slot);
}
