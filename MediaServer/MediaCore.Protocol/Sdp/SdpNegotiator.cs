using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>
/// JSEP-style offer/answer (RFC 8829 §5.3, RFC 3264 §6) for an ICE-lite, BUNDLE-only SFU: turns a
/// browser's offer into our answer, and on the client side (load tester) reads the answer to our offer.
/// Pure functions of their inputs: no clock, no randomness.
/// </summary>
/// <example>
/// A WHIP endpoint:
/// <code>
/// if (!SdpParser.TryParse(body, out var offer, out var parseError)) return BadRequest(parseError);
/// var result = SdpNegotiator.CreateAnswer(offer, new AnswerOptions
/// {
///     IceUfrag = ufrag, IcePwd = pwd, Fingerprint = DtlsFingerprint.Sha256(certDer),
///     Candidates = [IceCandidate.Host("192.0.2.10", 50000)],
///     DefaultIntent = MediaIntent.Receive,          // WHEP: Send, with Sections[i].Send per m-line
///     VideoStartBitrateKbps = 2500,
/// });
/// if (!result.IsSuccess) return BadRequest(result.Error);
/// string answerSdp = SdpWriter.Write(result.Answer!);
/// NegotiatedSession session = result.Session!;   // ICE creds, fingerprint, PTs, extension ids, rids, SSRCs
/// </code>
/// </example>
public static class SdpNegotiator
{
    /// <summary>
    /// Answers <paramref name="offer"/>. Fails (with <see cref="AnswerResult.Error"/>) when the offer
    /// cannot work with us at all: no BUNDLE group covering every section, no rtcp-mux, no ICE
    /// credentials or DTLS fingerprint, or no section with a codec we support. A single section without a
    /// supported codec, or of a kind we do not carry (data channels), is rejected with port 0 instead.
    /// </summary>
    public static AnswerResult CreateAnswer(SessionDescription offer, AnswerOptions options)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.IceUfrag) || string.IsNullOrEmpty(options.IcePwd))
            return AnswerResult.Fail("answer options need our ICE ufrag and pwd");
        if (offer.Media.Count == 0) return AnswerResult.Fail("offer has no media sections");

        // RFC 9143: we run one transport, so every used section must be in one BUNDLE group.
        SdpGroup? bundle = null;
        foreach (var g in offer.Groups)
        {
            if (!string.Equals(g.Semantics, "BUNDLE", StringComparison.OrdinalIgnoreCase)) continue;
            if (bundle is not null) return AnswerResult.Fail("offer has more than one BUNDLE group; MediaCore needs all media in one (RFC 9143)");
            bundle = g;
        }
        if (bundle is null || bundle.Mids.Count == 0)
            return AnswerResult.Fail("offer has no a=group:BUNDLE; MediaCore needs all media bundled on one transport (RFC 9143)");

        var bundleSet = new HashSet<string>(bundle.Mids, StringComparer.Ordinal);
        var plans = new SectionPlan[offer.Media.Count];
        MediaDescription? tagged = null;
        for (int i = 0; i < plans.Length; i++)
        {
            var m = offer.Media[i];
            var intent = i < options.Sections.Count ? options.Sections[i] : new MediaSectionOptions(options.DefaultIntent);
            plans[i] = new SectionPlan { Index = i, Offered = m, Options = intent };
            // Sections we would reject anyway (rejected in the offer, data channels, other kinds) need no checks.
            if (m.IsRejected || m.Kind is not (MediaKind.Audio or MediaKind.Video) || !m.IsRtp || intent.Intent == MediaIntent.Reject) continue;
            if (m.Mid is null) return AnswerResult.Fail($"m-line {i} ({m.Media}) has no a=mid, which BUNDLE requires (RFC 9143 §7.2)");
            if (!bundleSet.Contains(m.Mid))
                return AnswerResult.Fail($"m-line {i} (mid {m.Mid}) is not in the BUNDLE group; MediaCore needs all media bundled (RFC 9143)");
            if (!m.RtcpMux) return AnswerResult.Fail($"m-line {i} (mid {m.Mid}) has no a=rtcp-mux, which MediaCore requires (RFC 8843 §9.1, RFC 5761)");
            plans[i].Accept = true;
        }
        var acceptedByMid = new Dictionary<string, SectionPlan>(StringComparer.Ordinal);
        foreach (var p in plans)
        {
            if (p.Accept) acceptedByMid[p.Offered.Mid!] = p;
        }
        foreach (var mid in bundle.Mids)
        {
            if (acceptedByMid.TryGetValue(mid, out var p)) { tagged = p.Offered; break; }
        }
        tagged ??= FirstBundled(offer, bundle);
        if (tagged is null) return AnswerResult.Fail("no m-line of the BUNDLE group is usable");

        // Transport parameters come from the tagged section, falling back to session level (RFC 9143 §7.2).
        string? ufrag = tagged.IceUfrag ?? offer.IceUfrag;
        string? pwd = tagged.IcePwd ?? offer.IcePwd;
        var fingerprint = tagged.Fingerprint ?? offer.Fingerprint;
        if (ufrag is null || pwd is null) return AnswerResult.Fail($"offer has no a=ice-ufrag/a=ice-pwd for mid {tagged.Mid} (RFC 8839 §5.4)");
        if (fingerprint is null) return AnswerResult.Fail($"offer has no a=fingerprint for mid {tagged.Mid}; DTLS-SRTP needs it (RFC 8122 §5)");
        var remoteSetup = tagged.Setup ?? offer.Setup ?? SetupRole.Active; // RFC 4145 §4: absent means active
        SetupRole localSetup;
        switch (remoteSetup)
        {
            case SetupRole.ActPass: localSetup = options.Setup == SetupRole.Active ? SetupRole.Active : SetupRole.Passive; break;
            case SetupRole.Active: localSetup = SetupRole.Passive; break;
            case SetupRole.Passive: localSetup = SetupRole.Active; break;
            default: return AnswerResult.Fail("offer has a=setup:holdconn; no DTLS connection can be made (RFC 4145 §4)");
        }

        int accepted = 0;
        foreach (var p in plans)
        {
            if (!p.Accept) continue;
            var err = SectionNegotiation.Plan(p, options);
            if (err is not null) return AnswerResult.Fail(err);
            if (p.Accept) accepted++;
        }
        if (accepted == 0) return AnswerResult.Fail("no media section has a codec MediaCore supports (Opus; VP8, H264 packetization-mode=1 Baseline, VP9, AV1)");
        // The tagged section is the first one we keep; its candidates are the bundle's (RFC 9143 §7.3.1).
        foreach (var mid in bundle.Mids)
        {
            if (acceptedByMid.TryGetValue(mid, out var p) && p.Accept) { tagged = p.Offered; break; }
        }

        var local = new LocalTransport(options, localSetup);
        var answerMedia = new MediaDescription[plans.Length];
        var negotiated = new NegotiatedMedia[plans.Length];
        // Answer BUNDLE group: the offer's order, accepted sections only (RFC 9143 §7.3.1), each mid once.
        var bundleMids = new List<string>();
        var added = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mid in bundle.Mids)
        {
            if (acceptedByMid.TryGetValue(mid, out var p) && p.Accept && added.Add(mid)) bundleMids.Add(mid);
        }
        for (int i = 0; i < plans.Length; i++)
        {
            var p = plans[i];
            answerMedia[i] = p.Accept ? SectionNegotiation.BuildAnswer(p, local) : Rejected(p.Offered);
            negotiated[i] = p.Accept
                ? Describe(i, p.Offered.Mid!, p.Offered.Kind, p.Direction, answerMedia[i], p.Offered, p.Rids, p.Send)
                : new NegotiatedMedia { Index = i, Mid = p.Offered.Mid ?? "", Kind = p.Offered.Kind, Direction = MediaDirection.Inactive, Rejected = true };
        }

        bool anySend = plans.Any(p => p.Accept && p.Send is not null);
        var answer = new SessionDescription
        {
            Origin = Origin.Create(options.SessionId != 0 ? options.SessionId : DeriveSessionId(options.IceUfrag), options.SessionVersion),
            Timing = (0, 0),
            Groups = [new SdpGroup("BUNDLE", ValueList.Own(bundleMids))],
            IceLite = options.IceLite,
            ExtmapAllowMixed = offer.ExtmapAllowMixed && options.ExtmapAllowMixed,
            MsidSemantic = new MsidSemantic("WMS", anySend ? ["*"] : ValueList<string>.Empty),
            Media = new ValueList<MediaDescription>(answerMedia),
        };
        var session = new NegotiatedSession
        {
            RemoteIceUfrag = ufrag,
            RemoteIcePwd = pwd,
            RemoteFingerprint = fingerprint,
            LocalSetup = localSetup,
            RemoteIceLite = offer.IceLite,
            RemoteCandidates = tagged.Candidates,
            BundleMids = ValueList.Own(bundleMids),
            Media = new ValueList<NegotiatedMedia>(negotiated),
        };
        return new AnswerResult { Answer = answer, Session = session };
    }

    /// <summary>
    /// Client side: reads the <paramref name="answer"/> to our <paramref name="offer"/> (e.g. from a WHIP
    /// server) into a <see cref="NegotiatedSession"/>, with directions from our point of view.
    /// </summary>
    public static bool TryApplyAnswer(SessionDescription offer, SessionDescription answer, out NegotiatedSession session, out string error)
    {
        session = null!;
        if (answer.Media.Count != offer.Media.Count)
        {
            error = $"answer has {answer.Media.Count} m-lines, the offer {offer.Media.Count} (RFC 3264 §6)";
            return false;
        }
        MediaDescription? tagged = null;
        var media = new NegotiatedMedia[offer.Media.Count];
        for (int i = 0; i < media.Length; i++)
        {
            var o = offer.Media[i];
            var a = answer.Media[i];
            if (a.Media != o.Media || a.Mid != o.Mid)
            {
                error = $"answer m-line {i} ({a.Media}, mid {a.Mid}) does not match the offer's ({o.Media}, mid {o.Mid}) (RFC 3264 §6)";
                return false;
            }
            if (a.IsRejected)
            {
                media[i] = new NegotiatedMedia { Index = i, Mid = o.Mid ?? "", Kind = o.Kind, Direction = MediaDirection.Inactive, Rejected = true };
                continue;
            }
            tagged ??= a;
            var rids = new List<string>();
            if (a.Simulcast is { } sim)
            {
                foreach (var stream in sim.Recv) rids.Add(stream[0].Rid);
            }
            media[i] = Describe(i, o.Mid ?? "", o.Kind, Reverse(a.Direction), a, a, ValueList.Own(rids), LocalSendFrom(o));
        }
        if (tagged is null)
        {
            error = "answer rejected every m-line";
            return false;
        }
        string? ufrag = tagged.IceUfrag ?? answer.IceUfrag;
        string? pwd = tagged.IcePwd ?? answer.IcePwd;
        var fp = tagged.Fingerprint ?? answer.Fingerprint;
        if (ufrag is null || pwd is null || fp is null)
        {
            error = "answer lacks a=ice-ufrag, a=ice-pwd or a=fingerprint";
            return false;
        }
        SetupRole local;
        switch (tagged.Setup ?? answer.Setup)
        {
            case SetupRole.Active: local = SetupRole.Passive; break;
            case SetupRole.Passive: local = SetupRole.Active; break;
            default:
                error = "answer a=setup must be active or passive (RFC 5763 §5)";
                return false;
        }
        session = new NegotiatedSession
        {
            RemoteIceUfrag = ufrag,
            RemoteIcePwd = pwd,
            RemoteFingerprint = fp,
            LocalSetup = local,
            RemoteIceLite = answer.IceLite,
            RemoteCandidates = tagged.Candidates,
            BundleMids = answer.BundleGroup?.Mids ?? ValueList<string>.Empty,
            Media = new ValueList<NegotiatedMedia>(media),
        };
        error = "";
        return true;
    }

    internal static MediaDirection Reverse(MediaDirection d) => d switch
    {
        MediaDirection.SendOnly => MediaDirection.RecvOnly,
        MediaDirection.RecvOnly => MediaDirection.SendOnly,
        _ => d,
    };

    private static MediaDescription? FirstBundled(SessionDescription offer, SdpGroup bundle)
    {
        foreach (var m in offer.Media)
        {
            if (!m.IsRejected && m.Mid is not null && bundle.Mids.AsSpan().IndexOf(m.Mid) >= 0) return m;
        }
        return null;
    }

    /// <summary>
    /// A rejected section (RFC 3264 §6, RFC 8829 §5.3.1): port 0, the offer's media and protocol, one
    /// format, the mid kept so the answer lines up with the offer, and no place in the BUNDLE group.
    /// </summary>
    private static MediaDescription Rejected(MediaDescription offered) => new()
    {
        Media = offered.Media,
        Port = 0,
        Protocol = offered.Protocol,
        Formats = offered.IsRtp ? ValueList<string>.Empty : (offered.Formats.Count > 0 ? [offered.Formats[0]] : ["0"]),
        Codecs = offered.IsRtp && offered.Codecs.Count > 0 ? [offered.Codecs[0] with { Parameters = ValueList<SdpParameter>.Empty, Feedback = ValueList<RtcpFeedback>.Empty }] : ValueList<RtpCodec>.Empty,
        Connection = new ConnectionData("IN", "IP4", "0.0.0.0"),
        Mid = offered.Mid,
        Direction = MediaDirection.Inactive,
    };

    /// <summary>Builds the negotiated view of a section from the codecs of <paramref name="agreed"/> and the sources of <paramref name="remote"/>.</summary>
    internal static NegotiatedMedia Describe(int index, string mid, MediaKind kind, MediaDirection localDirection,
        MediaDescription agreed, MediaDescription remote, ValueList<string> rids, SendStream? localSend)
    {
        var codecs = new List<NegotiatedCodec>();
        foreach (var c in agreed.Codecs)
        {
            if (c.IsNamed("rtx")) continue;
            var rtx = SdpCodecs.FindRtx(agreed, c.PayloadType);
            codecs.Add(new NegotiatedCodec
            {
                PayloadType = c.PayloadType,
                Name = c.Name,
                ClockRate = c.ClockRate,
                Channels = c.Channels ?? 1,
                Codec = SdpCodecs.Classify(c),
                RtxPayloadType = rtx?.PayloadType,
                Parameters = c.Parameters,
                Feedback = c.Feedback,
            });
        }
        var (sources, sim) = RemoteSources(remote);
        return new NegotiatedMedia
        {
            Index = index,
            Mid = mid,
            Kind = kind,
            Direction = localDirection,
            Codecs = ValueList.Own(codecs),
            HeaderExtensions = agreed.HeaderExtensions,
            Rids = rids,
            RemoteSources = sources,
            RemoteSimulcastSsrcs = sim,
            RemoteMsid = remote.Msids.Count > 0 ? remote.Msids[0] : null,
            LocalSend = localSend,
            RtcpReducedSize = agreed.RtcpRsize && remote.RtcpRsize,
            Content = remote.Content,
        };
    }

    /// <summary>
    /// Groups a=ssrc lines by SSRC; an SSRC that is the second member of an FID group (RFC 5576 §4.2,
    /// RFC 4588 §8.7) is the RTX of the first and not a source of its own.
    /// </summary>
    private static (ValueList<RemoteSource>, ValueList<Ssrc>) RemoteSources(MediaDescription m)
    {
        if (m.Ssrcs.Count == 0 && m.SsrcGroups.Count == 0) return (ValueList<RemoteSource>.Empty, ValueList<Ssrc>.Empty);
        var rtxOf = new Dictionary<uint, Ssrc>();
        var isRtx = new HashSet<uint>();
        ValueList<Ssrc> sim = ValueList<Ssrc>.Empty;
        foreach (var g in m.SsrcGroups)
        {
            if (g.Semantics == "FID" && g.Ssrcs.Count == 2)
            {
                rtxOf.TryAdd(g.Ssrcs[0].Value, g.Ssrcs[1]);
                isRtx.Add(g.Ssrcs[1].Value);
            }
            else if (g.Semantics == "SIM" && sim.Count == 0)
            {
                sim = g.Ssrcs;
            }
        }
        // One pass to collect cname/msid per SSRC, so hostile offers with many a=ssrc lines stay linear.
        var order = new List<uint>();
        var info = new Dictionary<uint, (string? Cname, string? Msid)>();
        foreach (var a in m.Ssrcs)
        {
            uint s = a.Ssrc.Value;
            if (!info.TryGetValue(s, out var entry))
            {
                entry = (null, null);
                if (!isRtx.Contains(s)) order.Add(s);
            }
            if (a.Name == "cname" && entry.Cname is null) entry.Cname = a.Value;
            else if (a.Name == "msid" && entry.Msid is null) entry.Msid = a.Value;
            info[s] = entry;
        }
        var list = new List<RemoteSource>(order.Count);
        foreach (uint s in order)
        {
            var (cname, msidText) = info[s];
            // Chromium's answers carry msid only at media level (RFC 8830 §2); use it when the SSRC has none.
            Msid? msid = m.Msids.Count > 0 ? m.Msids[0] : null;
            if (msidText is not null)
            {
                var t = SdpParser.Tokens(msidText);
                if (t.Length > 0) msid = new Msid(t[0], t.Length > 1 ? t[1] : null);
            }
            list.Add(new RemoteSource(new Ssrc(s), rtxOf.TryGetValue(s, out var rtx) ? rtx : null, cname, msid));
        }
        return (ValueList.Own(list), sim);
    }

    /// <summary>Our own send stream as written in our offer (client side).</summary>
    private static SendStream? LocalSendFrom(MediaDescription offered)
    {
        var (sources, _) = RemoteSources(offered);
        if (sources.Count == 0) return null;
        var s = sources[0];
        var msid = offered.Msids.Count > 0 ? offered.Msids[0] : s.Msid;
        return new SendStream(s.Ssrc, s.RtxSsrc, s.Cname ?? "", msid?.StreamId ?? "-", msid?.TrackId ?? "");
    }

    /// <summary>FNV-1a of the ufrag, kept below 2^62 as JSEP asks (RFC 8829 §5.2.1).</summary>
    private static ulong DeriveSessionId(string ufrag)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in ufrag)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        return (h & 0x3FFF_FFFF_FFFF_FFFFUL) | 1;
    }
}

/// <summary>Our transport attributes, written into every accepted section.</summary>
internal sealed record LocalTransport(AnswerOptions Options, SetupRole Setup);

/// <summary>Working state for one offered section during <see cref="SdpNegotiator.CreateAnswer"/>.</summary>
internal sealed class SectionPlan
{
    public int Index;
    public required MediaDescription Offered;
    public required MediaSectionOptions Options;
    public bool Accept;
    public MediaDirection Direction;
    public SendStream? Send;
    public List<RtpCodec> Codecs = new();
    public List<HeaderExtension> Extensions = new();
    public List<RidDescription> AnswerRids = new();
    public SimulcastDescription? Simulcast;
    public ValueList<string> Rids = ValueList<string>.Empty;
}
