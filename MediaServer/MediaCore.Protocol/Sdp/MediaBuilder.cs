using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>Accumulates the lines of one media section for <see cref="SdpParser"/>.</summary>
internal sealed class MediaBuilder
{
    private string _media = "";
    private int _port;
    private int? _portCount;
    private string _protocol = "";
    private ValueList<string> _formats = ValueList<string>.Empty;
    private ConnectionData? _connection;
    private readonly List<Bandwidth> _bandwidths = new();
    private readonly List<SdpLine> _infoLines = new();  // i=, written right after m=
    private readonly List<SdpLine> _keyLines = new();   // k=, written after b=
    private string? _mid;
    private MediaDirection? _direction;
    private string? _iceUfrag, _icePwd;
    private ValueList<string> _iceOptions = ValueList<string>.Empty;
    private DtlsFingerprint? _fingerprint;
    private SetupRole? _setup;
    private bool _rtcpMux, _rtcpRsize, _bundleOnly, _extmapAllowMixed, _endOfCandidates;

    // Codecs in m= line order; _ptIndex maps a payload type (0-127) to its slot, -1 when not listed.
    private readonly List<CodecSlot> _codecs = new();
    private readonly int[] _ptIndex = new int[128];
    private readonly List<RtcpFeedback> _wildcardFeedback = new();
    private readonly List<HeaderExtension> _extensions = new();
    private readonly List<Msid> _msids = new();
    private readonly List<SsrcGroup> _ssrcGroups = new();
    private readonly List<SsrcAttribute> _ssrcs = new();
    private readonly List<RidDescription> _rids = new();
    private SimulcastDescription? _simulcast;
    private readonly List<IceCandidate> _candidates = new();
    private readonly List<SdpAttribute> _attributes = new();

    private sealed class CodecSlot
    {
        public PayloadType Pt;
        public string? Name;
        public int ClockRate;
        public int? Channels;
        public ValueList<SdpParameter> Parameters = ValueList<SdpParameter>.Empty;
        public List<RtcpFeedback>? Feedback;
    }

    /// <summary>RFC 8866 §5.14: <c>m=&lt;media&gt; &lt;port&gt;[/&lt;number of ports&gt;] &lt;proto&gt; &lt;fmt&gt; ...</c></summary>
    public static string? TryStart(string value, out MediaBuilder? builder)
    {
        builder = null;
        var t = SdpParser.Tokens(value);
        if (t.Length < 3) return "m= needs '<media> <port> <proto> <fmt> ...' (RFC 8866 §5.14)";
        var b = new MediaBuilder { _media = t[0], _protocol = t[2] };
        string port = t[1];
        int slash = port.IndexOf('/');
        if (slash >= 0)
        {
            if (!SdpParser.TryParseInt(port[(slash + 1)..], out int count)) return $"m= port count in '{SdpParser.Clip(port)}' is not a number";
            b._portCount = count;
            port = port[..slash];
        }
        if (!SdpParser.TryParseInt(port, out b._port) || b._port > 65535) return $"m= port '{SdpParser.Clip(port)}' is not 0-65535";
        Array.Fill(b._ptIndex, -1);
        if (b.IsRtp)
        {
            for (int i = 3; i < t.Length; i++)
            {
                if (!SdpParser.TryParsePayloadType(t[i], out var pt)) return $"m= format '{SdpParser.Clip(t[i])}' is not an RTP payload type 0-127";
                if (b._ptIndex[pt.Value] >= 0) return $"m= lists payload type {pt.Value} twice";
                b._ptIndex[pt.Value] = b._codecs.Count;
                b._codecs.Add(new CodecSlot { Pt = pt });
            }
        }
        else
        {
            b._formats = ValueList.Create<string>(t.AsSpan(3));
        }
        builder = b;
        return null;
    }

    private bool IsRtp => _protocol.Contains("RTP/", StringComparison.OrdinalIgnoreCase);

    public string? ApplyLine(char type, string value, HashSet<string> mids)
    {
        switch (type)
        {
            case 'c':
                if (_connection is not null) return "duplicate c= line in media section";
                return SdpParseState.ParseConnection(value, out _connection);
            case 'b':
                var be = SdpParseState.ParseBandwidth(value, out var bw);
                if (be is null) _bandwidths.Add(bw!);
                return be;
            case 'i':
                _infoLines.Add(new SdpLine(type, value));
                return null;
            case 'k':
                _keyLines.Add(new SdpLine(type, value));
                return null;
            default:
                return $"line type '{type}=' is not allowed in a media section (RFC 8866 §5)";
        }
    }

