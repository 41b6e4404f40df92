using System.Security.Cryptography;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Sdp;
using MediaCore.Routing;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Signalling;
using MediaCore.Server.Snapshots;
using SdpMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Sessions;

/// <summary>
/// WHIP/WHEP sessions on top of <see cref="MediaEngine"/>: negotiates the answer, creates the transport and
/// the producers or consumers, and answers the room API's read queries.
/// </summary>
public sealed partial class SessionManager(MediaEngine engine) : ISessionManager, IRoomDirectory
{
    public ValueTask<SessionResult> PublishAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken)
        => ValueTask.FromResult(Create(room, participant, offerSdp, SessionKind.Publisher));

    public async ValueTask<SessionResult> SubscribeAsync(RoomId room, ParticipantInfo participant, string offerSdp, CancellationToken cancellationToken)
    {
        // In a cluster, tracks published on other nodes are relayed in first, so the new session's program has them at once.
        if (Relays is not null && await Relays.PrepareSubscribeAsync(room, cancellationToken) is { } unavailable)
            return SessionResult.Reject(SessionError.Unavailable, unavailable);
        return Create(room, participant, offerSdp, SessionKind.Subscriber);
    }

    /// <summary>The cluster's relay side (Cluster/RelayManager), set at start-up when <c>MediaServer:Cluster:Redis</c> is configured.</summary>
    internal Cluster.RelayManager? Relays { get; set; }

    private SessionResult Create(RoomId roomId, ParticipantInfo participant, string offerSdp, SessionKind kind)
    {
        if (!SdpParser.TryParse(offerSdp, out var offer, out string parseError))
            return SessionResult.Reject(SessionError.InvalidOffer, $"malformed SDP offer: {parseError}");
        if (offer.Media.Count == 0)
            return SessionResult.Reject(SessionError.InvalidOffer, "the SDP offer has no media sections");

        lock (engine.Gate)
        {
            long now = engine.Clock.NowTicks;
            var ice = IceCredentials.Generate();
            var room = engine.FindRoom(roomId);
            if (Full(roomId, room) is { } full) return full;
            var options = BaseAnswerOptions(ice) with
            {
                DefaultIntent = kind == SessionKind.Publisher ? MediaIntent.Receive : MediaIntent.Send,
            };
            options = kind == SessionKind.Publisher
                // A SIP terminal that receives video takes H.264 only (Sip/SipVideoMedia): while one is in the room, new publishers
                // are asked for H.264 first (docs/decisions.md, "H.264 for SIP terminals").
                ? options with { VideoStartBitrateKbps = 2500, VideoCodecs = room is { HasSipVideoTerminal: true } ? [SdpCodec.H264, SdpCodec.VP8] : OfferOrder(offer) }
                : SubscriberOptions(options, offer, room);

            var result = SdpNegotiator.CreateAnswer(offer, options);
            if (!result.IsSuccess || result.Answer is null || result.Session is null)
                return SessionResult.Reject(SessionError.InvalidOffer, result.Error ?? "the offer could not be answered");
            bool anyAccepted = false;
            foreach (var m in result.Session.Media) anyAccepted |= !m.Rejected;
            if (!anyAccepted)
                return SessionResult.Reject(SessionError.InvalidOffer, "no media section of the offer has a codec this server supports");

            room = engine.GetOrCreateRoom(roomId);
            string id = SessionIds.New();
            PeerSession session;
            if (kind == SessionKind.Publisher)
            {
                var publisher = new PublisherSession(engine, room, id, participant, result.Session, ice, now);
                publisher.CreateProducers(now);
                session = publisher;
            }
            else
            {
                var subscriber = new SubscriberSession(engine, room, id, participant, result.Session, ice, now);
                subscriber.CreateConsumers(now);
                session = subscriber;
            }
            engine.Register(session);
            room.Add(now, session);
            session.Reschedule();
            engine.Events?.SessionStarted(session.Info, participant.DisplayName, session.JoinedAt);
            LogCreated(engine.Logger, kind, id, roomId.Value, participant.Id);
            Metrics.MediaMetrics.SessionsCreated.WithLabels(kind == SessionKind.Publisher ? "publisher" : "subscriber").Inc();
            return new SessionResult.Created(id, SdpWriter.Write(result.Answer));
        }
    }

    /// <summary>The room or the node is at its bound (<see cref="Options.LimitOptions"/>): 503, try later or elsewhere.</summary>
    private SessionResult? Full(RoomId roomId, MediaRoom? room)
    {
        var limits = engine.Options.Limits;
        if (room is not null && room.Sessions.Count >= limits.MaxSessionsPerRoom)
            return SessionResult.Reject(SessionError.Unavailable,
                $"room {roomId.Value} is full: it holds {limits.MaxSessionsPerRoom} sessions (MediaServer:Limits:MaxSessionsPerRoom)");
        if (room is null && engine.Rooms.Count >= limits.MaxRooms)
            return SessionResult.Reject(SessionError.Unavailable,
                $"this node holds its maximum of {limits.MaxRooms} rooms (MediaServer:Limits:MaxRooms): use another node or try later");
        return null;
    }

    private IceCandidate UdpCandidate() => new()
    {
        Foundation = "1",
        Priority = 2130706431,
        Address = engine.Options.AdvertisedAddress,
        Port = engine.AdvertisedPort,
    };

    /// <summary>
    /// The passive TCP host candidate (RFC 6544 §4.5: <c>tcptype passive</c>), ranked below UDP (§4.2: local
    /// preference from direction preference 4 for passive host candidates), so peers use TCP only when UDP fails.
    /// </summary>
    private IceCandidate IceTcpCandidate(int port) => new()
    {
        Foundation = "2",
        Transport = "tcp",
        Priority = (126u << 24) | ((4u << 13 | 8191u) << 8) | (256u - 1),
        Address = engine.Options.AdvertisedAddress,
        Port = port,
        Extensions = new[] { new SdpParameter("tcptype", "passive") },
    };

    private AnswerOptions BaseAnswerOptions(IceCredentials ice) => new()
    {
        IceUfrag = ice.Ufrag,
        IcePwd = ice.Password,
        Fingerprint = Protocol.Dtls.DtlsFingerprint.Sha256(engine.Certificate.Der),
        Setup = SetupRole.Passive,
        IceLite = true,
        Candidates = engine.IceTcpPort is int tcpPort
            ? [UdpCandidate(), IceTcpCandidate(tcpPort)]
            : [UdpCandidate()],
        SessionId = (ulong)Random.Shared.NextInt64(1, long.MaxValue),
    };

    /// <summary>
    /// WHEP: we send. Each offered m-line gets our SSRCs; the video codec the room already publishes is
    /// preferred so the SFU can forward without transcoding; downstream estimation uses REMB (abs-send-time),
    /// not transport-cc.
    /// </summary>
    private static AnswerOptions SubscriberOptions(AnswerOptions options, SessionDescription offer, MediaRoom? room)
    {
        var sections = new List<MediaSectionOptions>(offer.Media.Count);
        string stream = Guid.NewGuid().ToString("N")[..12];
        foreach (var m in offer.Media)
        {
            uint ssrc = RandomSsrc();
            var send = new SendStream(new Ssrc(ssrc), m.Kind == SdpMediaKind.Video ? new Ssrc(RandomSsrc()) : null,
                "mediacore", stream, $"{m.Kind.ToString().ToLowerInvariant()}-{sections.Count}");
            sections.Add(new MediaSectionOptions(MediaIntent.Send, send));
        }
        var preferred = PreferredVideoCodecs(room);
        return options with
        {
            Sections = sections,
            VideoCodecs = preferred,
            EnableTransportCc = false,
            HeaderExtensions =
            [
                RtpExtensionUris.AudioLevel, RtpExtensionUris.AbsSendTime, RtpExtensionUris.Mid,
            ],
        };
    }

    /// <summary>A publisher's own codec preference (its offer's order, e.g. H264 forced) wins among those we forward.</summary>
    private static ValueList<SdpCodec> OfferOrder(SessionDescription offer)
    {
        foreach (var m in offer.Media)
        {
            if (m.Kind != SdpMediaKind.Video) continue;
            foreach (var c in m.Codecs)
            {
                if (string.Equals(c.Name, "H264", StringComparison.OrdinalIgnoreCase)) return [SdpCodec.H264, SdpCodec.VP8];
                if (string.Equals(c.Name, "VP8", StringComparison.OrdinalIgnoreCase)) return [SdpCodec.VP8, SdpCodec.H264];
            }
        }
        return [SdpCodec.VP8, SdpCodec.H264];
    }

    private static ValueList<SdpCodec> PreferredVideoCodecs(MediaRoom? room)
    {
        if (room != null)
        {
            foreach (var p in room.Router.Producers)
            {
                if (p.Kind != Protocol.Sdp.MediaKind.Video) continue;
                switch (p.Codec)
                {
                    case Protocol.Codecs.CodecKind.H264: return [SdpCodec.H264, SdpCodec.VP8];
                    case Protocol.Codecs.CodecKind.Vp9: return [SdpCodec.VP9, SdpCodec.VP8];
                    case Protocol.Codecs.CodecKind.Av1: return [SdpCodec.AV1, SdpCodec.VP8];
                }
            }
        }
        return [SdpCodec.VP8, SdpCodec.H264];
    }

    private static uint RandomSsrc() => (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);

    public SessionInfo? FindSession(RoomId room, string sessionId)
    {
        lock (engine.Gate) return engine.FindRoom(room)?.Find(sessionId)?.Info;
    }

    public ValueTask<bool> CloseAsync(RoomId room, string sessionId, CancellationToken cancellationToken)
    {
        lock (engine.Gate)
        {
            var session = engine.FindRoom(room)?.Find(sessionId);
            if (session == null) return ValueTask.FromResult(false);
            session.Close(engine.Clock.NowTicks);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask ShutdownAsync(CancellationToken cancellationToken)
    {
        lock (engine.Gate)
        {
            long now = engine.Clock.NowTicks;
            foreach (var room in engine.Rooms.ToList())
            {
                foreach (var s in room.Sessions.ToList()) s.Close(now);
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Gives the floor to <paramref name="participantId"/> (null: back to the host); false when the room is unknown.</summary>
    public bool SetFloor(RoomId room, string? participantId)
    {
        lock (engine.Gate)
        {
            var r = engine.FindRoom(room);
            if (r == null) return false;
            r.SetFloor(engine.Clock.NowTicks, participantId);
            engine.Events?.RoomControlsChanged(room); // the other nodes of a cluster follow (Cluster/ClusterRoomControls)
            return true;
        }
    }

    /// <summary>Sets the preferred simulcast layer of every subscription of <paramref name="participantId"/>; returns how many.</summary>
    public int SetPreferredLayer(RoomId room, string participantId, int? layer)
    {
        lock (engine.Gate)
        {
            int n = 0;
            long now = engine.Clock.NowTicks;
            foreach (var s in engine.FindRoom(room)?.Sessions ?? [])
            {
                if (s is SubscriberSession sub && s.Participant.Id == participantId) { sub.SetPreferredLayer(now, layer); n++; }
            }
            return n;
        }
    }

    /// <summary>Asks a participant's video producers for a key frame; returns the request time, or -1 without video.</summary>
    public long RequestKeyFrame(RoomId room, string participantId)
    {
        lock (engine.Gate)
        {
            long now = engine.Clock.NowTicks;
            var producer = FindVideoProducer(room, participantId);
            if (producer == null) return -1;
            foreach (var e in producer.Encodings)
            {
                if (e.Ssrc is { } ssrc) producer.KeyFrameRequester?.RequestKeyFrame(producer, ssrc);
            }
            return now;
        }
    }

    /// <summary>The latest complete key frame of a participant's video, or null.</summary>
    public KeyFrame? LatestKeyFrame(RoomId room, string participantId)
    {
        lock (engine.Gate)
        {
            var producer = FindVideoProducer(room, participantId);
            return producer == null ? null : engine.FindRoom(room)!.KeyFrames.Latest(producer);
        }
    }

    private Producer? FindVideoProducer(RoomId room, string participantId)
    {
        var mediaRoom = engine.FindRoom(room);
        foreach (var s in mediaRoom?.Sessions ?? [])
        {
            if (s is not PublisherSession p || s.Participant.Id != participantId) continue;
            foreach (var (_, producer) in p.Producers)
            {
                if (producer.Kind == Protocol.Sdp.MediaKind.Video && !producer.IsContent) return producer; // the camera, not a share
            }
        }
        // A camera or encoder pushing plain RTP (Ingest/), or a file played into the room, is a publisher too: snapshots and
        // patrol work without a browser.
        foreach (var feed in mediaRoom?.Feeds ?? [])
        {
            if (feed.ParticipantId != participantId) continue;
            foreach (var producer in feed.Producers)
            {
                if (producer.Kind == Protocol.Sdp.MediaKind.Video) return producer;
            }
        }
        return null;
    }

    public IReadOnlyList<RoomSummaryDto> ListRooms()
    {
        lock (engine.Gate)
        {
            // A SIP call is a publishing session of its terminal's site (Sip/SipCallMedia); a plain-RTP ingest or a file
            // publisher publishes too.
            return engine.Rooms.Select(r => new RoomSummaryDto(r.Id.Value,
                r.Sessions.Select(s => s.Participant.Id).Concat(r.SipCalls.Select(c => c.Call.Account.ParticipantId))
                    .Concat(r.Feeds.Select(i => i.ParticipantId)).Distinct().Count(),
                r.Sessions.Count(s => s.Kind == SessionKind.Publisher) + r.SipCalls.Count + r.Feeds.Count(),
                r.Sessions.Count(s => s.Kind == SessionKind.Subscriber))).ToList();
        }
    }

    public RoomDetailsDto? GetRoom(RoomId id)
    {
        lock (engine.Gate)
        {
            var room = engine.FindRoom(id);
            if (room == null) return null;
            long now = engine.Clock.NowTicks;
            var participants = room.Sessions.Select(s => new ParticipantDto(s.Participant.Id, s.Id, s.Participant.Role.ToClaim(),
                s.Kind == SessionKind.Publisher ? "publisher" : "subscriber", s.Participant.DisplayName, s.JoinedAt, Tracks(s),
                Transport: s.DescribeTransport(now))).ToList();
            // SIP terminals in the room (Sip/): the site's call, named by its SIP user.
            participants.AddRange(room.SipCalls.Select(c => new ParticipantDto(c.Call.Account.ParticipantId, c.SessionId, ParticipantRole.Speaker.ToClaim(),
                "publisher", c.Call.Account.Username, c.StartedAt, c.Tracks(), SipUser: c.Call.Account.Username)));
            // Plain-RTP ingests (ffmpeg, pulled RTSP cameras) and file publishers: kind "ingest" or "playback", session id = its id.
            participants.AddRange(room.Feeds.Select(i => new ParticipantDto(i.ParticipantId, i.Id, ParticipantRole.Speaker.ToClaim(),
                i.Kind, null, i.StartedAt, [.. i.Producers.Select(p => new TrackDto(p.Kind.ToString().ToLowerInvariant(), null,
                    p.Codec.ToString(), [.. p.Encodings.Where(e => e.Ssrc != null).Select(e => e.Ssrc!.Value.Value)], [], p.PacketsReceived))])));
            if (room.SipCalls.Count + room.Ingests.Count + room.Playbacks.Count > 0) participants.Sort((a, b) => a.JoinedAt != b.JoinedAt ? a.JoinedAt.CompareTo(b.JoinedAt) : string.CompareOrdinal(a.SessionId, b.SessionId));
            return new RoomDetailsDto(room.Id.Value, participants);
        }
    }

    private static IReadOnlyList<TrackDto> Tracks(PeerSession s) => s switch
    {
        PublisherSession p => p.Producers.Select(x => new TrackDto(x.Producer.Kind.ToString().ToLowerInvariant(), x.Mid,
            x.Producer.Codec.ToString(), x.Producer.Encodings.Where(e => e.Ssrc != null).Select(e => e.Ssrc!.Value.Value).ToList(),
            x.Producer.Encodings.Where(e => e.Rid != null).Select(e => e.Rid!).ToList(), x.Producer.PacketsReceived, x.Producer.IsContent)).ToList(),
        SubscriberSession sub => sub.Consumers.Select(c => new TrackDto(c.Kind.ToString().ToLowerInvariant(), null, c.Codec.ToString(),
            [c.Ssrc.Value], [], c.Stats.PacketsSent, c.IsContent)).ToList(),
        _ => [],
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} session {SessionId} created in room {Room} for {Participant}")]
    private static partial void LogCreated(ILogger logger, SessionKind kind, string sessionId, string room, string participant);
}
