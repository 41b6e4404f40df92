using System.Security.Cryptography;
using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Stun;

namespace MediaCore.Protocol.Ice;

/// <summary>
/// The client side of ICE for one known remote candidate (our load tester against an ICE-lite server):
/// it nominates the pair at once (checks carry USE-CANDIDATE, ICE-CONTROLLING and PRIORITY, RFC 8445
/// §7.2.2 and §8.1.1), retransmits per RFC 8489 §6.2.1, then keeps consent fresh with a check every
/// ~5 s and gives up when none succeeds for 30 s (RFC 7675 §5.1). It also answers checks from a
/// full-ICE peer. Sans-IO and not thread-safe.
/// </summary>
public sealed class IceControllingAgent : IIceAgent
{
    // Responses to abandoned consent transactions still count, so remember a few recent IDs.
    private const int RecentTransactions = 8;

    private readonly IceBindingResponder _responder;
    private readonly StunIntegrityKey _remoteKey;
    private readonly byte[] _username;
    private readonly IceOutbox _outbox = new();
    private readonly PeerAddress _remote;
    private readonly Random _random;
    private readonly ulong _tieBreaker;
    private readonly uint _priority;
    private readonly string? _software;
    private readonly long _initialRto, _pacing, _consentInterval, _consentTimeout, _connectDeadline;
    private readonly int _maxRequests, _lastWaitMultiplier;
    private readonly StunTransactionId[] _recent = new StunTransactionId[RecentTransactions];
    private int _recentNext;

    private bool _txActive;
    private StunTransactionId _txId;
    private int _txSent;
    private long _txNextAction;
    private long _nextCheck;
    private long _lastConsent;

    /// <param name="nowTicks">Start time: the first check is due now.</param>
    /// <param name="local">Our ufrag/password (we sign answers to the peer's checks with it).</param>
    /// <param name="remote">The peer's ufrag/password from its SDP (our checks are signed with its password).</param>
    /// <param name="remoteCandidate">The peer's candidate address to check.</param>
    /// <param name="options">Null for RFC defaults.</param>
    public IceControllingAgent(long nowTicks, IceCredentials local, IceCredentials remote, PeerAddress remoteCandidate,
        IceControllingOptions? options = null)
    {
        if (remoteCandidate.IsNone) throw new ArgumentException("A remote candidate is required.", nameof(remoteCandidate));
        options ??= new IceControllingOptions();
        _responder = new IceBindingResponder(local, requireFingerprint: true, respondToUnauthenticated: true, options.Software);
        _responder.SetRemoteUfrag(remote.Ufrag);
        _remoteKey = StunIntegrityKey.ForShortTerm(remote.Password);
        // RFC 8445 §7.2.2: USERNAME = "<remote ufrag>:<local ufrag>".
        _username = Encoding.UTF8.GetBytes(remote.Ufrag + ":" + local.Ufrag);
        _remote = remoteCandidate;
        _random = options.RandomSeed is int seed ? new Random(seed) : new Random();
        Span<byte> tb = stackalloc byte[8];
        RandomNumberGenerator.Fill(tb);
        _tieBreaker = BitConverter.ToUInt64(tb);
        _priority = options.Priority;
        _software = options.Software;
        _initialRto = options.InitialRto.Ticks;
        _pacing = options.Pacing.Ticks;
        _consentInterval = options.ConsentInterval.Ticks;
        _consentTimeout = options.ConsentTimeout.Ticks;
        _maxRequests = Math.Max(1, options.MaxRequests);
        _lastWaitMultiplier = Math.Max(1, options.LastWaitMultiplier);
        _connectDeadline = IceLiteAgent.SaturatingAdd(nowTicks, options.ConnectTimeout.Ticks);
        _nextCheck = nowTicks;
    }

    public IceConnectionState State { get; private set; }

    /// <summary>The remote candidate once a check succeeded; none before.</summary>
    public PeerAddress SelectedAddress => State == IceConnectionState.Connected ? _remote : default;

    /// <summary>True for the remote candidate once a check to it succeeded (the only address DTLS and SRTP come from).</summary>
    public bool IsValidatedAddress(PeerAddress address) => State == IceConnectionState.Connected && address == _remote;

    /// <summary>Our address as the peer saw it (XOR-MAPPED-ADDRESS of the last success), or none.</summary>
    public PeerAddress MappedAddress { get; private set; }

    /// <summary>Processes a STUN datagram: responses to our checks, or checks from a full-ICE peer.</summary>
    public void HandleReceive(long nowTicks, ReadOnlySpan<byte> datagram, PeerAddress from)
    {
        if (State == IceConnectionState.Disconnected) return;
        if (!StunMessage.TryParse(datagram, out var message) || message.Method != StunMethod.Binding) return;
        switch (message.Class)
        {
            case StunClass.Request:
                _responder.HandleRequest(message, from, _outbox, weAreControlling: true, _tieBreaker, out _);
                break;
            case StunClass.SuccessResponse:
            case StunClass.ErrorResponse:
                HandleResponse(nowTicks, message, from);
                break;
        }
    }