    public string? ApplyAttribute(ReadOnlySpan<char> name, string? arg, HashSet<string> mids)
    {
        if (arg is null)
        {
            switch (name)
            {
                case "sendrecv": _direction = MediaDirection.SendRecv; return null;
                case "sendonly": _direction = MediaDirection.SendOnly; return null;
                case "recvonly": _direction = MediaDirection.RecvOnly; return null;
                case "inactive": _direction = MediaDirection.Inactive; return null;
                case "rtcp-mux": _rtcpMux = true; return null;
                case "rtcp-rsize": _rtcpRsize = true; return null;
                case "bundle-only": _bundleOnly = true; return null;
                case "extmap-allow-mixed": _extmapAllowMixed = true; return null;
                case "end-of-candidates": _endOfCandidates = true; return null;
            }
            _attributes.Add(new SdpAttribute(name.ToString(), null));
            return null;
        }
        switch (name)
        {
            case "mid":
                if (_mid is not null) return "duplicate a=mid in media section";
                if (arg.Length == 0 || arg.Contains(' ')) return "a=mid must be one non-empty token (RFC 5888 §4)";
                if (!mids.Add(arg)) return $"a=mid:{SdpParser.Clip(arg)} is used by another media section (RFC 5888 §4)";
                _mid = arg;
                return null;
            case "ice-ufrag":
                if (arg.Length == 0) return "a=ice-ufrag is empty";
                _iceUfrag = arg;
                return null;
            case "ice-pwd":
                if (arg.Length == 0) return "a=ice-pwd is empty";
                _icePwd = arg;
                return null;
            case "ice-options":
                _iceOptions = SdpParser.Tokens(arg);
                return null;
            case "fingerprint":
                if (_fingerprint is not null) break;
                return SdpParser.ParseFingerprint(arg, out _fingerprint);
            case "setup":
                _setup = SdpParser.ParseSetup(arg);
                return _setup is null ? $"a=setup value '{SdpParser.Clip(arg)}' is not actpass/active/passive/holdconn" : null;
            case "rtpmap" when IsRtp:
                return ApplyRtpMap(arg);
            case "fmtp" when IsRtp:
                return ApplyFmtp(arg);
            case "rtcp-fb" when IsRtp:
                return ApplyRtcpFeedback(arg);
            case "extmap":
                var ee = SdpAttributeParser.ParseExtmap(arg, out var ext);
                if (ee is null) _extensions.Add(ext!);
                return ee;
            case "msid":
                var mt = SdpParser.Tokens(arg);
                if (mt.Length is < 1 or > 2) return "a=msid needs '<stream-id> [<track-id>]' (RFC 8830 §2)";
                _msids.Add(new Msid(mt[0], mt.Length == 2 ? mt[1] : null));
                return null;
            case "ssrc":
                var se = SdpAttributeParser.ParseSsrc(arg, out var ssrc);
                if (se is null) _ssrcs.Add(ssrc!);
                return se;
            case "ssrc-group":
                var ge = SdpAttributeParser.ParseSsrcGroup(arg, out var group);
                if (ge is null) _ssrcGroups.Add(group!);
                return ge;
            case "rid":
                var re = SdpAttributeParser.ParseRid(arg, out var rid);
                if (re is null) _rids.Add(rid!);
                return re;
            case "simulcast":
                if (_simulcast is not null) return "duplicate a=simulcast in media section (RFC 8853 §5.1)";
                return SdpAttributeParser.ParseSimulcast(arg, out _simulcast);
            case "candidate":
                var ce = SdpAttributeParser.ParseCandidate(arg, out var cand);
                if (ce is null) _candidates.Add(cand!);
                return ce;
        }
        _attributes.Add(new SdpAttribute(name.ToString(), arg));
        return null;
    }

