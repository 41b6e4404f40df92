namespace MediaCore.Protocol.Stun;

/// <summary>The two class bits of a STUN message type (RFC 8489 §5).</summary>
public enum StunClass : byte
{
    Request = 0,
    Indication = 1,
    SuccessResponse = 2,
    ErrorResponse = 3,
}

/// <summary>STUN methods (RFC 8489 §18.2). Only Binding is used by ICE; other values pass through.</summary>
public enum StunMethod : ushort
{
    Binding = 0x001,
}

/// <summary>STUN attribute types used by ICE (RFC 8489 §18.3, RFC 8445 §16.1).</summary>
/// <remarks>Types 0x0000-0x7FFF are comprehension-required, 0x8000-0xFFFF comprehension-optional (§14).</remarks>
public enum StunAttributeType : ushort
{
    MappedAddress = 0x0001,
    Username = 0x0006,
    MessageIntegrity = 0x0008,
    ErrorCode = 0x0009,
    UnknownAttributes = 0x000A,
    Realm = 0x0014,
    Nonce = 0x0015,
    MessageIntegritySha256 = 0x001C,
    PasswordAlgorithm = 0x001D,
    Userhash = 0x001E,
    XorMappedAddress = 0x0020,
    Priority = 0x0024,
    UseCandidate = 0x0025,
    PasswordAlgorithms = 0x8002,
    AlternateDomain = 0x8003,
    Software = 0x8022,
    AlternateServer = 0x8023,
    Fingerprint = 0x8028,
    IceControlled = 0x8029,
    IceControlling = 0x802A,
}

/// <summary>Why <see cref="StunMessage.TryParse(ReadOnlySpan{byte}, out StunMessage, out StunParseError)"/> refused a datagram.</summary>
public enum StunParseError : byte
{
    None = 0,
    /// <summary>Shorter than the 20-byte header.</summary>
    TooShort,
    /// <summary>The two most significant bits are not zero (RFC 8489 §5).</summary>
    NotStun,
    /// <summary>The magic cookie is not 0x2112A442 (RFC 8489 §5; RFC 3489 messages are refused).</summary>
    BadMagicCookie,
    /// <summary>Message Length is not a multiple of 4 or disagrees with the datagram length.</summary>
    BadLength,
    /// <summary>An attribute header or value runs past the end of the message.</summary>
    TruncatedAttribute,
    /// <summary>MESSAGE-INTEGRITY is not 20 bytes or FINGERPRINT is not 4 bytes.</summary>
    BadAttributeLength,
    /// <summary>FINGERPRINT is present but not the last attribute (RFC 8489 §14.7).</summary>
    FingerprintNotLast,
}

/// <summary>STUN error codes used here (RFC 8489 §14.8, RFC 8445 §16.1).</summary>
public static class StunErrorCodes
{
    public const int BadRequest = 400;
    public const int Unauthorized = 401;
    public const int UnknownAttribute = 420;
    public const int RoleConflict = 487;
    public const int ServerError = 500;
}
