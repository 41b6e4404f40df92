using System.Collections.Concurrent;
using MediaCore.Protocol.Core;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace MediaCore.Protocol.Dtls;

/// <summary>Lifecycle of a <see cref="DtlsEndpoint"/>.</summary>
public enum DtlsState
{
    New,
    Handshaking,
    Connected,
    Closed,
    Failed,
}

/// <summary>
/// DTLS 1.2 with use_srtp (RFC 6347, RFC 5764) for one WebRTC transport, behind a sans-IO facade: the
/// host feeds received DTLS datagrams to <see cref="HandleReceive"/>, sends whatever
/// <see cref="TryPollDatagram"/> yields to the ICE-selected address, and reads <see cref="TryPollEvent"/>
/// for <see cref="DtlsConnected"/> (SRTP profile and keying material), <see cref="DtlsFailed"/> or
/// <see cref="DtlsClosed"/>.
/// </summary>
/// <remarks>
/// <para><b>The one exception to sans-IO.</b> BouncyCastle's handshake is blocking code, so
/// <see cref="Start"/> runs it on a dedicated background thread (small stack, one per handshake) that
/// exchanges datagrams with this facade through thread-safe queues. BouncyCastle keeps its own
/// retransmission timers on the wall clock (RFC 6347 §4.2.4). The thread ends when the handshake ends,
/// fails, or the endpoint is disposed. <see cref="OnOutput"/> fires on that thread whenever a datagram or
/// event is ready, so the host can drain promptly; <see cref="PollTimeout"/> asks for a 10 ms poll while
/// handshaking as a fallback.</para>
/// <para><b>After the handshake</b> no thread is kept. A datagram arriving later (a retransmitted final
/// client flight whose answer got lost, RFC 6347 §4.2.4, or an alert such as close_notify) is decrypted
/// by BouncyCastle on a short-lived background thread, since its record layer waits about a millisecond
/// for more input; that thread ends as soon as the queue is empty. Any reply is queued for
/// <see cref="TryPollDatagram"/> and announced through <see cref="OnOutput"/>.</para>
/// <para>The owner drives the facade from one thread at a time; <see cref="OnOutput"/> may be invoked
/// concurrently from the background thread and must only schedule work.</para>
/// </remarks>
public sealed class DtlsEndpoint : IDisposable, IDtlsPeerObserver
{
    private static readonly long PollInterval = MediaTime.FromMilliseconds(10);

    private readonly DtlsRole _role;
    private readonly DtlsEndpointOptions _options;
    private readonly DtlsPeerSettings _settings;
    private readonly QueueDatagramTransport _transport;
    private readonly ConcurrentQueue<DtlsEvent> _events = new();
    private readonly object _gate = new();
    private Thread? _thread;
    private DtlsTransport? _dtls;
    private DtlsConnected? _completed;
    private byte[]? _scratch;
    private int _state;
    private int _draining;
    private long _lastNow = long.MinValue;
    private long _deadline = MediaTime.Never;