    /// <summary>RFC 8866 §6.6: <c>a=rtpmap:&lt;pt&gt; &lt;encoding name&gt;/&lt;clock rate&gt;[/&lt;encoding parameters&gt;]</c></summary>
    private string? ApplyRtpMap(string arg)
    {
        int sp = arg.IndexOf(' ');
        if (sp < 0) return "a=rtpmap needs '<payload type> <encoding>/<clock rate>[/<channels>]'";
        if (!SdpParser.TryParsePayloadType(arg[..sp], out var pt)) return $"a=rtpmap payload type '{SdpParser.Clip(arg[..sp])}' is not 0-127";
        var slot = Slot(pt);
        if (slot is null)
        {
            // A map for a payload type the m= line does not list is inert; keep it verbatim.
            _attributes.Add(new SdpAttribute("rtpmap", arg));
            return null;
        }
        if (slot.Name is not null) return $"duplicate a=rtpmap for payload type {pt.Value}";
        var parts = arg[(sp + 1)..].Trim().Split('/');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0) return $"a=rtpmap:{pt.Value} encoding must be '<name>/<clock rate>[/<channels>]'";
        if (!SdpParser.TryParseInt(parts[1], out int clock) || clock == 0) return $"a=rtpmap:{pt.Value} clock rate '{SdpParser.Clip(parts[1])}' is not a positive number";
        int? channels = null;
        if (parts.Length == 3)
        {
            if (!SdpParser.TryParseInt(parts[2], out int ch) || ch == 0) return $"a=rtpmap:{pt.Value} channel count '{SdpParser.Clip(parts[2])}' is not a positive number";
            channels = ch;
        }
        slot.Name = parts[0];
        slot.ClockRate = clock;
        slot.Channels = channels;
        return null;
    }

    /// <summary>RFC 8866 §6.15: <c>a=fmtp:&lt;format&gt; &lt;format specific parameters&gt;</c></summary>
    private string? ApplyFmtp(string arg)
    {
        int sp = arg.IndexOf(' ');
        string ptText = sp < 0 ? arg : arg[..sp];
        if (!SdpParser.TryParsePayloadType(ptText, out var pt)) return $"a=fmtp payload type '{SdpParser.Clip(ptText)}' is not 0-127";
        var slot = Slot(pt);
        if (slot is null)
        {
            _attributes.Add(new SdpAttribute("fmtp", arg));
            return null;
        }
        if (slot.Parameters.Count > 0) return $"duplicate a=fmtp for payload type {pt.Value}";
        slot.Parameters = sp < 0 ? ValueList<SdpParameter>.Empty : SdpParser.ParseParameters(arg[(sp + 1)..]);
        return null;
    }

    /// <summary>RFC 4585 §4.2: <c>a=rtcp-fb:&lt;pt or *&gt; &lt;type&gt; [&lt;parameter&gt;]</c></summary>
    private string? ApplyRtcpFeedback(string arg)
    {
        var span = arg.AsSpan().TrimStart(' ');
        int sp = span.IndexOf(' ');
        var rest = sp < 0 ? default : span[(sp + 1)..].TrimStart(' ');
        if (rest.IsEmpty) return "a=rtcp-fb needs '<payload type|*> <type> [<parameter>]' (RFC 4585 §4.2)";
        var ptText = span[..sp];
        int sp2 = rest.IndexOf(' ');
        var fb = RtcpFeedback.From(sp2 < 0 ? rest : rest[..sp2], sp2 < 0 ? default : rest[(sp2 + 1)..].Trim(' '));
        if (ptText is "*")
        {
            _wildcardFeedback.Add(fb);
            return null;
        }
        if (!SdpParser.TryParsePayloadType(ptText, out var pt)) return $"a=rtcp-fb payload type '{SdpParser.Clip(ptText.ToString())}' is not 0-127 or '*'";
        var slot = Slot(pt);
        if (slot is null)
        {
            _attributes.Add(new SdpAttribute("rtcp-fb", arg));
            return null;
        }
        (slot.Feedback ??= new()).Add(fb);
        return null;
    }

    private CodecSlot? Slot(PayloadType pt) => _ptIndex[pt.Value] is int i and >= 0 ? _codecs[i] : null;

    public MediaDescription Build(MediaDirection defaultDirection)
    {
        var codecs = new RtpCodec[_codecs.Count];
        for (int i = 0; i < codecs.Length; i++)
        {
            var s = _codecs[i];
            string name = s.Name ?? "";
            int clock = s.ClockRate;
            int? channels = s.Channels;
            if (s.Name is null) StaticPayloadTypes.TryGet(s.Pt, out name, out clock, out channels);
            codecs[i] = new RtpCodec
            {
                PayloadType = s.Pt,
                Name = name,
                ClockRate = clock,
                Channels = channels,
                Parameters = s.Parameters,
                Feedback = ValueList.Own(s.Feedback),
            };
        }
        _infoLines.AddRange(_keyLines);
        return new MediaDescription
        {
            Media = _media,
            Port = _port,
            PortCount = _portCount,
            Protocol = _protocol,
            Formats = _formats,
            Connection = _connection,
            Bandwidths = ValueList.Own(_bandwidths),
            OtherLines = ValueList.Own(_infoLines),
            Mid = _mid,
            Direction = _direction ?? defaultDirection,
            IceUfrag = _iceUfrag,
            IcePwd = _icePwd,
            IceOptions = _iceOptions,
            Fingerprint = _fingerprint,
            Setup = _setup,
            RtcpMux = _rtcpMux,
            RtcpRsize = _rtcpRsize,
            BundleOnly = _bundleOnly,
            ExtmapAllowMixed = _extmapAllowMixed,
            Codecs = new ValueList<RtpCodec>(codecs),
            WildcardFeedback = ValueList.Own(_wildcardFeedback),
            HeaderExtensions = ValueList.Own(_extensions),
            Msids = ValueList.Own(_msids),
            SsrcGroups = ValueList.Own(_ssrcGroups),
            Ssrcs = ValueList.Own(_ssrcs),
            Rids = ValueList.Own(_rids),
            Simulcast = _simulcast,
            Candidates = ValueList.Own(_candidates),
            EndOfCandidates = _endOfCandidates,
            Attributes = ValueList.Own(_attributes),
        };
    }
}

/// <summary>Static RTP payload types (RFC 3551 §6, Table 4 and 5) for m= lines that omit rtpmap.</summary>
internal static class StaticPayloadTypes
{
    public static bool TryGet(PayloadType pt, out string name, out int clockRate, out int? channels)
    {
        channels = null;
        (name, clockRate) = pt.Value switch
        {
            0 => ("PCMU", 8000),
            3 => ("GSM", 8000),
            4 => ("G723", 8000),
            8 => ("PCMA", 8000),
            9 => ("G722", 8000),
            13 => ("CN", 8000),
            18 => ("G729", 8000),
            26 => ("JPEG", 90000),
            31 => ("H261", 90000),
            34 => ("H263", 90000),
            _ => ("", 0),
        };
        return clockRate != 0;
    }
}
