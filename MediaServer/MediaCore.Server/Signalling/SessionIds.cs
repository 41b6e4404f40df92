using System.Buffers.Text;
using System.Security.Cryptography;

namespace MediaCore.Server.Signalling;

/// <summary>
/// Session ids for WHIP/WHEP resource URLs. 128 random bits, base64url (22 characters): unguessable,
/// because knowing a session URL is half of what it takes to end someone else's session.
/// </summary>
public static class SessionIds
{
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
