using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MediaCore.Protocol.Sip;

/// <summary>The fields of a <c>Digest</c> Authorization header (RFC 2617 §3.2.2, as SIP uses it: RFC 3261 §22.4).</summary>
public sealed record SipDigestCredentials(string Username, string Realm, string Nonce, string Uri, string Response,
    string? Algorithm, string? Cnonce, string? NonceCount, string? Qop)
{
    public static bool TryParse(string? header, out SipDigestCredentials credentials)
    {
        credentials = null!;
        if (header == null || !header.StartsWith("Digest", StringComparison.OrdinalIgnoreCase) || header.Length > 4096) return false;
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var list = new List<string>();
        SipGrammar.SplitList(header[6..], list);
        foreach (var item in list)
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) continue;
            fields.TryAdd(item[..eq].Trim(), SipGrammar.Unquote(item[(eq + 1)..].Trim()));
        }
        if (!fields.TryGetValue("username", out var user) || !fields.TryGetValue("realm", out var realm) || !fields.TryGetValue("nonce", out var nonce)
            || !fields.TryGetValue("uri", out var uri) || !fields.TryGetValue("response", out var response)) return false;
        credentials = new SipDigestCredentials(user, realm, nonce, uri, response, fields.GetValueOrDefault("algorithm"),
            fields.GetValueOrDefault("cnonce"), fields.GetValueOrDefault("nc"), fields.GetValueOrDefault("qop"));
        return true;
    }
}

/// <summary>
/// HTTP Digest for SIP (RFC 2617 §3.2.2.1 with MD5, the algorithm SIP phones and sipp implement; RFC 8760 adds
/// SHA-256, which few terminals speak yet). Nonces are stateless: the issue time and an HMAC over it with the
/// server's key (RFC 2617 §3.2.1 suggests a time stamp and a private key), so any node with the key checks them
/// and nothing is stored per challenge. A nonce is accepted for <see cref="NonceLifetime"/>; an older one gets a
/// new challenge with <c>stale=true</c>, on which clients re-authenticate without asking the user (§3.2.1).
/// </summary>
public sealed class SipDigest(byte[] nonceKey, string realm)
{
    /// <summary>How long a nonce is accepted.</summary>
    public static readonly TimeSpan NonceLifetime = TimeSpan.FromMinutes(5);

    public string Realm { get; } = realm;

    /// <summary>The WWW-Authenticate value of a 401 (RFC 3261 §22.4).</summary>
    public string Challenge(long unixSeconds, bool stale)
        => $"Digest realm={SipGrammar.Quote(Realm)}, nonce=\"{CreateNonce(unixSeconds)}\", algorithm=MD5, qop=\"auth\"{(stale ? ", stale=true" : "")}";

    public string CreateNonce(long unixSeconds)
    {
        Span<byte> raw = stackalloc byte[8 + 16];
        BinaryPrimitives.WriteInt64BigEndian(raw, unixSeconds);
        Mac(raw[..8], raw[8..]);
        return Convert.ToHexStringLower(raw);
    }

    /// <summary>Checks a nonce this server issued: true when authentic; <paramref name="stale"/> when authentic but too old.</summary>
    public bool CheckNonce(string nonce, long unixSeconds, out bool stale)
    {
        stale = false;
        if (nonce.Length != 48) return false;
        Span<byte> raw = stackalloc byte[24];
        if (Convert.FromHexString(nonce, raw, out _, out int written) != System.Buffers.OperationStatus.Done || written != 24) return false;
        Span<byte> expected = stackalloc byte[16];
        Mac(raw[..8], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, raw[8..])) return false;
        long issued = BinaryPrimitives.ReadInt64BigEndian(raw);
        stale = unixSeconds - issued > (long)NonceLifetime.TotalSeconds || issued - unixSeconds > 60;
        return true;
    }

    /// <summary>
    /// Verifies <paramref name="credentials"/> for <paramref name="method"/> given the user's HA1 (MD5 of
    /// <c>username:realm:password</c>). Constant-time on the response.
    /// </summary>
    public static bool Verify(SipDigestCredentials credentials, string method, string ha1)
    {
        if (credentials.Algorithm != null && !credentials.Algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase)) return false;
        var expected = Response(ha1, credentials.Nonce, credentials.NonceCount, credentials.Cnonce, credentials.Qop, method, credentials.Uri);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(credentials.Response.ToLowerInvariant()));
    }

    /// <summary>request-digest of RFC 2617 §3.2.2.1 (qop "auth" or absent).</summary>
    public static string Response(string ha1, string nonce, string? nc, string? cnonce, string? qop, string method, string uri)
    {
        var ha2 = Md5Hex(method + ":" + uri);
        return qop is null or ""
            ? Md5Hex($"{ha1}:{nonce}:{ha2}")
            : Md5Hex($"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}");
    }

    /// <summary>H(A1) = MD5(username:realm:password) (RFC 2617 §3.2.2.2).</summary>
    public static string Ha1(string username, string realm, string password) => Md5Hex($"{username}:{realm}:{password}");

    private void Mac(ReadOnlySpan<byte> data, Span<byte> into)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(nonceKey, data, full);
        full[..into.Length].CopyTo(into);
    }

#pragma warning disable CA5351 // RFC 2617 digest is defined over MD5; it is what SIP terminals and sipp compute.
    private static string Md5Hex(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));
#pragma warning restore CA5351
}
