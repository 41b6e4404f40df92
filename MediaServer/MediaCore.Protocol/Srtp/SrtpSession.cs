namespace MediaCore.Protocol.Srtp;

/// <summary>
/// The two SRTP contexts of a DTLS-SRTP association (RFC 5764 §4.2): <see cref="Outbound"/> protects
/// what this endpoint sends, <see cref="Inbound"/> unprotects what it receives.
/// </summary>
/// <remarks>
/// The two contexts share no state, so a send path and a receive path may each drive one from its own
/// thread; each context by itself is single-threaded. Prefer <see cref="SrtpProfile.AeadAes128Gcm"/> when
/// negotiating: it costs about a third of the CM/HMAC-SHA1 profile per packet here.
/// </remarks>
public sealed class SrtpSession : IDisposable
{
    private SrtpSession(SrtpProfile profile, SrtpContext outbound, SrtpContext inbound)
    {
        Profile = profile;
        Outbound = outbound;
        Inbound = inbound;
    }

    /// <summary>The negotiated protection profile.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Context for packets this endpoint sends (keys of its own DTLS role).</summary>
    public SrtpContext Outbound { get; }

    /// <summary>Context for packets this endpoint receives (keys of the peer's DTLS role).</summary>
    public SrtpContext Inbound { get; }

    /// <summary>
    /// Octets to export with the "EXTRACTOR-dtls_srtp" label (RFC 5764 §4.2): two master keys and two
    /// master salts.
    /// </summary>
    public static int KeyingMaterialLength(SrtpProfile profile) =>
        2 * (SrtpProfileInfo.MasterKeyLength(profile) + SrtpProfileInfo.MasterSaltLength(profile));

    /// <summary>
    /// Splits exported keying material, laid out as client_write_SRTP_master_key, server_write_SRTP_master_key,
    /// client_write_SRTP_master_salt, server_write_SRTP_master_salt (RFC 5764 §4.2), and builds both
    /// contexts. The DTLS client sends with the client keys; the server with the server keys.
    /// </summary>
    /// <param name="profile">Profile selected in the DTLS use_srtp extension.</param>
    /// <param name="material">Exactly <see cref="KeyingMaterialLength"/> octets.</param>
    /// <param name="isDtlsClient">True when this endpoint was the DTLS client.</param>
    public static SrtpSession FromKeyingMaterial(SrtpProfile profile, ReadOnlySpan<byte> material, bool isDtlsClient)
    {
        if (!SrtpProfileInfo.IsSupported(profile))
            throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unsupported SRTP protection profile.");
        int keyLength = SrtpProfileInfo.MasterKeyLength(profile);
        int saltLength = SrtpProfileInfo.MasterSaltLength(profile);
        if (material.Length != KeyingMaterialLength(profile))
            throw new ArgumentException($"Keying material must be {KeyingMaterialLength(profile)} octets for {profile}.", nameof(material));

        var clientKey = material[..keyLength];
        var serverKey = material.Slice(keyLength, keyLength);
        var clientSalt = material.Slice(2 * keyLength, saltLength);
        var serverSalt = material.Slice(2 * keyLength + saltLength, saltLength);

        var client = new SrtpContext(profile, clientKey, clientSalt);
        var server = new SrtpContext(profile, serverKey, serverSalt);
        return isDtlsClient ? new SrtpSession(profile, client, server) : new SrtpSession(profile, server, client);
    }

    public void Dispose()
    {
        Outbound.Dispose();
        Inbound.Dispose();
    }
}
