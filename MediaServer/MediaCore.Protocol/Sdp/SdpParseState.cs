using MediaCore.Protocol.Dtls;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sdp;

/// <summary>
/// Accumulates lines for <see cref="SdpParser"/>: session-level fields until the first m= line, then one
/// <see cref="MediaBuilder"/> per section. Each method returns an error reason or null.
/// </summary>
internal sealed class SdpParseState
{
    private Origin? _origin;
    private string? _sessionName;
    private ConnectionData? _connection;
    private readonly List<Bandwidth> _bandwidths = new();
    private (ulong, ulong)? _timing;
    private readonly List<SdpLine> _headLines = new();  // i, u, e, p: written before c=
    private readonly List<SdpLine> _tailLines = new();  // further t, r, z, k: written after t=
    private readonly List<SdpGroup> _groups = new();
    private MsidSemantic? _msidSemantic;
    private bool _iceLite, _extmapAllowMixed;
    private string? _iceUfrag, _icePwd;
    private ValueList<string> _iceOptions = ValueList<string>.Empty;
    private DtlsFingerprint? _fingerprint;
    private SetupRole? _setup;
    private MediaDirection? _direction;
    private readonly List<SdpAttribute> _attributes = new();
    private readonly List<MediaBuilder> _media = new();
    private readonly HashSet<string> _mids = new(StringComparer.Ordinal);
    private MediaBuilder? _current;
    private readonly bool _fragment;

    public SdpParseState(bool fragment) => _fragment = fragment;

    public string? ApplyAttribute(ReadOnlySpan<char> name, string? arg)
        => _current is not null ? _current.ApplyAttribute(name, arg, _mids) : ApplySessionAttribute(name, arg);

    public string? ApplyLine(char type, string value)
    {
        if (type == 'm') return StartMedia(value);
        if (_current is not null) return _current.ApplyLine(type, value, _mids);
        switch (type)
        {
            case 'o': return ParseOrigin(value);
            case 's':
                if (_sessionName is not null) return "duplicate s= line";
                _sessionName = value;
                return null;
            case 'c':
                if (_connection is not null) return "duplicate session-level c= line";
                return ParseConnection(value, out _connection);
            case 'b':
                var be = ParseBandwidth(value, out var bw);
                if (be is null) _bandwidths.Add(bw!);
                return be;
            case 't':
                if (_timing is null)
                {
                    var tt = SdpParser.Tokens(value);
                    if (tt.Length != 2 || !SdpParser.TryParseULong(tt[0], out ulong start) || !SdpParser.TryParseULong(tt[1], out ulong stop))
                        return "t= needs '<start-time> <stop-time>' (RFC 8866 §5.9)";
                    _timing = (start, stop);
                    return null;
                }
                _tailLines.Add(new SdpLine(type, value));
                return null;
            case 'i' or 'u' or 'e' or 'p':
                _headLines.Add(new SdpLine(type, value));
                return null;
            case 'r' or 'z' or 'k':
                _tailLines.Add(new SdpLine(type, value));
                return null;
            case 'v': return "duplicate v= line";
            default: return $"unknown line type '{type}=' (RFC 8866 §5)";
        }
    }

    private string? StartMedia(string value)
    {
        if (_media.Count >= SdpParser.MaxMediaSections) return $"more than {SdpParser.MaxMediaSections} media sections";
        var err = MediaBuilder.TryStart(value, out var builder);
        if (err is not null) return err;
        _media.Add(builder!);
        _current = builder;
        return null;
    }

    private string? ParseOrigin(string value)
    {
        if (_origin is not null) return "duplicate o= line";
        var t = SdpParser.Tokens(value);
        if (t.Length != 6) return "o= needs '<username> <sess-id> <sess-version> <nettype> <addrtype> <address>' (RFC 8866 §5.2)";
        if (!SdpParser.TryParseULong(t[1], out ulong id)) return $"o= session id '{SdpParser.Clip(t[1])}' is not a number";
        if (!SdpParser.TryParseULong(t[2], out ulong version)) return $"o= session version '{SdpParser.Clip(t[2])}' is not a number";
        _origin = new Origin(t[0], id, version, t[3], t[4], t[5]);
        return null;
    }

    internal static string? ParseConnection(string value, out ConnectionData? connection)
    {
        connection = null;
        var t = SdpParser.Tokens(value);
        if (t.Length != 3) return "c= needs '<nettype> <addrtype> <connection-address>' (RFC 8866 §5.7)";
        connection = new ConnectionData(t[0], t[1], t[2]);
        return null;
    }

