using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace MediaCore.Benchmarks;

/// <summary>
/// Where UDP GSO applies: one subscriber gets several same-size datagrams at once (a 30-packet key frame, or
/// a NACK burst). Sends 30 x 1200 B to one loopback socket as 30 <c>sendto</c>, one <c>sendmmsg</c> of 30, or
/// one <c>sendmsg</c> with <c>UDP_SEGMENT</c> (GSO: the kernel builds one 36 KB super-packet and segments it
/// late). The receiving socket is drained between iterations only: once full, the kernel drops at the receiver
/// after doing the whole send path, the same for all three. In a fan-out of one
/// packet to many subscribers (the common case) every datagram has another destination, so GSO does not apply.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public unsafe partial class GsoBenchmarks
{
    private const int Segments = 30, SegmentBytes = 1200;
    private const int SolUdp = 17, UdpSegment = 103;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec { public void* Base; public nuint Length; }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name; public uint NameLength; public IoVec* Iov; public nuint IovLength;
        public void* Control; public nuint ControlLength; public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr { public MsgHdr Header; public uint Length; }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sendmmsg(int fd, MMsgHdr* msgs, uint vlen, int flags);

    private Socket _sender = null!, _receiver = null!;
    private int _fd;
    private byte* _data, _addr, _control;
    private IoVec* _iov;
    private MMsgHdr* _mmsg;
    private EndPoint _to = null!;
    private readonly byte[] _drain = new byte[65536];

    [GlobalSetup]
    public void Setup()
    {
        _receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20 };
        _receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _fd = (int)_sender.SafeHandle.DangerousGetHandle();
        _to = _receiver.LocalEndPoint!;
        _data = (byte*)NativeMemory.AllocZeroed(Segments * SegmentBytes);
        _addr = (byte*)NativeMemory.AllocZeroed(16);
        var port = ((IPEndPoint)_to).Port;
        *(ushort*)_addr = 2;
        _addr[2] = (byte)(port >> 8); _addr[3] = (byte)port;
        _addr[4] = 127; _addr[7] = 1;
        _control = (byte*)NativeMemory.AllocZeroed(24); // CMSG_SPACE(sizeof(uint16)) = 16 + 8
        *(nuint*)_control = 18;                          // CMSG_LEN(2)
        *(int*)(_control + 8) = SolUdp;
        *(int*)(_control + 12) = UdpSegment;
        *(ushort*)(_control + 16) = SegmentBytes;
        _iov = (IoVec*)NativeMemory.AllocZeroed(Segments + 1, (nuint)sizeof(IoVec));
        _mmsg = (MMsgHdr*)NativeMemory.AllocZeroed(Segments, (nuint)sizeof(MMsgHdr));
        for (int i = 0; i < Segments; i++)
        {
            _iov[i].Base = _data + i * SegmentBytes;
            _iov[i].Length = SegmentBytes;
            _mmsg[i].Header.Name = _addr;
            _mmsg[i].Header.NameLength = 16;
            _mmsg[i].Header.Iov = &_iov[i];
            _mmsg[i].Header.IovLength = 1;
        }
        _iov[Segments].Base = _data;
        _iov[Segments].Length = Segments * SegmentBytes;
        if (Gso() != Segments) throw new InvalidOperationException("UDP_SEGMENT not supported here");
        Drain();
    }

    [IterationCleanup]
    public void Drain()
    {
        while (_receiver.Available > 0) _receiver.Receive(_drain);
    }

    [Benchmark(Baseline = true)]
    public int Sendto()
    {
        var span = new ReadOnlySpan<byte>(_data, SegmentBytes);
        int n = 0;
        for (int i = 0; i < Segments; i++) n += _sender.SendTo(span, SocketFlags.None, _to) > 0 ? 1 : 0;
        return n;
    }

    [Benchmark]
    public int Sendmmsg()
    {
        int n = sendmmsg(_fd, _mmsg, Segments, 0);
        return n;
    }

    [Benchmark]
    public int Gso()
    {
        var msg = new MsgHdr
        {
            Name = _addr, NameLength = 16, Iov = &_iov[Segments], IovLength = 1, Control = _control, ControlLength = 24,
        };
        int n = sendmsg(_fd, &msg, 0) == Segments * SegmentBytes ? Segments : -Marshal.GetLastPInvokeError();
        return n;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
        NativeMemory.Free(_data); NativeMemory.Free(_addr); NativeMemory.Free(_control);
        NativeMemory.Free(_iov); NativeMemory.Free(_mmsg);
    }
}
