using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>Negotiates one accepted media section: direction, codecs, RTX, feedback, extensions, simulcast.</summary>
internal static class SectionNegotiation
{
    /// <summary>
    /// Fills <paramref name="p"/>; clears <see cref="SectionPlan.Accept"/> when no codec matches. Returns an
    /// error only for a caller mistake (send intent without a send stream).
    /// </summary>
    public static string? Plan(SectionPlan p, AnswerOptions options)
    {
        var m = p.Offered;
        // RFC 3264 §6.1: the answer's direction is the offer's, seen from the other side, narrowed by what we want.
        bool remoteSends = m.Direction is MediaDirection.SendRecv or MediaDirection.SendOnly;
        bool remoteReceives = m.Direction is MediaDirection.SendRecv or MediaDirection.RecvOnly;
        bool weReceive = remoteSends && p.Options.Intent is MediaIntent.Receive or MediaIntent.SendReceive;
        bool weSend = remoteReceives && p.Options.Intent is MediaIntent.Send or MediaIntent.SendReceive;
        p.Direction = (weSend, weReceive) switch
        {
            (true, true) => MediaDirection.SendRecv,
            (true, false) => MediaDirection.SendOnly,
            (false, true) => MediaDirection.RecvOnly,
            _ => MediaDirection.Inactive,
        };
        if (weSend)
        {
            if (p.Options.Send is null) return $"m-line {p.Index} (mid {m.Mid}): a send intent needs MediaSectionOptions.Send (our SSRC, cname, msid)";
            p.Send = p.Options.Send;
        }

        ChooseCodecs(p, options);
        if (p.Codecs.Count == 0)
        {
            p.Accept = false;
            return null;
        }
        ChooseExtensions(p, options);
        if (weReceive && options.EnableSimulcast) ChooseSimulcast(p);
        return null;
    }