    private void HandleResponse(long nowTicks, in StunMessage response, PeerAddress from)
    {
        var id = response.TransactionId;
        if (Array.IndexOf(_recent, id) < 0) return;
        // RFC 8445 §7.2.5.2.1: a response from another address than the one checked is not a success.
        if (from != _remote) return;
        if (response.HasFingerprint && !response.VerifyFingerprint()) return;
        bool current = _txActive && id == _txId;

        if (response.Class == StunClass.ErrorResponse)
        {
            // 400/401 carry no MESSAGE-INTEGRITY (RFC 8489 §9.1.3) and could be forged, so an error only
            // ends the transaction; the next check waits one RTO instead of hammering the peer.
            if (current)
            {
                _txActive = false;
                if (State == IceConnectionState.Checking) _nextCheck = nowTicks + _initialRto;
            }
            return;
        }

        // RFC 8489 §9.1.4: a response failing MESSAGE-INTEGRITY is discarded as if never received.
        if (!response.VerifyMessageIntegrity(_remoteKey)) return;
        if (current) _txActive = false;
        _lastConsent = nowTicks;
        if (response.TryGetXorMappedAddress(out var mapped)) MappedAddress = mapped;
        if (State == IceConnectionState.Checking)
        {
            State = IceConnectionState.Connected;
            _nextCheck = nowTicks + NextConsentInterval();
            _outbox.Enqueue(new IceConnected(_remote));
        }
    }

    /// <summary>Sends checks and retransmissions that are due and applies the timeouts.</summary>
    public void HandleTimeout(long nowTicks)
    {
        if (State == IceConnectionState.Disconnected) return;
        if (State == IceConnectionState.Checking && nowTicks >= _connectDeadline)
        {
            Disconnect(IceDisconnectReason.ConnectTimeout);
            return;
        }
        if (State == IceConnectionState.Connected && nowTicks >= IceLiteAgent.SaturatingAdd(_lastConsent, _consentTimeout))
        {
            Disconnect(IceDisconnectReason.ConsentExpired);
            return;
        }

        // Consent checks start on schedule even if the previous one is still retransmitting (RFC 7675
        // §5.1 wants a fresh transaction each interval); while checking, one transaction at a time.
        if (nowTicks >= _nextCheck && (!_txActive || State == IceConnectionState.Connected))
            StartTransaction(nowTicks);

        if (_txActive && nowTicks >= _txNextAction)
        {
            if (_txSent < _maxRequests)
            {
                SendRequest();
                _txSent++;
                // RFC 8489 §6.2.1: RTO doubles after each request; after the last, wait Rm * RTO.
                _txNextAction = nowTicks + (_txSent < _maxRequests
                    ? _initialRto << Math.Min(_txSent - 1, 20)
                    : _initialRto * _lastWaitMultiplier);
            }
            else
            {
                _txActive = false; // timed out; while checking, a new transaction follows after pacing
                if (State == IceConnectionState.Checking) _nextCheck = nowTicks + _pacing;
            }
        }
    }

    /// <summary>When <see cref="HandleTimeout"/> is next due, or <see cref="MediaTime.Never"/>.</summary>
    public long PollTimeout()
    {
        if (State == IceConnectionState.Disconnected) return MediaTime.Never;
        long t = State == IceConnectionState.Checking
            ? _connectDeadline
            : IceLiteAgent.SaturatingAdd(_lastConsent, _consentTimeout);
        if (_txActive) t = Math.Min(t, _txNextAction);
        if (!_txActive || State == IceConnectionState.Connected) t = Math.Min(t, _nextCheck);
        return t;
    }

    public bool TryPollTransmit(out Transmit transmit) => _outbox.TryDequeue(out transmit);

    public bool TryPollEvent(out IceEvent evt) => _outbox.TryDequeue(out evt);

    /// <summary>Stops the agent (emits <see cref="IceDisconnected"/> with <see cref="IceDisconnectReason.Closed"/>).</summary>
    public void Close()
    {
        if (State != IceConnectionState.Disconnected) Disconnect(IceDisconnectReason.Closed);
    }

    public void Dispose()
    {
        _outbox.Clear();
        _responder.Dispose();
        _remoteKey.Dispose();
    }

    private void StartTransaction(long nowTicks)
    {
        _txId = StunTransactionId.NewRandom();
        _recent[_recentNext] = _txId;
        _recentNext = (_recentNext + 1) % RecentTransactions;
        _txActive = true;
        _txSent = 0;
        _txNextAction = nowTicks;
        _nextCheck = State == IceConnectionState.Connected
            ? nowTicks + NextConsentInterval()
            : nowTicks + _pacing; // RFC 8445 §14.2: Ta between checks
    }

    private void SendRequest()
    {
        byte[] buffer = IceOutbox.RentBuffer();
        var w = new StunMessageWriter(buffer, StunMethod.Binding, StunClass.Request, _txId);
        w.AddUsername(_username);
        if (_software is not null) w.AddSoftware(_software);
        w.AddPriority(_priority);
        w.AddIceControlling(_tieBreaker);
        // Nominate with the first check (the peer is lite, RFC 8445 §8.1.1); consent checks do not re-nominate.
        if (State == IceConnectionState.Checking) w.AddUseCandidate();
        w.AddMessageIntegrity(_remoteKey);
        w.AddFingerprint();
        _outbox.Enqueue(_remote, buffer, w.Length);
    }

    // RFC 7675 §5.1: uniformly random in [0.8, 1.2] of the interval, so checks from many agents do not align.
    private long NextConsentInterval() => (long)(_consentInterval * (0.8 + 0.4 * _random.NextDouble()));

    private void Disconnect(IceDisconnectReason reason)
    {
        State = IceConnectionState.Disconnected;
        _txActive = false;
        _outbox.Enqueue(new IceDisconnected(reason));
    }
}