    /// <summary>Creates an endpoint; nothing happens until <see cref="Start"/>.</summary>
    /// <param name="role">DTLS client or server, from the SDP setup attributes (RFC 8842 §5).</param>
    /// <param name="certificate">This process's certificate (<see cref="DtlsCertificate.Generate"/>).</param>
    /// <param name="expectedRemoteFingerprint">The remote SDP's a=fingerprint value ("sha-256 AB:..." or
    /// the bare hex, case-insensitive). The handshake is aborted if the peer's certificate does not match.
    /// Null skips the check (tests only: WebRTC requires it, RFC 5763 §5).</param>
    /// <param name="options">Tuning; <see cref="DtlsEndpointOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentException">The fingerprint cannot be parsed.</exception>
    public DtlsEndpoint(DtlsRole role, DtlsCertificate certificate, string? expectedRemoteFingerprint,
        DtlsEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        DtlsFingerprint? expected = null;
        if (expectedRemoteFingerprint is not null)
        {
            if (!DtlsFingerprint.TryParse(expectedRemoteFingerprint, out var parsed))
                throw new ArgumentException("unparseable or unsupported certificate fingerprint", nameof(expectedRemoteFingerprint));
            expected = parsed;
        }

        _role = role;
        _options = options ?? DtlsEndpointOptions.Default;
        int[] profiles = _options.SrtpProfiles.Select(p => (int)p).Where(DtlsSrtpProfileInfo.IsSupported).Distinct().ToArray();
        if (profiles.Length == 0)
            throw new ArgumentException("no supported SRTP profile configured", nameof(options));

        _settings = new DtlsPeerSettings
        {
            Certificate = certificate,
            ExpectedRemoteFingerprint = expected,
            SrtpProfiles = profiles,
            PreferLocalSrtpProfileOrder = _options.PreferLocalSrtpProfileOrder,
            HandshakeTimeoutMillis = (int)Math.Clamp(_options.HandshakeTimeout.TotalMilliseconds, 1, int.MaxValue),
            InitialRetransmitMillis = (int)Math.Clamp(_options.InitialRetransmitTimeout.TotalMilliseconds, 1, 60_000),
            Observer = this,
        };
        _transport = new QueueDatagramTransport(_options.Mtu, _options.MaxReceiveDatagramSize, NotifyOutput);
    }

    /// <summary>The role given at construction.</summary>
    public DtlsRole Role => _role;

    /// <summary>Current state; terminal states are Closed and Failed.</summary>
    public DtlsState State => Volatile.Read(ref _state) switch
    {
        StateNew => DtlsState.New,
        StateHandshaking => DtlsState.Handshaking,
        StateConnected => DtlsState.Connected,
        StateFailed => DtlsState.Failed,
        _ => DtlsState.Closed,
    };

    /// <summary>
    /// Invoked from a background thread when a datagram or event becomes ready. Keep it cheap and
    /// thread-safe (signal the host's loop to call <see cref="TryPollDatagram"/>/<see cref="TryPollEvent"/>).
    /// </summary>
    public Action? OnOutput { get; set; }

