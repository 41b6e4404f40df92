using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MediaCore.Protocol.Stun;

/// <summary>
/// The 96-bit STUN transaction ID (RFC 8489 §5) as a value type, so a client can remember outstanding
/// transactions and match responses without allocating.
/// </summary>
public readonly struct StunTransactionId : IEquatable<StunTransactionId>
{
    public const int Length = 12;

    private readonly ulong _hi;
    private readonly uint _lo;

    private StunTransactionId(ulong hi, uint lo)
    {
        _hi = hi;
        _lo = lo;
    }

    /// <summary>Reads 12 bytes.</summary>
    public static StunTransactionId FromBytes(ReadOnlySpan<byte> bytes)
        => new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]));

    /// <summary>
    /// A new ID from the cryptographic RNG: RFC 8489 §5 requires IDs to be uniformly random so an
    /// off-path attacker cannot forge a matching response.
    /// </summary>
    public static StunTransactionId NewRandom()
    {
        Span<byte> b = stackalloc byte[Length];
        RandomNumberGenerator.Fill(b);
        return FromBytes(b);
    }

    /// <summary>Writes the 12 bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _hi);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], _lo);
    }

    public bool Equals(StunTransactionId other) => _hi == other._hi && _lo == other._lo;
    public override bool Equals(object? obj) => obj is StunTransactionId t && Equals(t);
    public override int GetHashCode() => HashCode.Combine(_hi, _lo);
    public static bool operator ==(StunTransactionId a, StunTransactionId b) => a.Equals(b);
    public static bool operator !=(StunTransactionId a, StunTransactionId b) => !a.Equals(b);
    public override string ToString() => $"{_hi:x16}{_lo:x8}";
}
