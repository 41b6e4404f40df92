using System.Security.Cryptography;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Demux;
using MediaCore.Protocol.Rtcp;
using MediaCore.Protocol.Srtp;
using MediaCore.Server.Sessions;
using MediaCore.Server.Timers;

namespace MediaCore.Server.Cluster;

/// <summary>
/// The one relay transport between this node and one peer node: SRTP (AEAD-AES-128-GCM) over plain RTP/RTCP on both nodes'
/// media ports, keyed over the authenticated relay API (each side sends the key of what it sends; no DTLS handshake on the
/// media port, so a link costs one HTTP call). Both directions share it:
/// <list type="bullet">
/// <item>outbound (this node is the origin, <see cref="RelayOutbound"/>): one consumer per track the peer asked for, on the
/// track's room router; audio passes the room's top-N gate (<see cref="RelayAudioGate"/>);</item>
/// <item>inbound (the peer is the origin, <see cref="RelayInbound"/>): one producer per relayed track in the local room, so the
/// room's router fans it out to local subscribers and the mixer mixes it;</item>
/// <item>feedback (<see cref="RelayFeedback"/>): NACK, PLI and layer demand (RTCP APP "MCLD") from the peer reach the outbound
/// consumers, loss and key-frame needs of the inbound producers go to the peer, sender and receiver reports give the RTT.</item>
/// </list>
/// This type is the link's lifecycle and transport: the keys, unprotecting and demultiplexing what comes from the peer,
/// protecting and sending, the one-second report timer, the counters, closing. One copy of each track crosses the link whatever
/// the number of subscribers on the receiving node. Used only under <see cref="MediaEngine.Gate"/> (the engine routes datagrams
/// from the peer's media address here).
/// </summary>
public sealed class RelayLink : ITimerTarget
{
    internal const SrtpProfile Profile = SrtpProfile.AeadAes128Gcm;
    private static readonly long ReportInterval = TimeSpan.TicksPerSecond;

    private readonly MediaEngine _engine;
    private readonly byte[] _localKey;
    private readonly SrtpContext _send;
    private SrtpContext? _receive;
    private string? _remoteKey;
    private readonly byte[] _rtcp = new byte[1500];
    private long _nextReport;
    private bool _closed;

    internal RelayLink(MediaEngine engine, string localNode, string peerNode, PeerAddress remote, long nowTicks)
    {
        _engine = engine;
        LocalNode = localNode;
        PeerNode = peerNode;
        Remote = remote;
        _localKey = RandomNumberGenerator.GetBytes(SrtpProfileInfo.MasterKeyLength(Profile) + SrtpProfileInfo.MasterSaltLength(Profile));
        _send = new SrtpContext(Profile, _localKey.AsSpan(0, SrtpProfileInfo.MasterKeyLength(Profile)), _localKey.AsSpan(SrtpProfileInfo.MasterKeyLength(Profile)));
        Outbound = new RelayOutbound(this);
        Inbound = new RelayInbound(this);
        Feedback = new RelayFeedback(this, nowTicks);
        CreatedTicks = LastReceiveTicks = nowTicks;
        _nextReport = nowTicks + ReportInterval;
        engine.Timers.Schedule(this, _nextReport);
    }

    internal MediaEngine Engine => _engine;
    internal RelayOutbound Outbound { get; }
    internal RelayInbound Inbound { get; }
    internal RelayFeedback Feedback { get; }

    public string LocalNode { get; }
    public string PeerNode { get; }
    public PeerAddress Remote { get; }
    /// <summary>The peer's incarnation when its key was last set (a restart brings a new key).</summary>
    public long PeerIncarnation { get; private set; }
    /// <summary>Base64 master key + salt of what this node sends on the link (handed to the peer over the relay API).</summary>
    public string LocalKey => Convert.ToBase64String(_localKey);
    public long CreatedTicks { get; }
    public long LastReceiveTicks { get; private set; }
    public bool IsClosed => _closed;
    public bool IsIdle => Outbound.Count == 0 && Inbound.Count == 0;

    public long PacketsIn { get; internal set; }
    public long BytesIn { get; internal set; }
    public long PacketsOut { get; private set; }
    public long BytesOut { get; private set; }
    public long RtxOut { get; private set; }
    public long NacksSent { get; internal set; }
    public long PlisSent { get; internal set; }
    public long NacksReceived { get; internal set; }
    public long PlisReceived { get; internal set; }
    /// <summary>Layer demands (RTCP APP "MCLD") sent for inbound video and received for outbound video.</summary>
    public long DemandsSent { get; internal set; }
    public long DemandsReceived { get; internal set; }
    public long UnprotectFailures { get; private set; }
    /// <summary>Round trip measured from the peer's receiver reports about our tracks (RFC 3550 §6.4.1), or null.</summary>
    public TimeSpan? RoundTripTime { get; internal set; }
    /// <summary>Fraction lost the peer last reported about our tracks (0..1).</summary>
    public double LossOut { get; internal set; }
    public int OutboundTracks => Outbound.Count;
    public int InboundTracks => Inbound.Count;
    /// <summary>Packets lost on the way in (RFC 3550 A.3 cumulative, over every inbound track).</summary>
    public long LostIn => Inbound.CumulativeLost;

    /// <summary>True when <paramref name="key"/> is base64 of an AEAD_AES_128_GCM master key + salt (what <see cref="SetRemoteKey"/> takes).</summary>
    public static bool IsValidKey(string? key)
    {
        Span<byte> buffer = stackalloc byte[64];
        return key is not null && Convert.TryFromBase64String(key, buffer, out int n)
            && n == SrtpProfileInfo.MasterKeyLength(Profile) + SrtpProfileInfo.MasterSaltLength(Profile);
    }

