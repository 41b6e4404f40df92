using System.Net.Sockets;
using System.Runtime.InteropServices;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Server.Udp;

/// <summary>
/// One send thread of the media port: a bounded multi-producer, single-consumer ring of datagram slots
/// (D. Vyukov's bounded queue: a sequence number per slot, one CAS per enqueue, no lock) drained by a
/// dedicated thread with <c>sendmmsg(2)</c>, up to <see cref="MaxBatch"/> datagrams per system call.
/// <para>Why: fan-out of one packet to hundreds of subscribers is mostly the kernel's per-datagram send work
/// (docs/decisions.md: 73% of the forwarding thread in a profile). The thread that routes and SRTP-protects only copies
/// each protected datagram into a slot (~0.1 us); the kernel work runs on the send workers, one per core, in
/// parallel with routing and with each other. Every datagram to one destination goes through the same worker
/// (the endpoint picks it by address), so per-peer order is kept.</para>
/// <para>The slots live in native memory laid out for <c>sendmmsg</c>: each slot's <c>mmsghdr</c>, <c>iovec</c>
/// and <c>sockaddr</c> point at each other once, at construction; a datagram is sent from where it was copied.
/// Nothing is allocated per datagram.</para>
/// <para>A slot may hold a plain RTP/RTCP packet with the <see cref="IPacketProtector"/> of its session
/// (<see cref="TryEnqueueProtected"/>): the worker SRTP-protects it in the slot just before the system call. The
/// endpoint sends every packet of one protector through the same worker, so each session's outbound SRTP state is
/// used by this one thread, in the order the packets were routed, and released here after its last packet
/// (<see cref="TryEnqueueRelease"/>). That takes the encryption of a fan-out off the thread that routes (which holds
/// <c>MediaEngine.Gate</c>) and spreads it over the workers, one per core.</para>
/// </summary>
internal sealed unsafe class UdpSendWorker : IOutputSlotOwner, IDisposable
{
    /// <summary>Largest datagram a slot holds; larger ones are sent on the caller's thread.</summary>
    public const int SlotBytes = 2048;
    /// <summary>Datagrams per <c>sendmmsg</c> call.</summary>
    public const int MaxBatch = 64;
    private const int SockAddrBytes = 32;
    // What a slot holds: a datagram ready to send, a plain packet to protect first, a protector to release.
    private const byte OpSend = 0, OpProtectRtp = 1, OpProtectRtcp = 2, OpRelease = 3;
    // Set while a batch is prepared: the slot sends nothing (released, failed to protect), or goes to the stream sender.
    private const byte OpSkip = 4, OpStream = 5;
    // A lent slot (TryBeginProtected) its borrower handed back empty: nothing to send, nothing lost.
    private const byte OpAbandoned = 6;
    /// <summary>How long a producer waits for a slot when the ring is full, unless the worker says otherwise.</summary>
    public static readonly TimeSpan DefaultFullWait = TimeSpan.FromMilliseconds(50);

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly bool _native;
    private readonly int _capacity;
    private readonly int _mask;
    private readonly long[] _sequence;
    private readonly PeerAddress[] _destination;
    private readonly IPacketProtector?[] _protector;
    private readonly byte[] _op;
    private volatile IDatagramSender? _streamSender;
    private readonly SendPacer? _pacer;
    private readonly Func<long> _pacerClock;
    private readonly long _fullWaitTicks; // < 0: wait as long as the worker runs
    private readonly byte* _data;
    private readonly byte* _addresses;
    private readonly LinuxUdp.IoVec* _iov;
    private readonly LinuxUdp.MMsgHdr* _headers;
    private readonly bool _ipv6Socket;
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 20);
    private readonly Thread _thread;
    private readonly Action<int, long, int, int> _onSent;
    private int _calls; // system calls of the batch being sent (worker thread only)
    private long _enqueuePos;
    private long _dequeuePos;
    private int _sleeping;
    private int _producers;
    private volatile bool _stopping;
    private bool _handleRefAdded;

    /// <param name="onSent">Called on the worker thread after each batch: datagrams sent, bytes sent, failures, system calls made.</param>
    /// <param name="pacer">Key-frame burst pacing (null: send as fast as the kernel takes it).</param>
    /// <param name="fullWait">How long a producer waits for a free slot (default <see cref="DefaultFullWait"/>;
    /// <see cref="Timeout.InfiniteTimeSpan"/>: as long as the worker runs).</param>
    /// <param name="pacerClock">The pacer's clock in ticks (default: the monotonic <see cref="System.Diagnostics.Stopwatch"/>; tests pass their own).</param>
    public UdpSendWorker(Socket socket, int index, int capacity, bool useSendmmsg, Action<int, long, int, int> onSent, SendPacer? pacer = null,
        TimeSpan? fullWait = null, Func<long>? pacerClock = null)
    {
        _pacer = pacer;
        _pacerClock = pacerClock ?? PacerNow;
        var wait = fullWait ?? DefaultFullWait;
        _fullWaitTicks = wait == Timeout.InfiniteTimeSpan ? -1 : Math.Max(0, wait.Ticks);
        int size = 1024;
        while (size < capacity) size <<= 1;
        _capacity = size;
        _mask = size - 1;
        _socket = socket;
        _onSent = onSent;
        _ipv6Socket = socket.AddressFamily == AddressFamily.InterNetworkV6;
        _native = useSendmmsg && LinuxUdp.IsSupported;
        _sequence = new long[size];
        for (int i = 0; i < size; i++) _sequence[i] = i;
        _destination = new PeerAddress[size];
        _protector = new IPacketProtector?[size];
        _op = new byte[size];
        _data = (byte*)NativeMemory.AlignedAlloc((nuint)size * SlotBytes, 64);
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)size * SockAddrBytes);
        _iov = (LinuxUdp.IoVec*)NativeMemory.AllocZeroed((nuint)size, (nuint)sizeof(LinuxUdp.IoVec));
        _headers = (LinuxUdp.MMsgHdr*)NativeMemory.AllocZeroed((nuint)size, (nuint)sizeof(LinuxUdp.MMsgHdr));
        for (int i = 0; i < size; i++)
        {
            _iov[i].Base = _data + (long)i * SlotBytes;
            _headers[i].Header.Name = _addresses + (long)i * SockAddrBytes;
            _headers[i].Header.Iov = &_iov[i];
            _headers[i].Header.IovLength = 1;
        }
        if (_native)
        {
            bool added = false;
            socket.SafeHandle.DangerousAddRef(ref added);
            _handleRefAdded = added;
            _fd = (int)socket.SafeHandle.DangerousGetHandle();
        }
        _thread = new Thread(Run) { IsBackground = true, Name = $"mediacore-udp-tx-{index}" };
        _thread.Start();
    }

    /// <summary>Where protected packets for ICE-TCP peers (<see cref="PeerAddress.IsTcp"/>) go; null: they fail.</summary>
    public IDatagramSender? StreamSender
    {
        get => _streamSender;
        set => _streamSender = value;
    }

    /// <summary>Slots in the ring.</summary>
    public int Capacity => _capacity;

    /// <summary>Datagrams waiting to be sent.</summary>
    public int Backlog => (int)Math.Max(0, Volatile.Read(ref _enqueuePos) - Volatile.Read(ref _dequeuePos));

    /// <summary>
    /// Copies <paramref name="datagram"/> into a free slot for <paramref name="to"/>. Any thread. When the ring is
    /// full the caller waits (up to 50 ms by default) for the worker to free a slot: back-pressure on whoever produces faster
    /// than the kernel sends, like a blocking socket. False when it stayed full or the worker stopped.
    /// </summary>
    public bool TryEnqueue(ReadOnlySpan<byte> datagram, PeerAddress to)
    {
        if (datagram.Length > SlotBytes) return false;
        return EnqueueCounted(datagram, to, null, OpSend);
    }

    /// <summary>
    /// Copies the plain RTP (or RTCP, <paramref name="rtcp"/>) <paramref name="packet"/> into a slot; the worker
    /// protects it with <paramref name="protector"/> right before sending. Same waiting rule as <see cref="TryEnqueue"/>.
    /// The caller sends every packet of one protector through this worker.
    /// </summary>
    public bool TryEnqueueProtected(IPacketProtector protector, bool rtcp, ReadOnlySpan<byte> packet, PeerAddress to)
    {
        if (packet.Length + protector.MaxOverhead > SlotBytes) return false;
        if (to.IsTcp && _streamSender is null) return false;
        return EnqueueCounted(packet, to, protector, rtcp ? OpProtectRtcp : OpProtectRtp);
    }

    /// <summary>Queues the release of <paramref name="protector"/> behind its packets. False when the worker stopped or stayed full.</summary>
    public bool TryEnqueueRelease(IPacketProtector protector) => EnqueueCounted([], default, protector, OpRelease);

    private bool EnqueueCounted(ReadOnlySpan<byte> datagram, PeerAddress to, IPacketProtector? protector, byte op)
    {
        Interlocked.Increment(ref _producers);
        try
        {
            return Enqueue(datagram, to, protector, op);
        }
        finally
        {
            Interlocked.Decrement(ref _producers);
        }
    }

    /// <summary>
    /// Lends the next free slot for a plain packet of <paramref name="protector"/> to <paramref name="to"/>: the caller writes
    /// the packet into <see cref="OutputSlot.Buffer"/> and hands it back with <see cref="OutputSlot.Commit"/> (this
    /// <see cref="Commit"/>), right away: the worker sends nothing past an uncommitted slot. Then it is protected and sent as
    /// one given to <see cref="TryEnqueueProtected"/>, without the copy. Same waiting rule when the ring is full; false when it
    /// stayed full or the worker stopped.
    /// </summary>
    public bool TryBeginProtected(IPacketProtector protector, bool rtcp, PeerAddress to, out OutputSlot slot)
    {
        slot = default;
        if (protector.MaxOverhead >= SlotBytes || (to.IsTcp && _streamSender is null)) return false;
        Interlocked.Increment(ref _producers);
        long pos = Claim();
        if (pos < 0)
        {
            Interlocked.Decrement(ref _producers);
            return false;
        }
        // Still counted as a producer until Commit: Stop waits for the slot to be handed back before it drains.
        int index = (int)(pos & _mask);
        _destination[index] = to;
        _protector[index] = protector;
        _op[index] = rtcp ? OpProtectRtcp : OpProtectRtp;
        if (_native && !to.IsTcp) _headers[index].Header.NameLength = WriteSockAddr(to, _addresses + (long)index * SockAddrBytes);
        slot = new OutputSlot(new Span<byte>(_data + (long)index * SlotBytes, SlotBytes), this, pos);
        return true;
    }

    /// <summary>A lent slot comes back with <paramref name="length"/> plain bytes to protect and send (0: nothing).</summary>
    public void Commit(long position, int length)
    {
        int index = (int)(position & _mask);
        if (length <= 0 || length + _protector[index]!.MaxOverhead > SlotBytes)
        {
            if (length > 0) _op[index] = OpSkip; // too long to protect in the slot: lost, counted as a failure
            else _op[index] = OpAbandoned;
            length = 0;
        }
        _iov[index].Length = (nuint)length;
        Publish(index, position);
        Interlocked.Decrement(ref _producers);
    }

    // Waits for a free slot (see TryEnqueue) and takes it: its position, or -1 when the ring stayed full or the worker stopped.
    private long Claim()
    {
        long pos = Volatile.Read(ref _enqueuePos);
        long waitStart = 0;
        var spin = new SpinWait();
        while (true)
        {
            if (_stopping) return -1;
            int slot = (int)(pos & _mask);
            long seq = Volatile.Read(ref _sequence[slot]);
            long diff = seq - pos;
            if (diff == 0)
            {
                if (Interlocked.CompareExchange(ref _enqueuePos, pos + 1, pos) == pos) break;
                pos = Volatile.Read(ref _enqueuePos);
            }
            else if (diff < 0)
            {
                // Full: let the worker catch up.
                Wake();
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                if (waitStart == 0) waitStart = now;
                else if (_fullWaitTicks >= 0 && (now - waitStart) * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency > _fullWaitTicks) return -1;
                spin.SpinOnce(sleep1Threshold: -1);
                pos = Volatile.Read(ref _enqueuePos);
            }
            else
            {
                pos = Volatile.Read(ref _enqueuePos);
            }
        }
        return pos;
    }

    private bool Enqueue(ReadOnlySpan<byte> datagram, PeerAddress to, IPacketProtector? protector, byte op)
    {
        long pos = Claim();
        if (pos < 0) return false;
        int index = (int)(pos & _mask);
        datagram.CopyTo(new Span<byte>(_data + (long)index * SlotBytes, SlotBytes));
        _iov[index].Length = (nuint)datagram.Length;
        _destination[index] = to;
        _protector[index] = protector;
        _op[index] = op;
        if (_native && op != OpRelease && !to.IsTcp) _headers[index].Header.NameLength = WriteSockAddr(to, _addresses + (long)index * SockAddrBytes);
        Publish(index, pos);
        return true;
    }

    private void Publish(int index, long pos)
    {
        // Publish with a full fence, so the read of _sleeping below cannot move before it (store-load order).
        Interlocked.Exchange(ref _sequence[index], pos + 1);
        if (Volatile.Read(ref _sleeping) != 0) Wake();
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _sleeping, 0) != 0) _wake.Set();
    }

    private uint WriteSockAddr(PeerAddress to, byte* address)
    {
        var span = new Span<byte>(address, SockAddrBytes);
        if (!_ipv6Socket)
        {
            // struct sockaddr_in: family (host order), port (network order), address, zero.
            *(ushort*)address = 2;
            span[2] = (byte)(to.Port >> 8);
            span[3] = (byte)to.Port;
            to.WriteAddressBytes(span[4..]);
            return 16;
        }
        // struct sockaddr_in6: family, port, flow info, address (IPv4-mapped for IPv4 peers), scope id.
        span[..28].Clear();
        *(ushort*)address = 10;
        span[2] = (byte)(to.Port >> 8);
        span[3] = (byte)to.Port;
        if (to.IsIPv4)
        {
            span[18] = 0xFF;
            span[19] = 0xFF;
            to.WriteAddressBytes(span[20..]);
        }
        else
        {
            to.WriteAddressBytes(span[8..]);
        }
        return 28;
    }

    private void Run()
    {
        var fallbackAddress = new System.Net.SocketAddress(_socket.AddressFamily);
        while (true)
        {
            long pos = _dequeuePos;
            int ready = 0;
            int start = (int)(pos & _mask);
            int limit = Math.Min(MaxBatch, _capacity - start); // contiguous slots only: no wrap inside one call
            while (ready < limit && Volatile.Read(ref _sequence[start + ready]) == pos + ready + 1) ready++;
            if (ready == 0)
            {
                if (_stopping && Volatile.Read(ref _enqueuePos) == pos) return;
                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _sequence[start]) == pos + 1 || _stopping)
                {
                    Interlocked.Exchange(ref _sleeping, 0);
                    continue;
                }
                _wake.Wait(100);
                _wake.Reset();
                Interlocked.Exchange(ref _sleeping, 0);
                continue;
            }
            if (_pacer != null && !_stopping)
            {
                long now = _pacerClock();
                int allowed = _pacer.Allow(now, (int)Math.Min(int.MaxValue, Volatile.Read(ref _enqueuePos) - pos));
                if (allowed == 0)
                {
                    WaitForPacer(_pacer.NextReleaseAt - now);
                    continue;
                }
                ready = Math.Min(ready, allowed);
            }
            _calls = 0;
            var (datagrams, bytes, failures) = SendBatch(start, ready, fallbackAddress);
            for (int i = 0; i < ready; i++) Volatile.Write(ref _sequence[start + i], pos + i + _capacity);
            Volatile.Write(ref _dequeuePos, pos + ready);
            _pacer?.OnSent(ready);
            _onSent(datagrams - failures, bytes, failures, _calls);
        }
    }

    /// <summary>
    /// This interval's share of a burst is out: wait on the ring's signal until the next interval opens (a millisecond's
    /// granularity), or until <see cref="Stop"/> signals, which ends the wait at once. Producers do not signal during it
    /// (the worker does not advertise itself as sleeping): more datagrams cannot change the pacer's answer before the
    /// next interval, and a wake-up per enqueued datagram of a burst would cost the routing thread a system call each.
    /// </summary>
    private void WaitForPacer(long ticks)
    {
        if (_stopping) return;
        long ms = Math.Clamp((ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond, 1, int.MaxValue);
        _wake.Wait((int)ms);
        _wake.Reset();
    }

    private static long PacerNow() => (long)(System.Diagnostics.Stopwatch.GetTimestamp() * TicksPerTimestamp);

    private static readonly double TicksPerTimestamp = TimeSpan.TicksPerSecond / (double)System.Diagnostics.Stopwatch.Frequency;

    /// <summary>
    /// Protects what needs it, releases what was released, then hands the batch to the kernel: all of it in one
    /// <c>sendmmsg</c> when every slot is a UDP datagram (the plenary's case), else run by run, in slot order.
    /// Returns the datagrams it tried to send (failures included), their bytes, and the failures.
    /// </summary>
    private (int Datagrams, long Bytes, int Failures) SendBatch(int start, int count, System.Net.SocketAddress fallbackAddress)
    {
        int end = start + count;
        int datagrams = 0, failures = 0;
        long bytes = 0;
        bool plainRun = true;
        for (int i = start; i < end; i++)
        {
            byte op = _op[i];
            if (op == OpAbandoned) op = OpSkip;
            else if (op != OpSend && op != OpSkip) op = Prepare(i, op);
            if (op == OpSend && _destination[i].IsTcp) op = OpStream;
            if (op == OpSkip)
            {
                // A packet its protector refused (or too long for the slot): lost, like a send failure.
                if (_op[i] != OpRelease && _op[i] != OpAbandoned) failures++;
            }
            else
            {
                datagrams++;
                bytes += (long)_iov[i].Length;
            }
            _op[i] = op;
            _protector[i] = null;
            plainRun &= op == OpSend;
        }
        if (plainRun) return (datagrams, bytes, failures + (_native ? SendNative(start, count) : SendManaged(start, count, fallbackAddress)));
        int at = start;
        while (at < end)
        {
            if (_op[at] == OpSend)
            {
                int run = at;
                while (run < end && _op[run] == OpSend) run++;
                failures += _native ? SendNative(at, run - at) : SendManaged(at, run - at, fallbackAddress);
                at = run;
                continue;
            }
            if (_op[at] == OpStream && !SendStream(at)) failures++;
            at++;
        }
        return (datagrams, bytes, failures);
    }

    // Runs a slot's protector on this thread: protect in place (the slot has room for the tag) or release.
    private byte Prepare(int index, byte op)
    {
        var protector = _protector[index]!;
        try
        {
            if (op == OpRelease)
            {
                protector.Release();
                return OpSkip;
            }
            int n = protector.Protect(new Span<byte>(_data + (long)index * SlotBytes, SlotBytes), (int)_iov[index].Length, op == OpProtectRtcp);
            if (n < 0) return OpSkip;
            _iov[index].Length = (nuint)n;
            return OpSend;
        }
        catch (Exception e) when (e is ObjectDisposedException or ArgumentException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            // A protector misused elsewhere must cost its packet, never this thread (every peer behind it).
            return OpSkip;
        }
    }

    private bool SendStream(int index)
    {
        try
        {
            return _streamSender?.Send(new ReadOnlySpan<byte>(_data + (long)index * SlotBytes, (int)_iov[index].Length), _destination[index]) == true;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException or IOException)
        {
            return false;
        }
    }

    private int SendNative(int start, int count)
    {
        int failures = 0;
        int done = 0;
        while (done < count)
        {
            int n = LinuxUdp.sendmmsg(_fd, _headers + start + done, (uint)(count - done), 0);
            _calls++;
            if (n > 0)
            {
                done += n;
                continue;
            }
            if (Marshal.GetLastSystemError() == LinuxUdp.EIntr) continue;
            // The first datagram of the rest was refused (ENOBUFS, unreachable): UDP is lossy; skip it.
            failures++;
            done++;
        }
        return failures;
    }

    private int SendManaged(int start, int count, System.Net.SocketAddress address)
    {
        int failures = 0;
        for (int i = start; i < start + count; i++)
        {
            try
            {
                _destination[i].WriteTo(address);
                _calls++;
                _socket.SendTo(new ReadOnlySpan<byte>(_data + (long)i * SlotBytes, (int)_iov[i].Length), SocketFlags.None, address);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                failures++;
            }
        }
        return failures;
    }

    /// <summary>Stops accepting, sends what is queued, ends the thread. Call before closing the socket.</summary>
    public void Stop()
    {
        if (_stopping) return;
        _stopping = true;
        Interlocked.MemoryBarrier();
        // A producer past its _stopping check finishes its copy before the worker drains and the memory goes.
        var spin = new SpinWait();
        while (Volatile.Read(ref _producers) != 0) spin.SpinOnce();
        _wake.Set();
        _thread.Join();
        if (_handleRefAdded)
        {
            _socket.SafeHandle.DangerousRelease();
            _handleRefAdded = false;
        }
    }

    public void Dispose()
    {
        Stop();
        NativeMemory.AlignedFree(_data);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_headers);
        _wake.Dispose();
    }
}
