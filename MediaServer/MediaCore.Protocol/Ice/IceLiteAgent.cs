using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Stun;

namespace MediaCore.Protocol.Ice;

/// <summary>
/// The server side of ICE as a lite agent (RFC 8445 §2.5, §7.3): it only answers connectivity checks,
/// selects the address on which the controlling peer nominates (USE-CANDIDATE), follows later
/// nominations to a new address, and drops the peer when checks stop (consent, RFC 7675). Sans-IO:
/// feed datagrams and time in, drain transmits and events out. Not thread-safe.
/// </summary>
/// <example>
/// Host side, for one datagram on the shared port:
/// <code>
/// if (PacketDemux.Classify(dgram) == PacketKind.Stun)
/// {
///     // Unknown source: route by the ufrag before ':' in USERNAME, then let that session validate.
///     if (!sessionsByAddress.TryGetValue(from, out var s) &amp;&amp; IceLiteAgent.TryGetLocalUfrag(dgram, chars, out int n))
///         s = sessionsByUfrag.GetAlternateLookup&lt;ReadOnlySpan&lt;char&gt;&gt;()[chars[..n]];
///     s.Ice.HandleReceive(now, dgram, from);
///     while (s.Ice.TryPollTransmit(out var t)) { socket.SendTo(t.Payload, ...); t.Return(); }
///     while (s.Ice.TryPollEvent(out var e)) { /* IceConnected: map from -> s, start DTLS ... */ }
///     timers.Schedule(s, s.Ice.PollTimeout());
/// }
/// </code>
/// </example>
public sealed class IceLiteAgent : IIceAgent
{
    private const int RememberedAddresses = 4;

    private readonly IceBindingResponder _responder;
    private readonly IceOutbox _outbox = new();
    private readonly long _connectDeadline;
    private readonly long _consentTimeout;
    private readonly PeerAddress[] _validated = new PeerAddress[RememberedAddresses];
    private int _validatedNext;
    private long _lastConsent;
    private PeerAddress _selected;

    /// <param name="nowTicks">Creation time; the connect timeout runs from here.</param>
    /// <param name="local">Our ufrag/password, as put in the SDP answer.</param>
    /// <param name="options">Null for RFC defaults.</param>
    public IceLiteAgent(long nowTicks, IceCredentials local, IceLiteOptions? options = null)
    {
        options ??= new IceLiteOptions();
        LocalCredentials = local;
        _responder = new IceBindingResponder(local, options.RequireFingerprint, options.RespondToUnauthenticated, options.Software);
        _connectDeadline = SaturatingAdd(nowTicks, options.ConnectTimeout.Ticks);
        _consentTimeout = options.ConsentTimeout.Ticks;
    }

    public IceCredentials LocalCredentials { get; }

    public IceConnectionState State { get; private set; }

    /// <summary>Where to send media: the address of the latest nomination, or none before it.</summary>
    public PeerAddress SelectedAddress => _selected;

    /// <summary>
    /// The peer's ufrag/password from its SDP. With the ufrag known, USERNAME must match exactly; the
    /// password is not needed by a lite agent (answers are signed with the local password, §7.3).
    /// </summary>
    public void SetRemoteCredentials(string ufrag, string password) => _responder.SetRemoteUfrag(ufrag);

    /// <summary>True when <paramref name="address"/> recently sent an authenticated check (accept DTLS/SRTP from it).</summary>
    public bool IsValidatedAddress(PeerAddress address)
    {
        foreach (var a in _validated)
            if (a == address && !a.IsNone) return true;
        return false;
    }