    /// <summary>Sets the key the peer sends with; a new key (peer restarted) replaces the context and its replay state.</summary>
    internal void SetRemoteKey(string key, long incarnation)
    {
        if (_remoteKey == key && _receive is not null) return;
        byte[] material = Convert.FromBase64String(key);
        int keyLength = SrtpProfileInfo.MasterKeyLength(Profile);
        if (material.Length != keyLength + SrtpProfileInfo.MasterSaltLength(Profile))
            throw new FormatException("relay key has the wrong length for AEAD_AES_128_GCM");
        _receive?.Dispose();
        _receive = new SrtpContext(Profile, material.AsSpan(0, keyLength), material.AsSpan(keyLength));
        _remoteKey = key;
        PeerIncarnation = incarnation;
    }

    // ---------------- tracks (see RelayOutbound and RelayInbound) ----------------

    /// <summary>
    /// Makes the link carry exactly the tracks published on this node in <paramref name="room"/> (none when it is null):
    /// new producers get a consumer, gone ones lose theirs. Relayed producers are never sent back to their origin (no loops).
    /// </summary>
    internal IReadOnlyList<RelayTrackDto> SyncOutbound(long nowTicks, string roomId, MediaRoom? room) => Outbound.Sync(nowTicks, roomId, room);

    /// <summary>Stops sending the tracks of <paramref name="roomId"/> (the peer released them).</summary>
    internal void ReleaseOutbound(string roomId) => Outbound.Release(roomId);

    /// <summary>Per outbound track: published packets since it joined the link, and what the link carried of it.</summary>
    public IEnumerable<RelayOutTrackStats> OutboundStats() => Outbound.Stats();

    /// <summary>Rooms this link sends tracks of to the peer.</summary>
    public IEnumerable<string> OutboundRooms => Outbound.Rooms;

    /// <summary>
    /// Makes the local room carry exactly <paramref name="tracks"/> from this peer: a producer each (new ones created, gone
    /// ones removed). Returns true when the set changed.
    /// </summary>
    internal bool SyncInbound(long nowTicks, MediaRoom room, IReadOnlyList<RelayTrackDto> tracks) => Inbound.Sync(nowTicks, room, tracks);

    /// <summary>Removes the relayed producers of <paramref name="roomId"/> (no local subscriber needs them any more).</summary>
    internal void ReleaseInbound(long nowTicks, string roomId) => Inbound.Release(nowTicks, roomId);

    /// <summary>Rooms this link brings in from the peer.</summary>
    public IEnumerable<string> InboundRooms => Inbound.Rooms;

    // ---------------- transport ----------------

    /// <summary>A datagram from the peer's media address (SRTP or SRTCP).</summary>
    internal void HandleReceive(long nowTicks, Span<byte> datagram)
    {
        if (_closed || _receive is null) return;
        LastReceiveTicks = nowTicks;
        switch (PacketDemux.Classify(datagram))
        {
            case PacketKind.Rtp:
                if (_receive.UnprotectRtpInPlace(datagram, out int rtpLength) != SrtpResult.Ok) { UnprotectFailures++; return; }
                Inbound.OnRtp(nowTicks, datagram[..rtpLength]);
                break;
            case PacketKind.Rtcp:
                if (_receive.UnprotectRtcpInPlace(datagram, out int rtcpLength) != SrtpResult.Ok) { UnprotectFailures++; return; }
                var reader = new RtcpCompoundReader(datagram[..rtcpLength]);
                while (reader.TryReadNext(out var packet)) Feedback.OnRtcp(nowTicks, packet);
                break;
        }
    }

    /// <summary>
    /// An outbound consumer's packet: handed plain, with the link's sending context, to the engine's protecting output,
    /// which protects it on the send worker that context maps to (like a subscriber session's packets, outside
    /// <see cref="MediaEngine.Gate"/>), or here when the host protects on the caller's thread.
    /// </summary>
    internal void SendRtp(Span<byte> buffer, int length, bool retransmission)
    {
        if (_closed || (uint)length > (uint)buffer.Length || !_engine.SendProtected(_send, rtcp: false, buffer[..length], Remote)) return;
        if (retransmission) RtxOut++;
        PacketsOut++;
        BytesOut += length + _send.RtpOverhead;
    }

    /// <summary>The link's RTCP buffer: write a packet into it, then <see cref="SendRtcp"/> its length.</summary>
    internal Span<byte> RtcpBuffer => _rtcp;

    /// <summary>Protects and sends the <paramref name="length"/> bytes written into <see cref="RtcpBuffer"/>.</summary>
    internal void SendRtcp(int length)
    {
        if (_closed || (uint)length > (uint)_rtcp.Length) return;
        _engine.SendProtected(_send, rtcp: true, _rtcp.AsSpan(0, length), Remote);
    }

    /// <summary>Timer thread: sender reports for outbound tracks, receiver reports (also the link's keep-alive) for inbound ones.</summary>
    public void HandleTimeout(long nowTicks)
    {
        lock (_engine.Gate)
        {
            if (_closed || nowTicks < _nextReport) { if (!_closed) _engine.Timers.Schedule(this, _nextReport); return; }
            _nextReport = nowTicks + ReportInterval;
            Feedback.SendReports(nowTicks);
            _engine.Timers.Schedule(this, _nextReport);
        }
    }

    /// <summary>Drops every track both ways and stops the timer (the peer is gone or the link idled out).</summary>
    internal void Close(long nowTicks)
    {
        if (_closed) return;
        RelayMetrics.Retire(this);
        Outbound.RemoveAll();
        Inbound.RemoveAll(nowTicks);
        _closed = true;
        _engine.Timers.Cancel(this);
        // Packets may still wait on a send worker: the worker releases the sending context after them.
        _engine.Release(_send);
        _receive?.Dispose();
    }
}
