using MediaCore.Protocol.Core;
using MediaCore.Protocol.Dtls;
using System.Text;

namespace MediaCore.Protocol.Sdp;

/// <summary>
/// Writes a <see cref="SessionDescription"/> as SDP text with CRLF line ends (RFC 8866 §5), in the line
/// order RFC 8866 requires and the attribute order Chromium writes, so browsers accept it as is.
/// Writing a parsed description and parsing it again gives an equal description.
/// </summary>
public static class SdpWriter
{
    private const string Crlf = "\r\n";

    // Numbers are appended with StringBuilder.Append(int/ulong): every number SDP carries is
    // non-negative, and non-negative integers format the same in every culture.

    /// <summary>The SDP text of <paramref name="session"/>.</summary>
    public static string Write(SessionDescription session)
    {
        var sb = new StringBuilder(1024 + 2048 * session.Media.Count);
        var o = session.Origin;
        Line(sb, 'v', "0");
        sb.Append("o=").Append(o.Username).Append(' ').Append(o.SessionId).Append(' ').Append(o.SessionVersion)
          .Append(' ').Append(o.NetType).Append(' ').Append(o.AddressType).Append(' ').Append(o.Address).Append(Crlf);
        Line(sb, 's', session.SessionName);
        foreach (var l in session.OtherLines)
        {
            if (l.Type is 'i' or 'u' or 'e' or 'p') Line(sb, l.Type, l.Value);
        }
        if (session.Connection is { } c) Connection(sb, c);
        foreach (var b in session.Bandwidths) Bandwidth(sb, b);
        sb.Append("t=").Append(session.Timing.Start).Append(' ').Append(session.Timing.Stop).Append(Crlf);
        foreach (var l in session.OtherLines)
        {
            if (l.Type is not ('i' or 'u' or 'e' or 'p')) Line(sb, l.Type, l.Value);
        }
        foreach (var g in session.Groups)
        {
            sb.Append("a=group:").Append(g.Semantics);
            foreach (var mid in g.Mids) sb.Append(' ').Append(mid);
            sb.Append(Crlf);
        }
        if (session.IceLite) Attr(sb, "ice-lite");
        if (session.ExtmapAllowMixed) Attr(sb, "extmap-allow-mixed");
        if (session.MsidSemantic is { } ms)
        {
            // Chromium writes a space after the colon; both forms parse.
            sb.Append("a=msid-semantic: ").Append(ms.Semantic);
            foreach (var id in ms.Identifiers) sb.Append(' ').Append(id);
            sb.Append(Crlf);
        }
        Transport(sb, session.IceUfrag, session.IcePwd, session.IceOptions, session.Fingerprint, session.Setup);
        if (session.Direction is { } dir) Attr(sb, Direction(dir));
        foreach (var a in session.Attributes) Attribute(sb, a);
        foreach (var m in session.Media) WriteMedia(sb, m);
        return sb.ToString();
    }

    private static void WriteMedia(StringBuilder sb, MediaDescription m)
    {
        sb.Append("m=").Append(m.Media).Append(' ').Append(m.Port);
        if (m.PortCount is int pc) sb.Append('/').Append(pc);
        sb.Append(' ').Append(m.Protocol);
        if (m.IsRtp)
        {
            foreach (var codec in m.Codecs) sb.Append(' ').Append(codec.PayloadType.Value);
        }
        else
        {
            foreach (var f in m.Formats) sb.Append(' ').Append(f);
        }
        sb.Append(Crlf);
        foreach (var l in m.OtherLines)
        {
            if (l.Type == 'i') Line(sb, l.Type, l.Value);
        }
        if (m.Connection is { } c) Connection(sb, c);
        foreach (var b in m.Bandwidths) Bandwidth(sb, b);
        foreach (var l in m.OtherLines)
        {
            if (l.Type != 'i') Line(sb, l.Type, l.Value);
        }
        Transport(sb, m.IceUfrag, m.IcePwd, m.IceOptions, m.Fingerprint, m.Setup);
        if (m.Mid is not null) Attr(sb, "mid", m.Mid);
        foreach (var e in m.HeaderExtensions)
        {
            sb.Append("a=extmap:").Append(e.Id);
            if (e.Direction is { } d) sb.Append('/').Append(Direction(d));
            sb.Append(' ').Append(e.Uri);
            if (e.Attributes is not null) sb.Append(' ').Append(e.Attributes);
            sb.Append(Crlf);
        }
        if (m.ExtmapAllowMixed) Attr(sb, "extmap-allow-mixed");
        Attr(sb, Direction(m.Direction));
        foreach (var msid in m.Msids)
        {
            sb.Append("a=msid:").Append(msid.StreamId);
            if (msid.TrackId is not null) sb.Append(' ').Append(msid.TrackId);
            sb.Append(Crlf);
        }
        if (m.RtcpMux) Attr(sb, "rtcp-mux");
        if (m.RtcpRsize) Attr(sb, "rtcp-rsize");
        if (m.BundleOnly) Attr(sb, "bundle-only");
        if (m.IsRtp)
        {
            foreach (var codec in m.Codecs) WriteCodec(sb, codec);
            foreach (var fb in m.WildcardFeedback) Feedback(sb.Append("a=rtcp-fb:*"), fb);
        }
        foreach (var g in m.SsrcGroups)
        {
            sb.Append("a=ssrc-group:").Append(g.Semantics);
            foreach (var s in g.Ssrcs) sb.Append(' ').Append(s.Value);
            sb.Append(Crlf);
        }
        foreach (var s in m.Ssrcs)
        {
            sb.Append("a=ssrc:").Append(s.Ssrc.Value).Append(' ').Append(s.Name);
            if (s.Value is not null) sb.Append(':').Append(s.Value);
            sb.Append(Crlf);
        }
        foreach (var rid in m.Rids)
        {
            sb.Append("a=rid:").Append(rid.Id).Append(rid.Direction == RidDirection.Send ? " send" : " recv");
            if (rid.Restrictions.Count > 0) Parameters(sb.Append(' '), rid.Restrictions);
            sb.Append(Crlf);
        }
        if (m.Simulcast is { } sim) WriteSimulcast(sb, sim);
        foreach (var a in m.Attributes) Attribute(sb, a);
        foreach (var cand in m.Candidates) WriteCandidate(sb, cand);
        if (m.EndOfCandidates) Attr(sb, "end-of-candidates");
    }

