using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MediaCore.Protocol.Stun;

/// <summary>
/// A MESSAGE-INTEGRITY key (RFC 8489 §14.5) holding one reusable HMAC-SHA1 instance, so signing and
/// verifying allocate nothing per message. Not thread-safe: one key per session, used by the thread
/// that drives that session.
/// </summary>
public sealed class StunIntegrityKey : IDisposable
{
    /// <summary>Length of an HMAC-SHA1 value.</summary>
    public const int MacLength = 20;

    private readonly IncrementalHash _hmac;

    /// <summary>Creates a key from raw key bytes.</summary>
    public StunIntegrityKey(ReadOnlySpan<byte> key)
    {
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, key);
    }

    /// <summary>
    /// Short-term credential key (RFC 8489 §9.1.1): the password processed with OpaqueString (RFC 8265).
    /// ICE passwords are ice-chars (RFC 8445 §5.3), plain ASCII, for which OpaqueString is the identity;
    /// other input is NFC-normalised, which covers the common case.
    /// </summary>
    public static StunIntegrityKey ForShortTerm(string password)
        => new(Encoding.UTF8.GetBytes(password.Normalize(NormalizationForm.FormC)));

    /// <summary>
    /// Long-term credential key (RFC 8489 §9.2.2, MD5 algorithm): MD5(username ":" realm ":" password),
    /// with inputs already processed by the caller (OpaqueString / SASLprep).
    /// </summary>
    public static StunIntegrityKey ForLongTerm(string username, string realm, string password)
    {
        byte[] input = Encoding.UTF8.GetBytes(username + ":" + realm + ":" + password);
#pragma warning disable CA5351 // MD5 is what RFC 8489 §9.2.2 specifies for the long-term key.
        return new StunIntegrityKey(MD5.HashData(input));
#pragma warning restore CA5351
    }

    /// <summary>
    /// HMAC over <paramref name="message"/>[0..<paramref name="integrityOffset"/>) with the header's
    /// Message Length set as if MESSAGE-INTEGRITY were the last attribute (RFC 8489 §14.5).
    /// </summary>
    internal void Compute(ReadOnlySpan<byte> message, int integrityOffset, Span<byte> mac)
    {
        Span<byte> header = stackalloc byte[StunMessage.HeaderLength];
        message[..StunMessage.HeaderLength].CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(integrityOffset - StunMessage.HeaderLength + 4 + MacLength));
        _hmac.AppendData(header);
        _hmac.AppendData(message[StunMessage.HeaderLength..integrityOffset]);
        _hmac.GetHashAndReset(mac);
    }

    public void Dispose() => _hmac.Dispose();
}
