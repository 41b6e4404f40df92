using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MediaCore.Protocol.Core;
using MediaCore.Server.Timers;

namespace MediaCore.Server.Udp;

/// <summary>
/// Reads the media socket with <c>recvmmsg(2)</c>: up to <see cref="Batch"/> datagrams per system call, each with
/// the kernel's receive timestamp (<c>SO_TIMESTAMPNS</c>, taken when the packet reached the socket). The
/// timestamp becomes the datagram's <c>nowTicks</c>, so transport-cc feedback (RFC 8888's predecessor,
/// draft-holmer-rmcat-transport-wide-cc-extensions) reports when packets arrived, not when a busy thread got to
/// them: queueing inside the server no longer looks like network delay to the publisher's bandwidth estimator.
/// Linux, 64-bit; one instance per receive thread; nothing allocated per datagram.
/// </summary>
internal sealed unsafe class UdpBatchReceiver : IDisposable
{
    public const int Batch = 32;
    private const int SlotBytes = 65536; // larger than any loopback datagram: nothing is truncated
    private const int NameBytes = 32;
    private const int ControlBytes = LinuxUdp.TimestampControlBytes;
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly long MaxTimestampAgeTicks = TimeSpan.FromSeconds(2).Ticks;

    private readonly Socket _socket;
    private readonly MediaClock _clock;
    private readonly byte* _data;
    private readonly byte* _names;
    private readonly byte* _control;
    private readonly LinuxUdp.IoVec* _iov;
    private readonly LinuxUdp.MMsgHdr* _headers;
    private readonly long[] _arrival = new long[Batch];
    private bool _refAdded;
    private readonly int _fd;

    public UdpBatchReceiver(Socket socket, MediaClock clock)
    {
        if (!LinuxUdp.IsSupported) throw new PlatformNotSupportedException("recvmmsg needs 64-bit Linux");
        _socket = socket;
        _clock = clock;
        _data = (byte*)NativeMemory.AlignedAlloc((nuint)Batch * SlotBytes, 64);
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(Batch * NameBytes));
        _control = (byte*)NativeMemory.AllocZeroed((nuint)(Batch * ControlBytes));
        _iov = (LinuxUdp.IoVec*)NativeMemory.AllocZeroed((nuint)Batch, (nuint)sizeof(LinuxUdp.IoVec));
        _headers = (LinuxUdp.MMsgHdr*)NativeMemory.AllocZeroed((nuint)Batch, (nuint)sizeof(LinuxUdp.MMsgHdr));
        for (int i = 0; i < Batch; i++)
        {
            _iov[i].Base = _data + (long)i * SlotBytes;
            _iov[i].Length = SlotBytes;
            _headers[i].Header.Iov = &_iov[i];
            _headers[i].Header.IovLength = 1;
            _headers[i].Header.Name = _names + i * NameBytes;
            _headers[i].Header.Control = _control + i * ControlBytes;
        }
        socket.SafeHandle.DangerousAddRef(ref _refAdded);
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        int on = 1;
        TimestampsEnabled = LinuxUdp.setsockopt(_fd, LinuxUdp.SolSocket, LinuxUdp.SoTimestampNs, &on, sizeof(int)) == 0;
    }

    /// <summary>False when the kernel refused SO_TIMESTAMPNS: arrival times are then read from the clock.</summary>
    public bool TimestampsEnabled { get; }

    /// <summary>
    /// Blocks until at least one datagram is there, then takes up to <see cref="Batch"/>. Returns how many;
    /// 0 after a transient error (ICMP error, signal); -1 when the socket was shut down.
    /// </summary>
    public int Receive()
    {
        for (int i = 0; i < Batch; i++)
        {
            _headers[i].Header.NameLength = NameBytes;
            _headers[i].Header.ControlLength = ControlBytes;
            _headers[i].Header.Flags = 0;
        }
        int n = LinuxUdp.recvmmsg(_fd, _headers, Batch, LinuxUdp.MsgWaitForOne, null);
        if (n < 0) return 0;
        if (n == 0) return -1; // shutdown wakes a blocked receive with nothing
        long nowMedia = _clock.NowTicks;
        long nowReal = DateTime.UtcNow.Ticks;
        for (int i = 0; i < n; i++)
        {
            long arrival = nowMedia;
            if (TimestampsEnabled && LinuxUdp.TryReadTimestamp(_control + i * ControlBytes, _headers[i].Header.ControlLength, out var ts))
            {
                long age = nowReal - (UnixEpochTicks + ts.Seconds * TimeSpan.TicksPerSecond + ts.Nanoseconds / 100);
                // A wall-clock step must not move media time: ignore implausible ages.
                if (age > 0 && age < MaxTimestampAgeTicks) arrival = nowMedia - age;
            }
            _arrival[i] = arrival;
        }
        return n;
    }

    /// <summary>Datagram <paramref name="i"/> of the last <see cref="Receive"/>.</summary>
    public Span<byte> Datagram(int i) => new(_data + (long)i * SlotBytes, (int)Math.Min(_headers[i].Length, SlotBytes));

    /// <summary>When datagram <paramref name="i"/> reached the socket, in <see cref="MediaClock"/> ticks.</summary>
    public long ArrivalTicks(int i) => _arrival[i];

    /// <summary>Who sent datagram <paramref name="i"/>; IPv4-mapped IPv6 folds to IPv4.</summary>
    public PeerAddress Source(int i)
    {
        var name = new ReadOnlySpan<byte>(_names + i * NameBytes, NameBytes);
        ushort family = *(ushort*)(_names + i * NameBytes);
        int port = (name[2] << 8) | name[3];
        if (family == 2) return PeerAddress.FromIPv4(name.Slice(4, 4), port);
        var v6 = name.Slice(8, 16);
        if (BinaryPrimitives.ReadUInt64BigEndian(v6) == 0 && BinaryPrimitives.ReadUInt32BigEndian(v6[8..]) == 0xFFFF)
            return PeerAddress.FromIPv4(v6[12..], port);
        return PeerAddress.FromIPv6(v6, port);
    }

    public void Dispose()
    {
        if (_refAdded)
        {
            _socket.SafeHandle.DangerousRelease();
            _refAdded = false;
        }
        NativeMemory.AlignedFree(_data);
        NativeMemory.Free(_names);
        NativeMemory.Free(_control);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_headers);
    }
}