    internal static string? ParseBandwidth(string value, out Bandwidth? bandwidth)
    {
        bandwidth = null;
        int colon = value.IndexOf(':');
        if (colon <= 0 || !SdpParser.TryParseULong(value[(colon + 1)..], out ulong bw))
            return "b= needs '<bwtype>:<bandwidth>' (RFC 8866 §5.8)";
        bandwidth = new Bandwidth(value[..colon], bw);
        return null;
    }

    private string? ApplySessionAttribute(ReadOnlySpan<char> name, string? arg)
    {
        switch (name)
        {
            case "group":
                if (arg is null) return "a=group needs '<semantics> <mid>...' (RFC 5888 §5)";
                var gt = SdpParser.Tokens(arg);
                if (gt.Length == 0) return "a=group has no semantics";
                _groups.Add(new SdpGroup(gt[0], ValueList.Create<string>(gt.AsSpan(1))));
                return null;
            case "msid-semantic":
                if (arg is null) return "a=msid-semantic needs a value";
                var mt = SdpParser.Tokens(arg);
                if (mt.Length == 0) return "a=msid-semantic has no semantic";
                _msidSemantic = new MsidSemantic(mt[0], ValueList.Create<string>(mt.AsSpan(1)));
                return null;
            case "ice-lite" when arg is null:
                _iceLite = true;
                return null;
            case "extmap-allow-mixed" when arg is null:
                _extmapAllowMixed = true;
                return null;
            case "ice-ufrag":
                if (string.IsNullOrEmpty(arg)) return "a=ice-ufrag is empty";
                _iceUfrag = arg;
                return null;
            case "ice-pwd":
                if (string.IsNullOrEmpty(arg)) return "a=ice-pwd is empty";
                _icePwd = arg;
                return null;
            case "ice-options" when arg is not null:
                _iceOptions = SdpParser.Tokens(arg);
                return null;
            case "fingerprint" when arg is not null:
                // RFC 8122 §5 allows several fingerprints; the first one is the one we verify against.
                if (_fingerprint is not null)
                {
                    _attributes.Add(new SdpAttribute("fingerprint", arg));
                    return null;
                }
                return SdpParser.ParseFingerprint(arg, out _fingerprint);
            case "setup" when arg is not null:
                _setup = SdpParser.ParseSetup(arg);
                return _setup is null ? $"a=setup value '{SdpParser.Clip(arg)}' is not actpass/active/passive/holdconn" : null;
            case "sendrecv" or "sendonly" or "recvonly" or "inactive" when arg is null:
                _direction = SdpParser.ParseDirection(name.ToString());
                return null;
            default:
                _attributes.Add(new SdpAttribute(name.ToString(), arg));
                return null;
        }
    }

    public string? Finish(out SessionDescription description)
    {
        description = null!;
        if (_fragment)
        {
            _origin = Origin.Create(0, 0);
            _sessionName = "-";
            _timing = (0, 0);
        }
        if (_origin is null) return "missing o= line (RFC 8866 §5.2)";
        if (_sessionName is null) return "missing s= line (RFC 8866 §5.3)";
        if (_timing is null) return "missing t= line (RFC 8866 §5.9)";
        var media = new MediaDescription[_media.Count];
        for (int i = 0; i < media.Length; i++)
        {
            media[i] = _media[i].Build(_direction ?? MediaDirection.SendRecv);
        }
        _headLines.AddRange(_tailLines);
        description = new SessionDescription
        {
            Origin = _origin,
            SessionName = _sessionName,
            Connection = _connection,
            Bandwidths = ValueList.Own(_bandwidths),
            Timing = _timing.Value,
            OtherLines = ValueList.Own(_headLines),
            Groups = ValueList.Own(_groups),
            MsidSemantic = _msidSemantic,
            IceLite = _iceLite,
            ExtmapAllowMixed = _extmapAllowMixed,
            IceUfrag = _iceUfrag,
            IcePwd = _icePwd,
            IceOptions = _iceOptions,
            Fingerprint = _fingerprint,
            Setup = _setup,
            Direction = _direction,
            Attributes = ValueList.Own(_attributes),
            Media = new ValueList<MediaDescription>(media),
        };
        return null;
    }
}
