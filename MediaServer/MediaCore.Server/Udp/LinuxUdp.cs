using System.Runtime.InteropServices;

namespace MediaCore.Server.Udp;

/// <summary>
/// The few Linux socket calls .NET does not expose: <c>sendmmsg(2)</c> and <c>recvmmsg(2)</c> (many datagrams
/// per system call) and the control-message layout of <c>SO_TIMESTAMPNS</c> (kernel receive time). Layouts are
/// x86-64/arm64 LP64 (<c>struct msghdr</c> is 56 bytes, <c>struct mmsghdr</c> 64).
/// </summary>
internal static unsafe partial class LinuxUdp
{
    public const int SolSocket = 1;
    public const int SoReusePort = 15;
    public const int SoTimestampNs = 35;      // SO_TIMESTAMPNS_OLD: struct timespec (2 x 64-bit on LP64)
    public const int ScmTimestampNs = SoTimestampNs;
    public const int MsgDontWait = 0x40;
    public const int MsgWaitForOne = 0x10000;
    public const int EAgain = 11;
    public const int EIntr = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>True where the layouts above are right (64-bit Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess
        && sizeof(MsgHdr) == 56 && sizeof(MMsgHdr) == 64;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sendmmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmmsg(int fd, MMsgHdr* msgvec, uint vlen, int flags, TimeSpec* timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    /// <summary>Space for one <c>SCM_TIMESTAMPNS</c> control message (CMSG_SPACE(sizeof(timespec))).</summary>
    public const int TimestampControlBytes = 32;

    /// <summary>Reads the <c>SCM_TIMESTAMPNS</c> value from a control buffer; false when absent.</summary>
    public static bool TryReadTimestamp(byte* control, nuint controlLength, out TimeSpec timestamp)
    {
        timestamp = default;
        nuint offset = 0;
        while (offset + (nuint)sizeof(CMsgHdr) <= controlLength)
        {
            var header = (CMsgHdr*)(control + offset);
            if (header->Length < (nuint)sizeof(CMsgHdr)) return false;
            if (header->Level == SolSocket && header->Type == ScmTimestampNs && header->Length >= (nuint)(sizeof(CMsgHdr) + sizeof(TimeSpec)))
            {
                timestamp = *(TimeSpec*)(control + offset + (nuint)sizeof(CMsgHdr));
                return true;
            }
            offset += (header->Length + 7) & ~(nuint)7;
        }
        return false;
    }
}
