using System.Buffers.Binary;
using System.Net;

namespace MediaCore.Protocol.Core;

/// <summary>
/// A transport address (IPv4 or IPv6 plus port, over UDP or, for ICE-TCP (RFC 6544), a TCP connection) as a
/// value type, so the hot path can key tables by peer without allocating an <see cref="IPEndPoint"/> per
/// datagram. The transport is part of the identity: a UDP peer and a TCP connection from the same IP and port
/// are different peers.
/// </summary>
public readonly struct PeerAddress : IEquatable<PeerAddress>
{
    private readonly ulong _hi;   // IPv6 bytes 0..7, or 0 for IPv4
    private readonly ulong _lo;   // IPv6 bytes 8..15, or the IPv4 address in the low 32 bits
    private readonly ushort _port;
    private readonly byte _family; // 0 = none, 4 = IPv4, 6 = IPv6
    private readonly bool _tcp;

    private PeerAddress(ulong hi, ulong lo, ushort port, byte family, bool tcp = false)
    {
        _hi = hi; _lo = lo; _port = port; _family = family; _tcp = tcp;
    }

    public bool IsNone => _family == 0;
    /// <summary>The peer is the far end of a TCP connection (ICE-TCP, RFC 6544), not a UDP address.</summary>
    public bool IsTcp => _tcp;

    /// <summary>The same IP and port, as the far end of a TCP connection.</summary>
    public PeerAddress AsTcp() => new(_hi, _lo, _port, _family, tcp: true);
    public bool IsIPv4 => _family == 4;
    public bool IsIPv6 => _family == 6;
    public int Port => _port;

    public static PeerAddress FromIPv4(ReadOnlySpan<byte> address, int port)
        => new(0, BinaryPrimitives.ReadUInt32BigEndian(address), (ushort)port, 4);

    public static PeerAddress FromIPv6(ReadOnlySpan<byte> address, int port)
        => new(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]), (ushort)port, 6);

    public static PeerAddress FromEndPoint(IPEndPoint ep)
    {
        Span<byte> b = stackalloc byte[16];
        ep.Address.TryWriteBytes(b, out int n);
        return n == 4 ? FromIPv4(b, ep.Port) : FromIPv6(b, ep.Port);
    }

    /// <summary>Writes the raw address bytes (4 or 16) and returns how many were written.</summary>
    public int WriteAddressBytes(Span<byte> destination)
    {
        if (_family == 4) { BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_lo); return 4; }
        BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _lo);
        return 16;
    }

    public IPEndPoint ToEndPoint()
    {
        Span<byte> b = stackalloc byte[16];
        int n = WriteAddressBytes(b);
        return new IPEndPoint(new IPAddress(b[..n]), _port);
    }

    /// <summary>Same IP address (and family), whatever the port and transport.</summary>
    public bool HasSameIp(PeerAddress other) => _hi == other._hi && _lo == other._lo && _family == other._family;

    public bool Equals(PeerAddress other)
        => _hi == other._hi && _lo == other._lo && _port == other._port && _family == other._family && _tcp == other._tcp;
    public override bool Equals(object? obj) => obj is PeerAddress p && Equals(p);
    public override int GetHashCode() => HashCode.Combine(_hi, _lo, _port, _family, _tcp);
    public static bool operator ==(PeerAddress a, PeerAddress b) => a.Equals(b);
    public static bool operator !=(PeerAddress a, PeerAddress b) => !a.Equals(b);
    public override string ToString() => IsNone ? "(none)" : _tcp ? "tcp/" + ToEndPoint() : ToEndPoint().ToString();
}
