namespace MediaCore.Protocol.Rtp;

/// <summary>
/// The extension ids one peer negotiated (SDP <c>a=extmap</c>, RFC 8285 §5), as a table both ways:
/// id (1..255) to kind, and kind to id. Built once per transport/m-line; read per packet without allocating.
/// </summary>
public sealed class RtpExtensionMap
{
    private readonly RtpExtensionKind[] _kindById = new RtpExtensionKind[256];
    private readonly byte[] _idByKind = new byte[32];

    /// <summary>Registers <paramref name="id"/> for <paramref name="uri"/>; unknown URIs are ignored.</summary>
    public RtpExtensionMap Add(int id, string uri) => Add(id, RtpExtensionUris.ToKind(uri));

    public RtpExtensionMap Add(int id, RtpExtensionKind kind)
    {
        if (id is < 1 or > 255 || kind == RtpExtensionKind.Unknown) return this;
        var old = _kindById[id];
        if (old != RtpExtensionKind.Unknown) _idByKind[(int)old] = 0;
        _kindById[id] = kind;
        _idByKind[(int)kind] = (byte)id;
        return this;
    }

    /// <summary>The negotiated id for <paramref name="kind"/>, 0 when not negotiated.</summary>
    public int GetId(RtpExtensionKind kind) => _idByKind[(int)kind];

    public RtpExtensionKind GetKind(int id) => (uint)id < 256 ? _kindById[id] : RtpExtensionKind.Unknown;

    /// <summary>True when any id needs the RFC 8285 two-byte form (id &gt; 14).</summary>
    public bool NeedsTwoByteForm
    {
        get
        {
            for (int k = 0; k < _idByKind.Length; k++)
                if (_idByKind[k] > 14) return true;
            return false;
        }
    }

    /// <summary>Finds the element of <paramref name="kind"/> in <paramref name="packet"/>.</summary>
    public bool TryGet(in RtpPacket packet, RtpExtensionKind kind, out ReadOnlySpan<byte> value)
    {
        int id = _idByKind[(int)kind];
        if (id == 0) { value = default; return false; }
        return packet.TryGetExtension(id, out value);
    }

    /// <summary>
    /// Builds an id translation table from this (publisher) map to <paramref name="to"/> (subscriber): entry
    /// [publisherId] = subscriberId, 0 = drop. Feed it to <see cref="RtpHeaderEditor.RemapExtensionIds"/>.
    /// </summary>
    public byte[] BuildTranslation(RtpExtensionMap to)
    {
        var table = new byte[256];
        for (int id = 1; id < 256; id++)
        {
            var kind = _kindById[id];
            if (kind != RtpExtensionKind.Unknown) table[id] = (byte)to.GetId(kind);
        }
        return table;
    }
}