    private static void WriteCodec(StringBuilder sb, RtpCodec codec)
    {
        byte pt = codec.PayloadType.Value;
        if (codec.Name.Length > 0)
        {
            sb.Append("a=rtpmap:").Append(pt).Append(' ').Append(codec.Name).Append('/').Append(codec.ClockRate);
            if (codec.Channels is int ch) sb.Append('/').Append(ch);
            sb.Append(Crlf);
        }
        foreach (var fb in codec.Feedback) Feedback(sb.Append("a=rtcp-fb:").Append(pt), fb);
        if (codec.Parameters.Count > 0)
        {
            Parameters(sb.Append("a=fmtp:").Append(pt).Append(' '), codec.Parameters);
            sb.Append(Crlf);
        }
    }

    private static void WriteSimulcast(StringBuilder sb, SimulcastDescription sim)
    {
        sb.Append("a=simulcast:");
        bool first = true;
        if (sim.Send.Count > 0)
        {
            Streams(sb.Append("send "), sim.Send);
            first = false;
        }
        if (sim.Recv.Count > 0)
        {
            if (!first) sb.Append(' ');
            Streams(sb.Append("recv "), sim.Recv);
        }
        sb.Append(Crlf);

        static void Streams(StringBuilder sb, ValueList<ValueList<SimulcastRid>> streams)
        {
            for (int i = 0; i < streams.Count; i++)
            {
                if (i > 0) sb.Append(';');
                for (int j = 0; j < streams[i].Count; j++)
                {
                    if (j > 0) sb.Append(',');
                    sb.Append(streams[i][j].ToString());
                }
            }
        }
    }

    private static void WriteCandidate(StringBuilder sb, IceCandidate c)
    {
        sb.Append("a=candidate:").Append(c.Foundation).Append(' ').Append(c.Component).Append(' ').Append(c.Transport)
          .Append(' ').Append(c.Priority).Append(' ').Append(c.Address).Append(' ').Append(c.Port)
          .Append(" typ ").Append(c.Type);
        if (c.RelatedAddress is not null) sb.Append(" raddr ").Append(c.RelatedAddress);
        if (c.RelatedPort is int rp) sb.Append(" rport ").Append(rp);
        foreach (var e in c.Extensions) sb.Append(' ').Append(e.Key).Append(' ').Append(e.Value);
        sb.Append(Crlf);
    }

    private static void Transport(StringBuilder sb, string? ufrag, string? pwd, ValueList<string> options, DtlsFingerprint? fp, SetupRole? setup)
    {
        if (ufrag is not null) Attr(sb, "ice-ufrag", ufrag);
        if (pwd is not null) Attr(sb, "ice-pwd", pwd);
        if (options.Count > 0) Attr(sb, "ice-options", string.Join(' ', options));
        if (fp is not null)
        {
            ColonHex.Append(sb.Append("a=fingerprint:").Append(fp.Algorithm).Append(' '), fp.Value).Append(Crlf);
        }
        if (setup is { } s) Attr(sb, "setup", Setup(s));
    }

    private static void Parameters(StringBuilder sb, ValueList<SdpParameter> ps)
    {
        for (int i = 0; i < ps.Count; i++)
        {
            if (i > 0) sb.Append(';');
            sb.Append(ps[i].Key);
            if (ps[i].Value is not null) sb.Append('=').Append(ps[i].Value);
        }
    }

    private static void Feedback(StringBuilder sb, RtcpFeedback fb)
    {
        sb.Append(' ').Append(fb.Type);
        if (fb.Parameter is not null) sb.Append(' ').Append(fb.Parameter);
        sb.Append(Crlf);
    }

    private static void Connection(StringBuilder sb, ConnectionData c)
        => sb.Append("c=").Append(c.NetType).Append(' ').Append(c.AddressType).Append(' ').Append(c.Address).Append(Crlf);

    private static void Bandwidth(StringBuilder sb, Bandwidth b)
        => sb.Append("b=").Append(b.Type).Append(':').Append(b.Value).Append(Crlf);

    private static void Line(StringBuilder sb, char type, string value) => sb.Append(type).Append('=').Append(value).Append(Crlf);

    private static void Attr(StringBuilder sb, string name) => sb.Append("a=").Append(name).Append(Crlf);

    private static void Attr(StringBuilder sb, string name, string value) => sb.Append("a=").Append(name).Append(':').Append(value).Append(Crlf);

    private static void Attribute(StringBuilder sb, SdpAttribute a)
    {
        if (a.Value is null) Attr(sb, a.Name);
        else Attr(sb, a.Name, a.Value);
    }

    internal static string Direction(MediaDirection d) => d switch
    {
        MediaDirection.SendOnly => "sendonly",
        MediaDirection.RecvOnly => "recvonly",
        MediaDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    internal static string Setup(SetupRole s) => s switch
    {
        SetupRole.Active => "active",
        SetupRole.Passive => "passive",
        SetupRole.HoldConn => "holdconn",
        _ => "actpass",
    };
}