    /// <summary>Processes one datagram classified as STUN. Anything malformed or unexpected is ignored.</summary>
    public void HandleReceive(long nowTicks, ReadOnlySpan<byte> datagram, PeerAddress from)
    {
        if (State == IceConnectionState.Disconnected || from.IsNone) return;
        if (!StunMessage.TryParse(datagram, out var message)) return;
        // Binding indications are keepalives needing no answer (RFC 8445 §11); a lite agent sends no
        // requests, so responses are stray.
        if (!message.IsBindingRequest) return;
        if (!_responder.HandleRequest(message, from, _outbox, weAreControlling: false, 0, out bool useCandidate)) return;

        Remember(from);
        if (State == IceConnectionState.Connected && from == _selected)
            _lastConsent = nowTicks;
        if (!useCandidate) return;

        // RFC 8445 §8.2 for lite agents: a nominated valid pair is selected; docs/decisions.md "ICE-lite": media goes to the
        // address the USE-CANDIDATE request came from, so a later nomination elsewhere moves the path.
        if (State == IceConnectionState.Checking)
        {
            _selected = from;
            _lastConsent = nowTicks;
            State = IceConnectionState.Connected;
            _outbox.Enqueue(new IceConnected(from));
        }
        else if (from != _selected)
        {
            var previous = _selected;
            _selected = from;
            _lastConsent = nowTicks;
            _outbox.Enqueue(new IceSelectedPathChanged(previous, from));
        }
    }

    /// <summary>Applies the connect and consent timers.</summary>
    public void HandleTimeout(long nowTicks)
    {
        if (State == IceConnectionState.Checking && nowTicks >= _connectDeadline)
            Disconnect(IceDisconnectReason.ConnectTimeout);
        else if (State == IceConnectionState.Connected && nowTicks >= SaturatingAdd(_lastConsent, _consentTimeout))
            Disconnect(IceDisconnectReason.ConsentExpired);
    }

    /// <summary>When <see cref="HandleTimeout"/> is next due, or <see cref="MediaTime.Never"/>.</summary>
    public long PollTimeout() => State switch
    {
        IceConnectionState.Checking => _connectDeadline,
        IceConnectionState.Connected => SaturatingAdd(_lastConsent, _consentTimeout),
        _ => MediaTime.Never,
    };

    /// <summary>Next datagram to send; the caller sends it and calls <see cref="Transmit.Return"/>.</summary>
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
    }

    /// <summary>
    /// Reads the receiver's ufrag (the part of USERNAME before ':', RFC 8445 §7.2.2) from a Binding
    /// request without authenticating it, so the host can route a first datagram from an unknown
    /// address to the session owning that ufrag, which then validates it fully.
    /// </summary>
    public static bool TryGetLocalUfrag(ReadOnlySpan<byte> datagram, out ReadOnlySpan<byte> ufragUtf8)
    {
        ufragUtf8 = default;
        if (!StunMessage.TryParse(datagram, out var message) || !message.IsBindingRequest
            || !message.TryGetUsername(out var username))
            return false;
        int colon = username.IndexOf((byte)':');
        if (colon <= 0) return false;
        ufragUtf8 = username[..colon];
        return true;
    }

    /// <summary>
    /// As <see cref="TryGetLocalUfrag(ReadOnlySpan{byte}, out ReadOnlySpan{byte})"/>, decoded into
    /// <paramref name="destination"/> (256 chars always suffice) for a span-keyed dictionary lookup.
    /// </summary>
    public static bool TryGetLocalUfrag(ReadOnlySpan<byte> datagram, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        return TryGetLocalUfrag(datagram, out ReadOnlySpan<byte> utf8)
               && Encoding.UTF8.TryGetChars(utf8, destination, out charsWritten);
    }

    private void Remember(PeerAddress address)
    {
        if (IsValidatedAddress(address)) return;
        _validated[_validatedNext] = address;
        _validatedNext = (_validatedNext + 1) % RememberedAddresses;
    }

    private void Disconnect(IceDisconnectReason reason)
    {
        State = IceConnectionState.Disconnected;
        _outbox.Enqueue(new IceDisconnected(reason));
    }

    internal static long SaturatingAdd(long a, long b) => b > 0 && a > long.MaxValue - b ? long.MaxValue : a + b;
}