    private static void ChooseCodecs(SectionPlan p, AnswerOptions options)
    {
        var m = p.Offered;
        var prefs = m.Kind == MediaKind.Audio ? options.AudioCodecs : options.VideoCodecs;
        var matches = new List<(SdpCodec Codec, RtpCodec Offered, int Rank, int Order)>();
        // Where each codec first appears in the offer: its rank when the offer's order wins.
        Span<int> firstInOffer = stackalloc int[(int)SdpCodec.AV1 + 1];
        firstInOffer.Fill(int.MaxValue / 8);
        for (int i = 0; i < m.Codecs.Count; i++)
        {
            var c = m.Codecs[i];
            if (SdpCodecs.Classify(c) is not SdpCodec k || SdpCodecs.KindOf(k) != m.Kind) continue;
            int pref = prefs.AsSpan().IndexOf(k);
            if (pref < 0) continue;
            if (firstInOffer[(int)k] > i) firstInOffer[(int)k] = i;
            int kindRank = options.PreferOfferOrder ? firstInOffer[(int)k] : pref;
            // Within H264, Constrained Baseline before Baseline whatever the order.
            int rank = kindRank * 4 + (k == SdpCodec.H264 ? SdpCodecs.H264Rank(c) : 0);
            matches.Add((k, c, rank, i));
        }
        matches.Sort((a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : a.Order.CompareTo(b.Order));
        if (options.SingleCodec && matches.Count > 1) matches.RemoveRange(1, matches.Count - 1);

        foreach (var (codec, offered, _, _) in matches)
        {
            var feedback = Feedback(offered, m.WildcardFeedback, options);
            p.Codecs.Add(new RtpCodec
            {
                PayloadType = offered.PayloadType,
                Name = offered.Name,
                ClockRate = offered.ClockRate,
                Channels = codec == SdpCodec.Opus ? 2 : offered.Channels,
                Parameters = SdpCodecs.AnswerParameters(codec, offered, m.Kind == MediaKind.Video ? options.VideoStartBitrateKbps : null),
                Feedback = feedback,
            });
            if (m.Kind == MediaKind.Video && options.EnableRtx && SdpCodecs.FindRtx(m, offered.PayloadType) is { } rtx && rtx.ClockRate == offered.ClockRate)
            {
                // RFC 4588 §8.6: apt names the protected payload type; rtx-time is echoed if the offer set it.
                var ps = new List<SdpParameter> { new("apt", offered.PayloadType.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
                if (rtx.GetParameter("rtx-time") is { } rtxTime) ps.Add(new("rtx-time", rtxTime));
                p.Codecs.Add(new RtpCodec
                {
                    PayloadType = rtx.PayloadType,
                    Name = rtx.Name,
                    ClockRate = rtx.ClockRate,
                    Parameters = ValueList.Own(ps),
                });
            }
        }
    }

    /// <summary>RFC 4585 §4.2: answer only feedback the offer listed (for this PT or '*') and we implement.</summary>
    private static ValueList<RtcpFeedback> Feedback(RtpCodec offered, ValueList<RtcpFeedback> wildcard, AnswerOptions options)
    {
        var list = new List<RtcpFeedback>();
        foreach (var src in new[] { offered.Feedback, wildcard })
        {
            foreach (var fb in src)
            {
                if (IsSupported(fb, options) && !list.Contains(fb)) list.Add(fb);
            }
        }
        return ValueList.Own(list);
    }

    private static bool IsSupported(RtcpFeedback fb, AnswerOptions options)
    {
        if (fb == RtcpFeedback.Nack || fb == RtcpFeedback.NackPli || fb == RtcpFeedback.CcmFir) return true;
        if (fb == RtcpFeedback.GoogRemb) return options.EnableRemb;
        if (fb == RtcpFeedback.TransportCc) return options.EnableTransportCc;
        return false;
    }

    /// <summary>RFC 8285 §7: keep offered extensions we support, with the offer's ids and a mirrored direction.</summary>
    private static void ChooseExtensions(SectionPlan p, AnswerOptions options)
    {
        var m = p.Offered;
        foreach (var e in m.HeaderExtensions)
        {
            if (!options.HeaderExtensions.AsSpan().Contains(e.Uri) || !RtpExtensionUris.AppliesTo(e.Uri, m.Kind)) continue;
            if (e.Uri == RtpExtensionUris.TransportWideCc && !options.EnableTransportCc) continue;
            if (e.Uri == RtpExtensionUris.AbsSendTime && !options.EnableRemb) continue;
            if (p.Extensions.Exists(x => x.Id == e.Id || x.Uri == e.Uri)) continue;
            p.Extensions.Add(new HeaderExtension(e.Id, e.Uri, e.Direction is { } d ? SdpNegotiator.Reverse(d) : null));
        }
    }

    /// <summary>
    /// RFC 8853 §5.3: answer <c>a=simulcast:recv</c> with the offered send streams whose rids the offer
    /// describes (RFC 8851 §4), each rid answered as <c>recv</c>. Needs the rtp-stream-id extension, or
    /// the layers could not be told apart.
    /// </summary>
    private static void ChooseSimulcast(SectionPlan p)
    {
        var m = p.Offered;
        if (m.Simulcast is not { } sim || sim.Send.Count == 0) return;
        if (!p.Extensions.Exists(e => e.Uri == RtpExtensionUris.RtpStreamId)) return;
        var answered = new Dictionary<string, RidDescription>(StringComparer.Ordinal);
        foreach (var rid in m.Rids)
        {
            if (rid.Direction != RidDirection.Send || answered.ContainsKey(rid.Id)) continue;
            var restrictions = new List<SdpParameter>();
            bool usable = true;
            foreach (var r in rid.Restrictions)
            {
                if (r.Key != "pt")
                {
                    restrictions.Add(r);
                    continue;
                }
                // RFC 8851 §4: pt= lists formats for this rid; keep those we answered, drop the rid if none remain.
                var kept = (r.Value ?? "").Split(',').Where(s => SdpParser.TryParsePayloadType(s, out var pt) && p.Codecs.Exists(c => c.PayloadType == pt)).ToArray();
                if (kept.Length == 0) usable = false;
                else restrictions.Add(new SdpParameter("pt", string.Join(',', kept)));
            }
            if (usable) answered[rid.Id] = new RidDescription(rid.Id, RidDirection.Recv, ValueList.Own(restrictions));
        }
        var streams = new List<ValueList<SimulcastRid>>();
        var order = new List<string>();
        var ordered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stream in sim.Send)
        {
            var alts = stream.Where(a => answered.ContainsKey(a.Rid)).ToArray();
            if (alts.Length == 0) continue;
            streams.Add(alts);
            foreach (var a in alts)
            {
                if (ordered.Add(a.Rid)) order.Add(a.Rid);
            }
        }
        if (streams.Count == 0) return;
        foreach (var id in order) p.AnswerRids.Add(answered[id]);
        p.Simulcast = new SimulcastDescription(ValueList<ValueList<SimulcastRid>>.Empty, ValueList.Own(streams));
        p.Rids = streams.Select(s => s[0].Rid).ToArray();
    }

    /// <summary>The answer section for an accepted plan (attribute set as in RFC 8829 §5.3.1).</summary>
    public static MediaDescription BuildAnswer(SectionPlan p, LocalTransport local)
    {
        var o = local.Options;
        var m = p.Offered;
        var first = o.Candidates.Count > 0 ? o.Candidates[0] : null;
        var msids = ValueList<Msid>.Empty;
        var groups = ValueList<SsrcGroup>.Empty;
        var ssrcs = ValueList<SsrcAttribute>.Empty;
        if (p.Send is { } send)
        {
            // RFC 8830 §2 msid, RFC 5576 §4.1 cname per SSRC, RFC 4588 §8.7 FID group when RTX is on.
            msids = [new Msid(send.StreamId, send.TrackId)];
            bool rtx = send.RtxSsrc is not null && p.Codecs.Exists(c => c.IsNamed("rtx"));
            string msidValue = send.StreamId + " " + send.TrackId;
            var lines = new List<SsrcAttribute>
            {
                new(send.Ssrc, "cname", send.Cname),
                new(send.Ssrc, "msid", msidValue),
            };
            if (rtx)
            {
                groups = [new SsrcGroup("FID", [send.Ssrc, send.RtxSsrc!.Value])];
                lines.Add(new(send.RtxSsrc.Value, "cname", send.Cname));
                lines.Add(new(send.RtxSsrc.Value, "msid", msidValue));
            }
            ssrcs = ValueList.Own(lines);
        }
        return new MediaDescription
        {
            Media = m.Media,
            Port = first?.Port ?? 9,
            Protocol = m.Protocol,
            Connection = ConnectionData.For(first?.Address ?? "0.0.0.0"),
            Mid = m.Mid,
            Direction = p.Direction,
            IceUfrag = o.IceUfrag,
            IcePwd = o.IcePwd,
            Fingerprint = o.Fingerprint,
            Setup = local.Setup,
            RtcpMux = true,
            RtcpRsize = m.RtcpRsize,
            ExtmapAllowMixed = m.ExtmapAllowMixed && o.ExtmapAllowMixed,
            Codecs = ValueList.Own(p.Codecs),
            HeaderExtensions = ValueList.Own(p.Extensions),
            Msids = msids,
            SsrcGroups = groups,
            Ssrcs = ssrcs,
            Rids = ValueList.Own(p.AnswerRids),
            Simulcast = p.Simulcast,
            Candidates = o.Candidates,
            EndOfCandidates = o.Candidates.Count > 0,
            // RFC 4796: the answer names the same content, so the offerer sees its share (or content slot) was understood.
            Attributes = m.Content is { } content ? [new SdpAttribute("content", content)] : ValueList<SdpAttribute>.Empty,
        };
    }
}
