using System.Buffers.Binary;
using System.Security.Cryptography;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Stun;

/// <summary>
/// A read-only view of one STUN message (RFC 8489). Parsing checks the header and walks the attribute
/// TLVs once; getters then scan the (few) attributes without copying.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Transaction ID (96 bits)                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Type                  |            Length             |  attributes, each value
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  padded to 4 bytes (§14)
/// |                         Value (variable)                ....
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly ref struct StunMessage
{
    public const int HeaderLength = 20;
    public const uint MagicCookie = 0x2112A442;

    private readonly ReadOnlySpan<byte> _data;
    private readonly int _integrityOffset;   // offset of the first MESSAGE-INTEGRITY attribute header, or -1
    private readonly int _fingerprintOffset; // offset of the FINGERPRINT attribute header, or -1

    private StunMessage(ReadOnlySpan<byte> data, int integrityOffset, int fingerprintOffset)
    {
        _data = data;
        _integrityOffset = integrityOffset;
        _fingerprintOffset = fingerprintOffset;
    }

    /// <summary>The whole message.</summary>
    public ReadOnlySpan<byte> Raw => _data;

    /// <summary>The 14-bit message type (method and class interleaved, RFC 8489 §5).</summary>
    public ushort MessageType => (ushort)(BinaryPrimitives.ReadUInt16BigEndian(_data) & 0x3FFF);

    public StunClass Class => DecodeClass(MessageType);

    public StunMethod Method => DecodeMethod(MessageType);

    /// <summary>True for a Binding request (what ICE connectivity checks are).</summary>
    public bool IsBindingRequest => Class == StunClass.Request && Method == StunMethod.Binding;

    public ReadOnlySpan<byte> TransactionIdBytes => _data.Slice(8, StunTransactionId.Length);

    public StunTransactionId TransactionId => StunTransactionId.FromBytes(TransactionIdBytes);

    public bool HasMessageIntegrity => _integrityOffset >= 0;

    public bool HasFingerprint => _fingerprintOffset >= 0;

    /// <summary>All attributes in wire order, including any after MESSAGE-INTEGRITY.</summary>
    public StunAttributeEnumerator Attributes => new(_data[HeaderLength..]);

    /// <summary>Cheap check on the first bytes: the leading zero bits and the magic cookie (RFC 8489 §5).</summary>
    public static bool LooksLikeStun(ReadOnlySpan<byte> data)
        => data.Length >= HeaderLength && (data[0] & 0xC0) == 0
           && BinaryPrimitives.ReadUInt32BigEndian(data[4..]) == MagicCookie;

    public static bool TryParse(ReadOnlySpan<byte> data, out StunMessage message)
        => TryParse(data, out message, out _);

    /// <summary>
    /// Validates the header (RFC 8489 §6.3: leading zero bits, magic cookie, length a multiple of 4 equal
    /// to the datagram) and the attribute TLV layout. Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out StunMessage message, out StunParseError error)
    {
        message = default;
        if (data.Length < HeaderLength) { error = StunParseError.TooShort; return false; }
        if ((data[0] & 0xC0) != 0) { error = StunParseError.NotStun; return false; }
        if (BinaryPrimitives.ReadUInt32BigEndian(data[4..]) != MagicCookie) { error = StunParseError.BadMagicCookie; return false; }
        int length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if ((length & 3) != 0 || HeaderLength + length != data.Length) { error = StunParseError.BadLength; return false; }

        int integrity = -1, fingerprint = -1;
        int offset = HeaderLength;
        while (offset < data.Length)
        {
            if (data.Length - offset < 4) { error = StunParseError.TruncatedAttribute; return false; }
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            int padded = (valueLength + 3) & ~3;
            if (padded > data.Length - offset - 4) { error = StunParseError.TruncatedAttribute; return false; }
            if (type == (ushort)StunAttributeType.MessageIntegrity)
            {
                if (valueLength != StunIntegrityKey.MacLength) { error = StunParseError.BadAttributeLength; return false; }
                if (integrity < 0) integrity = offset;
            }
            else if (type == (ushort)StunAttributeType.Fingerprint)
            {
                if (valueLength != 4) { error = StunParseError.BadAttributeLength; return false; }
                if (offset + 8 != data.Length) { error = StunParseError.FingerprintNotLast; return false; }
                fingerprint = offset;
            }
            offset += 4 + padded;
        }

        message = new StunMessage(data, integrity, fingerprint);
        error = StunParseError.None;
        return true;
    }

    /// <summary>
    /// Finds the first attribute of <paramref name="type"/>. Attributes after MESSAGE-INTEGRITY are
    /// ignored (RFC 8489 §14.5), except FINGERPRINT which has its own accessor.
    /// </summary>
    public bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value)
        => TryGetAttribute((ushort)type, out value);

    /// <inheritdoc cref="TryGetAttribute(StunAttributeType, out ReadOnlySpan{byte})"/>
    public bool TryGetAttribute(ushort type, out ReadOnlySpan<byte> value)
    {
        int end = _integrityOffset >= 0 ? _integrityOffset : (_fingerprintOffset >= 0 ? _fingerprintOffset : _data.Length);
        int offset = HeaderLength;
        while (offset < end)
        {
            ushort t = BinaryPrimitives.ReadUInt16BigEndian(_data[offset..]);
            int len = BinaryPrimitives.ReadUInt16BigEndian(_data[(offset + 2)..]);
            if (t == type)
            {
                value = _data.Slice(offset + 4, len);
                return true;
            }
            offset += 4 + ((len + 3) & ~3);
        }
        value = default;
        return false;
    }

    public bool HasAttribute(StunAttributeType type) => TryGetAttribute(type, out _);

    /// <summary>USERNAME (RFC 8489 §14.3) as UTF-8 bytes; for ICE "&lt;receiver ufrag&gt;:&lt;sender ufrag&gt;".</summary>
    public bool TryGetUsername(out ReadOnlySpan<byte> utf8) => TryGetAttribute(StunAttributeType.Username, out utf8);

    /// <summary>SOFTWARE (RFC 8489 §14.14) as UTF-8 bytes.</summary>
    public bool TryGetSoftware(out ReadOnlySpan<byte> utf8) => TryGetAttribute(StunAttributeType.Software, out utf8);

    /// <summary>PRIORITY (RFC 8445 §7.1.1).</summary>
    public bool TryGetPriority(out uint priority)
    {
        priority = 0;
        if (!TryGetAttribute(StunAttributeType.Priority, out var v) || v.Length != 4) return false;
        priority = BinaryPrimitives.ReadUInt32BigEndian(v);
        return true;
    }

    /// <summary>USE-CANDIDATE (RFC 8445 §7.1.2): the controlling agent nominates this pair.</summary>
    public bool HasUseCandidate => HasAttribute(StunAttributeType.UseCandidate);

    /// <summary>ICE-CONTROLLING tie-breaker (RFC 8445 §7.1.3).</summary>
    public bool TryGetIceControlling(out ulong tieBreaker) => TryGetUInt64(StunAttributeType.IceControlling, out tieBreaker);

    /// <summary>ICE-CONTROLLED tie-breaker (RFC 8445 §7.1.3).</summary>
    public bool TryGetIceControlled(out ulong tieBreaker) => TryGetUInt64(StunAttributeType.IceControlled, out tieBreaker);

    private bool TryGetUInt64(StunAttributeType type, out ulong value)
    {
        value = 0;
        if (!TryGetAttribute(type, out var v) || v.Length != 8) return false;
        value = BinaryPrimitives.ReadUInt64BigEndian(v);
        return true;
    }

    /// <summary>
    /// ERROR-CODE (RFC 8489 §14.8): code = class * 100 + number, reason phrase as UTF-8.
    /// <code>
    /// |           Reserved, should be 0         |Class|     Number    |
    /// |      Reason Phrase (variable)                                ..
    /// </code>
    /// </summary>
    public bool TryGetErrorCode(out int code, out ReadOnlySpan<byte> reasonUtf8)
    {
        code = 0;
        reasonUtf8 = default;
        if (!TryGetAttribute(StunAttributeType.ErrorCode, out var v) || v.Length < 4) return false;
        int cls = v[2] & 0x07;
        int number = v[3];
        if (cls < 3 || cls > 6 || number > 99) return false;
        code = cls * 100 + number;
        reasonUtf8 = v[4..];
        return true;
    }

    /// <summary>
    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2): the port is XOR-ed with the top of the magic cookie, an IPv4
    /// address with the cookie, an IPv6 address with cookie || transaction ID.
    /// <code>
    /// |0 0 0 0 0 0 0 0|    Family     |         X-Port                |
    /// |                X-Address (32 bits or 128 bits)                |
    /// </code>
    /// </summary>
    public bool TryGetXorMappedAddress(out PeerAddress address)
    {
        address = default;
        if (!TryGetAttribute(StunAttributeType.XorMappedAddress, out var v) || v.Length < 4) return false;
        int port = BinaryPrimitives.ReadUInt16BigEndian(v[2..]) ^ (int)(MagicCookie >> 16);
        Span<byte> addr = stackalloc byte[16];
        if (v[1] == 0x01 && v.Length == 8)
        {
            BinaryPrimitives.WriteUInt32BigEndian(addr, BinaryPrimitives.ReadUInt32BigEndian(v[4..]) ^ MagicCookie);
            address = PeerAddress.FromIPv4(addr, port);
            return true;
        }
        if (v[1] == 0x02 && v.Length == 20)
        {
            BinaryPrimitives.WriteUInt32BigEndian(addr, MagicCookie);
            TransactionIdBytes.CopyTo(addr[4..]);
            for (int i = 0; i < 16; i++) addr[i] ^= v[4 + i];
            address = PeerAddress.FromIPv6(addr, port);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Checks MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 over the message up to the attribute, with
    /// the header length adjusted to end just after it, compared in constant time. False when absent.
    /// </summary>
    public bool VerifyMessageIntegrity(StunIntegrityKey key)
    {
        if (_integrityOffset < 0) return false;
        Span<byte> mac = stackalloc byte[StunIntegrityKey.MacLength];
        key.Compute(_data, _integrityOffset, mac);
        return CryptographicOperations.FixedTimeEquals(mac, _data.Slice(_integrityOffset + 4, StunIntegrityKey.MacLength));
    }

    /// <summary>
    /// Checks FINGERPRINT (RFC 8489 §14.7). Parsing already ensured it is the last attribute, so the header
    /// length on the wire is the one the CRC covers. False when absent.
    /// </summary>
    public bool VerifyFingerprint()
    {
        if (_fingerprintOffset < 0) return false;
        uint expected = StunFingerprint.Compute(_data[.._fingerprintOffset]);
        return BinaryPrimitives.ReadUInt32BigEndian(_data[(_fingerprintOffset + 4)..]) == expected;
    }

    /// <summary>
    /// Finds the first comprehension-required attribute (type &lt; 0x8000, RFC 8489 §14) not in
    /// <paramref name="known"/>, for a 420 (Unknown Attribute) answer.
    /// </summary>
    public bool TryFindUnknownComprehensionRequired(ReadOnlySpan<ushort> known, out ushort unknownType)
    {
        foreach (var a in Attributes)
        {
            if (a.Type < 0x8000 && !known.Contains(a.Type))
            {
                unknownType = a.Type;
                return true;
            }
        }
        unknownType = 0;
        return false;
    }

    /// <summary>Builds the 14-bit message type from method and class (RFC 8489 §5, Figure 3).</summary>
    public static ushort EncodeType(StunMethod method, StunClass cls)
    {
        int m = (ushort)method;
        int c = (int)cls;
        return (ushort)((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
    }

    public static StunClass DecodeClass(ushort type) => (StunClass)(((type >> 4) & 1) | ((type >> 7) & 2));

    public static StunMethod DecodeMethod(ushort type)
        => (StunMethod)((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
}

/// <summary>One attribute as it appears on the wire.</summary>
public readonly ref struct StunAttribute
{
    public StunAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        Type = type;
        Value = value;
    }

    public ushort Type { get; }

    public ReadOnlySpan<byte> Value { get; }

    /// <summary>RFC 8489 §14: types below 0x8000 must be understood by the receiver.</summary>
    public bool IsComprehensionRequired => Type < 0x8000;
}

/// <summary>Walks attribute TLVs of a message already validated by <see cref="StunMessage.TryParse(ReadOnlySpan{byte}, out StunMessage)"/>.</summary>
public ref struct StunAttributeEnumerator
{
    private readonly ReadOnlySpan<byte> _body;
    private int _next;
    private StunAttribute _current;

    internal StunAttributeEnumerator(ReadOnlySpan<byte> body)
    {
        _body = body;
        _next = 0;
        _current = default;
    }

    public readonly StunAttributeEnumerator GetEnumerator() => this;

    public readonly StunAttribute Current => _current;

    public bool MoveNext()
    {
        if (_body.Length - _next < 4) return false;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(_body[_next..]);
        int len = BinaryPrimitives.ReadUInt16BigEndian(_body[(_next + 2)..]);
        if (len > _body.Length - _next - 4) return false;
        _current = new StunAttribute(type, _body.Slice(_next + 4, len));
        _next += 4 + ((len + 3) & ~3);
        return true;
    }
}
