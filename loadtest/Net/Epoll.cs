using System.Runtime.InteropServices;

namespace MediaCore.LoadTest.Net;

/// <summary>
/// The few Linux calls the workers need: epoll to wait on hundreds of UDP sockets from one thread,
/// eventfd to wake it, and recv with MSG_DONTWAIT so an empty socket returns EAGAIN instead of an exception;
/// and <c>sendmmsg</c> for the batched fan-out calibration (<see cref="Reporting.Calibration.MeasureFanOut"/>).
/// </summary>
internal static partial class Epoll
{
    public const uint EPOLLIN = 0x001;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int MSG_DONTWAIT = 0x40;
    public const int EFD_NONBLOCK = 0x800;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, ref EpollEvent ev);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint write(int fd, byte* buffer, nint length);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint read(int fd, byte* buffer, nint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    /// <summary><c>struct iovec</c> (LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct mmsghdr</c> (LP64: a 56-byte <c>msghdr</c>, then the length the kernel sent).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct MMsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
        private readonly int _msghdrPadding; // struct msghdr is 56 bytes: msg_len starts at 56
        public uint Length;
        private readonly int _padding;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);
}