    /// <summary>
    /// Begins the handshake on its background thread. A client sends its ClientHello at once; a server
    /// waits for one. Datagrams received before Start are kept and processed after it.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started, closed or disposed.</exception>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, StateHandshaking, StateNew) != StateNew)
            throw new InvalidOperationException("DTLS endpoint already started");
        _thread = new Thread(RunHandshake, _options.HandshakeThreadStackSize)
        {
            IsBackground = true,
            Name = _role == DtlsRole.Server ? "dtls-accept" : "dtls-connect",
        };
        _thread.Start();
    }

    /// <summary>
    /// Takes in one received datagram. Only DTLS records (first byte 20..63, RFC 7983 §7) are used; the
    /// host demultiplexes STUN and SRTP before calling this. Bad input is dropped, never thrown.
    /// </summary>
    public void HandleReceive(long nowTicks, ReadOnlySpan<byte> datagram)
    {
        ObserveTime(nowTicks);
        // 13 bytes is the DTLS record header (RFC 6347 §4.1).
        if (datagram.Length < 13 || datagram.Length > _options.MaxReceiveDatagramSize ||
            datagram[0] < 20 || datagram[0] > 63)
            return;
        int state = Volatile.Read(ref _state);
        if (state > StateConnected)
            return;

        _transport.Enqueue(datagram);
        // The handshake thread re-checks the queue after switching to Connected, so a datagram that
        // lands during the switch is drained by one side or the other.
        if (Volatile.Read(ref _state) == StateConnected)
            ScheduleDrain();
    }

    /// <summary>Enforces the handshake time limit in the caller's time base.</summary>
    public void HandleTimeout(long nowTicks)
    {
        ObserveTime(nowTicks);
        if (Volatile.Read(ref _state) == StateHandshaking && nowTicks >= _deadline)
            Fail($"DTLS handshake timed out after {_options.HandshakeTimeout.TotalSeconds:0.#} s");
    }

    /// <summary>
    /// Next time <see cref="HandleTimeout"/> is wanted: every 10 ms while handshaking (a fallback for
    /// hosts that do not use <see cref="OnOutput"/>), otherwise <see cref="MediaTime.Never"/>.
    /// </summary>
    public long PollTimeout()
    {
        if (Volatile.Read(ref _state) != StateHandshaking)
            return MediaTime.Never;
        if (_lastNow == long.MinValue)
            return 0;
        return Math.Min(_lastNow + PollInterval, _deadline);
    }

    /// <summary>
    /// Takes the next datagram to send to the peer (the owner adds the ICE-selected destination).
    /// <paramref name="buffer"/> is rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>; the caller
    /// returns it after sending.
    /// </summary>
    public bool TryPollDatagram(out byte[] buffer, out int length) => _transport.TryDequeueOutbound(out buffer, out length);

    /// <summary>Takes the next event, if any.</summary>
    public bool TryPollEvent(out DtlsEvent evt)
    {
        if (_events.TryDequeue(out var e))
        {
            evt = e;
            return true;
        }
        evt = null!;
        return false;
    }

    /// <summary>
    /// Ends the association: once connected, queues a close_notify alert for the peer (RFC 5246 §7.2.1);
    /// during the handshake, abandons it. No event follows a local close.
    /// </summary>
    public void Close()
    {
        int previous = TryTerminate(StateClosed);
        if (previous == StateConnected)
        {
            lock (_gate)
            {
                try
                {
                    _dtls?.Close();
                }
                catch (IOException)
                {
                    // The association is going away either way; a failed close_notify changes nothing.
                }
            }
        }
        _transport.CancelReceive();
    }

    /// <summary>
    /// Stops the handshake thread (it wakes and exits promptly), drops queued datagrams and returns
    /// their buffers. Sends nothing; call <see cref="Close"/> first for a graceful close.
    /// </summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _state, StateDisposed);
        OnOutput = null;
        _transport.Stop();
    }

    /// <summary>Test hook: waits for the handshake thread to end.</summary>
    internal bool WaitForHandshakeThread(TimeSpan timeout) => _thread?.Join(timeout) ?? true;

    void IDtlsPeerObserver.OnHandshakeComplete(DtlsSrtpProfile profile, byte[] keyingMaterial)
        => _completed = new DtlsConnected(profile, keyingMaterial, _role == DtlsRole.Client);

    void IDtlsPeerObserver.OnAlertReceived(short level, short description)
    {
        if (level == AlertLevel.fatal)
            return; // surfaces as TlsFatalAlertReceived from BouncyCastle, handled where it is caught
        if (description == AlertDescription.close_notify)
        {
            if (TryTerminate(StateClosed) == StateConnected)
                _events.Enqueue(new DtlsClosed());
            else
                Fail("peer sent close_notify during the handshake");
            NotifyOutput();
        }
    }

    private void RunHandshake()
    {
        var host = _options.HandshakeHost;
        if (host != null && !host.Enter(_options.HandshakeTimeout))
        {
            Fail("DTLS handshake refused: too many handshakes in progress");
            return;
        }
        bool connected = false;
        try
        {
            connected = RunHandshakeCore();
        }
        finally
        {
            host?.Exit(connected);
        }
    }

    private bool RunHandshakeCore()
    {
        try
        {
            var crypto = new BcTlsCrypto(new SecureRandom());
            DtlsTransport dtls = _role == DtlsRole.Server
                // No HelloVerifyRequest cookie round trip: ICE connectivity checks already proved the
                // peer owns its address, which is what the cookie guards (RFC 6347 §4.2.1).
                ? new DtlsServerProtocol { VerifyRequests = false }.Accept(new DtlsSrtpServer(crypto, _settings), _transport)
                : new DtlsClientProtocol().Connect(new DtlsSrtpClient(crypto, _settings), _transport);

            lock (_gate)
            {
                if (Interlocked.CompareExchange(ref _state, StateConnected, StateHandshaking) != StateHandshaking)
                    return false;
                _dtls = dtls;
                _events.Enqueue(_completed!);
            }
            if (_transport.HasInbound)
                ScheduleDrain();
            return true;
        }
        catch (Exception e)
        {
            Fail(Describe(e));
            return false;
        }
        finally
        {
            NotifyOutput();
        }
    }

    private void ScheduleDrain()
    {
        // A short-lived thread rather than a thread-pool item: post-handshake DTLS datagrams are rare,
        // and a busy or still-warming pool was seen to delay them by hundreds of milliseconds.
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            new Thread(Drain, _options.HandshakeThreadStackSize) { IsBackground = true, Name = "dtls-drain" }.Start();
    }

    /// <summary>Feeds queued post-handshake datagrams to BouncyCastle's record layer.</summary>
    private void Drain()
    {
        do
        {
            lock (_gate)
            {
                while (_transport.HasInbound && Volatile.Read(ref _state) == StateConnected && _dtls is not null)
                {
                    _scratch ??= new byte[_transport.ReceiveLimit];
                    try
                    {
                        // Application data is not used on a media-only transport (no data channel), so
                        // whatever Receive returns is dropped; handshake retransmissions and alerts are
                        // handled inside BouncyCastle and reported through the observer.
                        _dtls.Receive(_scratch, 0, _scratch.Length, 1);
                    }
                    catch (Exception e)
                    {
                        Fail(Describe(e));
                    }
                }
            }
            Volatile.Write(ref _draining, 0);
        }
        while (_transport.HasInbound && Volatile.Read(ref _state) == StateConnected &&
               Interlocked.CompareExchange(ref _draining, 1, 0) == 0);
        NotifyOutput();
    }

    private void Fail(string reason)
    {
        int previous = TryTerminate(StateFailed);
        if (previous == StateHandshaking || previous == StateConnected || previous == StateNew)
            _events.Enqueue(new DtlsFailed(reason));
        _transport.CancelReceive();
        NotifyOutput();
    }

    /// <summary>Moves to a terminal state unless already in one; returns the state it left.</summary>
    private int TryTerminate(int terminal)
    {
        while (true)
        {
            int current = Volatile.Read(ref _state);
            if (current >= StateClosed)
                return current;
            if (Interlocked.CompareExchange(ref _state, terminal, current) == current)
                return current;
        }
    }

    private string Describe(Exception e) => e switch
    {
        TlsFatalAlertReceived received => $"peer sent fatal alert {AlertDescription.GetText(received.AlertDescription)}",
        _ when _settings.FailureDetail is { } detail => detail,
        TlsTimeoutException => "DTLS handshake timed out",
        TlsFatalAlert alert => $"DTLS failed with {AlertDescription.GetText(alert.AlertDescription)}" +
            (alert.InnerException is { } inner ? $": {inner.Message}" : ""),
        _ => $"DTLS failed: {e.Message}",
    };

    private void ObserveTime(long nowTicks)
    {
        _lastNow = nowTicks;
        if (_deadline == MediaTime.Never && Volatile.Read(ref _state) == StateHandshaking)
            _deadline = nowTicks + _options.HandshakeTimeout.Ticks;
    }

    private void NotifyOutput()
    {
        if (Volatile.Read(ref _state) != StateDisposed)
            OnOutput?.Invoke();
    }

    private const int StateNew = 0;
    private const int StateHandshaking = 1;
    private const int StateConnected = 2;
    private const int StateClosed = 3;
    private const int StateFailed = 4;
    private const int StateDisposed = 5;
}
