using System.Buffers.Binary;
using System.Text;
using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Stun;

/// <summary>
/// Builds a STUN message directly in a caller's buffer (RFC 8489). Add attributes in order, then
/// <see cref="AddMessageIntegrity"/> and <see cref="AddFingerprint"/> last, as §14.5 and §14.7 require.
/// The header's Message Length is kept current after every call, so <see cref="Written"/> is always a
/// complete message. A destination too small for an attribute throws <see cref="ArgumentException"/>
/// (a caller bug: 548 bytes fit every ICE message built here).
/// </summary>
public ref struct StunMessageWriter
{
    /// <summary>A buffer size that fits any ICE Binding message this writer produces.</summary>
    public const int RecommendedBufferSize = 548;

    /// <summary>RFC 8489 §14.3: USERNAME is less than 513 bytes.</summary>
    public const int MaxUsernameBytes = 512;

    /// <summary>RFC 8489 §14.8 and §14.14: reason phrase and SOFTWARE are under 128 characters.</summary>
    public const int MaxTextChars = 127;

    private readonly Span<byte> _buffer;
    private int _length;

    public StunMessageWriter(Span<byte> destination, StunMethod method, StunClass cls, StunTransactionId transactionId)
    {
        if (destination.Length < StunMessage.HeaderLength)
            throw new ArgumentException("Destination shorter than a STUN header.", nameof(destination));
        _buffer = destination;
        BinaryPrimitives.WriteUInt16BigEndian(destination, StunMessage.EncodeType(method, cls));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StunMessage.MagicCookie);
        transactionId.WriteTo(destination[8..]);
        _length = StunMessage.HeaderLength;
    }

    /// <summary>Bytes written so far (a whole message).</summary>
    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Appends a raw attribute, zero-padding its value to 4 bytes (RFC 8489 §14).</summary>
    public void AddAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        var v = Reserve(type, value.Length);
        value.CopyTo(v);
    }

    public void AddAttribute(StunAttributeType type, scoped ReadOnlySpan<byte> value) => AddAttribute((ushort)type, value);

    /// <summary>USERNAME from UTF-8 bytes (RFC 8489 §14.3).</summary>
    public void AddUsername(scoped ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxUsernameBytes) throw new ArgumentException("USERNAME must be under 513 bytes.", nameof(utf8));
        AddAttribute(StunAttributeType.Username, utf8);
    }

    /// <summary>USERNAME from text, encoded as UTF-8 in place.</summary>
    public void AddUsername(scoped ReadOnlySpan<char> text)
    {
        int n = Encoding.UTF8.GetByteCount(text);
        if (n > MaxUsernameBytes) throw new ArgumentException("USERNAME must be under 513 bytes.", nameof(text));
        Encoding.UTF8.GetBytes(text, Reserve((ushort)StunAttributeType.Username, n));
    }

    /// <summary>SOFTWARE (RFC 8489 §14.14).</summary>
    public void AddSoftware(scoped ReadOnlySpan<char> text)
    {
        if (text.Length > MaxTextChars) throw new ArgumentException("SOFTWARE must be under 128 characters.", nameof(text));
        Encoding.UTF8.GetBytes(text, Reserve((ushort)StunAttributeType.Software, Encoding.UTF8.GetByteCount(text)));
    }

    /// <summary>PRIORITY (RFC 8445 §7.1.1).</summary>
    public void AddPriority(uint priority)
        => BinaryPrimitives.WriteUInt32BigEndian(Reserve((ushort)StunAttributeType.Priority, 4), priority);

    /// <summary>USE-CANDIDATE, an empty attribute (RFC 8445 §7.1.2).</summary>
    public void AddUseCandidate() => Reserve((ushort)StunAttributeType.UseCandidate, 0);

    /// <summary>ICE-CONTROLLING with the agent's tie-breaker (RFC 8445 §7.1.3).</summary>
    public void AddIceControlling(ulong tieBreaker)
        => BinaryPrimitives.WriteUInt64BigEndian(Reserve((ushort)StunAttributeType.IceControlling, 8), tieBreaker);

    /// <summary>ICE-CONTROLLED with the agent's tie-breaker (RFC 8445 §7.1.3).</summary>
    public void AddIceControlled(ulong tieBreaker)
        => BinaryPrimitives.WriteUInt64BigEndian(Reserve((ushort)StunAttributeType.IceControlled, 8), tieBreaker);

    /// <summary>ERROR-CODE (RFC 8489 §14.8); <paramref name="code"/> is 300..699.</summary>
    public void AddErrorCode(int code, scoped ReadOnlySpan<char> reason)
    {
        if (code < 300 || code > 699) throw new ArgumentOutOfRangeException(nameof(code));
        if (reason.Length > MaxTextChars) throw new ArgumentException("Reason must be under 128 characters.", nameof(reason));
        var v = Reserve((ushort)StunAttributeType.ErrorCode, 4 + Encoding.UTF8.GetByteCount(reason));
        v[0] = 0;
        v[1] = 0;
        v[2] = (byte)(code / 100);
        v[3] = (byte)(code % 100);
        Encoding.UTF8.GetBytes(reason, v[4..]);
    }

    /// <summary>UNKNOWN-ATTRIBUTES (RFC 8489 §14.9), sent with a 420 error.</summary>
    public void AddUnknownAttributes(scoped ReadOnlySpan<ushort> types)
    {
        var v = Reserve((ushort)StunAttributeType.UnknownAttributes, types.Length * 2);
        for (int i = 0; i < types.Length; i++)
            BinaryPrimitives.WriteUInt16BigEndian(v[(i * 2)..], types[i]);
    }

    /// <summary>XOR-MAPPED-ADDRESS (RFC 8489 §14.2) for an IPv4 or IPv6 address.</summary>
    public void AddXorMappedAddress(PeerAddress address)
    {
        if (address.IsNone) throw new ArgumentException("No address.", nameof(address));
        Span<byte> addr = stackalloc byte[16];
        int n = address.WriteAddressBytes(addr);
        var v = Reserve((ushort)StunAttributeType.XorMappedAddress, 4 + n);
        v[0] = 0;
        v[1] = n == 4 ? (byte)0x01 : (byte)0x02;
        BinaryPrimitives.WriteUInt16BigEndian(v[2..], (ushort)(address.Port ^ (int)(StunMessage.MagicCookie >> 16)));
        // The XOR pad is the cookie followed by the transaction ID, i.e. header bytes 4..20 (§14.2).
        var pad = _buffer.Slice(4, 16);
        for (int i = 0; i < n; i++) v[4 + i] = (byte)(addr[i] ^ pad[i]);
    }

    /// <summary>MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 over everything written so far.</summary>
    public void AddMessageIntegrity(StunIntegrityKey key)
    {
        int offset = _length;
        var v = Reserve((ushort)StunAttributeType.MessageIntegrity, StunIntegrityKey.MacLength);
        key.Compute(_buffer[.._length], offset, v);
    }

    /// <summary>FINGERPRINT (RFC 8489 §14.7); must be the last attribute.</summary>
    public void AddFingerprint()
    {
        int offset = _length;
        var v = Reserve((ushort)StunAttributeType.Fingerprint, 4);
        BinaryPrimitives.WriteUInt32BigEndian(v, StunFingerprint.Compute(_buffer[..offset]));
    }

    // Writes the attribute header, zeroes the padding, updates Message Length, returns the value slot.
    private Span<byte> Reserve(ushort type, int valueLength)
    {
        int padded = (valueLength + 3) & ~3;
        if (valueLength > ushort.MaxValue || _buffer.Length - _length < 4 + padded || _length + 4 + padded - StunMessage.HeaderLength > ushort.MaxValue)
            throw new ArgumentException("STUN destination buffer too small.");
        var a = _buffer.Slice(_length, 4 + padded);
        BinaryPrimitives.WriteUInt16BigEndian(a, type);
        BinaryPrimitives.WriteUInt16BigEndian(a[2..], (ushort)valueLength);
        a[(4 + valueLength)..].Clear();
        _length += 4 + padded;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunMessage.HeaderLength));
        return a.Slice(4, valueLength);
    }
}
