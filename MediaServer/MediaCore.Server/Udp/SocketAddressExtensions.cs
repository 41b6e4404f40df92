using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using MediaCore.Protocol.Core;

namespace MediaCore.Server.Udp;

/// <summary>
/// Allocation-free conversion between the socket layer's <see cref="SocketAddress"/> and the protocol
/// layer's <see cref="PeerAddress"/> (kept here so the protocol layer never references System.Net.Sockets).
/// </summary>
public static class SocketAddressExtensions
{
    /// <summary>Reads a socket address; IPv4-mapped IPv6 (::ffff:a.b.c.d) folds to IPv4 so dual-stack sockets key peers consistently.</summary>
    public static PeerAddress ToPeerAddress(this SocketAddress sa)
    {
        var buf = sa.Buffer.Span;
        int port = (buf[2] << 8) | buf[3];
        if (sa.Family == AddressFamily.InterNetwork)
            return PeerAddress.FromIPv4(buf.Slice(4, 4), port);
        var v6 = buf.Slice(8, 16);
        if (BinaryPrimitives.ReadUInt64BigEndian(v6) == 0 && BinaryPrimitives.ReadUInt32BigEndian(v6[8..]) == 0xFFFF)
            return PeerAddress.FromIPv4(v6[12..], port);
        return PeerAddress.FromIPv6(v6, port);
    }

    /// <summary>Writes <paramref name="peer"/> into <paramref name="sa"/> for <c>Socket.SendTo</c>.</summary>
    public static void WriteTo(this PeerAddress peer, SocketAddress sa)
    {
        var buf = sa.Buffer.Span;
        buf[2] = (byte)(peer.Port >> 8);
        buf[3] = (byte)peer.Port;
        Span<byte> address = stackalloc byte[16];
        int n = peer.WriteAddressBytes(address);
        if (sa.Family == AddressFamily.InterNetwork)
        {
            address[..4].CopyTo(buf.Slice(4, 4));
            return;
        }
        var v6 = buf.Slice(8, 16);
        if (n == 4)
        {
            v6[..10].Clear();
            v6[10] = 0xFF;
            v6[11] = 0xFF;
            address[..4].CopyTo(v6[12..]);
        }
        else
        {
            address.CopyTo(v6);
        }
    }
}
