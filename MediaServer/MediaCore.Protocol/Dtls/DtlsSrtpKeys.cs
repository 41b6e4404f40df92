namespace MediaCore.Protocol.Dtls;

/// <summary>
/// SRTP master keys and salts for both directions, cut out of the DTLS-SRTP keying material.
/// <see cref="LocalMasterKey"/>/<see cref="LocalMasterSalt"/> protect what this side sends;
/// <see cref="RemoteMasterKey"/>/<see cref="RemoteMasterSalt"/> unprotect what it receives.
/// </summary>
public sealed class DtlsSrtpKeys
{
    private DtlsSrtpKeys(byte[] localKey, byte[] localSalt, byte[] remoteKey, byte[] remoteSalt)
    {
        LocalMasterKey = localKey;
        LocalMasterSalt = localSalt;
        RemoteMasterKey = remoteKey;
        RemoteMasterSalt = remoteSalt;
    }

    public byte[] LocalMasterKey { get; }
    public byte[] LocalMasterSalt { get; }
    public byte[] RemoteMasterKey { get; }
    public byte[] RemoteMasterSalt { get; }

    /// <summary>
    /// Splits exported keying material. RFC 5764 §4.2 lays it out as
    /// <c>client_write_SRTP_master_key | server_write_SRTP_master_key | client_write_SRTP_master_salt |
    /// server_write_SRTP_master_salt</c>; the client sends with the client_write pair.
    /// </summary>
    /// <exception cref="ArgumentException">The material is not exactly the profile's length.</exception>
    public static DtlsSrtpKeys Split(DtlsSrtpProfile profile, ReadOnlySpan<byte> keyingMaterial, bool isClient)
    {
        int keyLen = profile.MasterKeyLength();
        int saltLen = profile.MasterSaltLength();
        if (keyingMaterial.Length != 2 * (keyLen + saltLen))
            throw new ArgumentException($"keying material must be {2 * (keyLen + saltLen)} bytes for {profile}", nameof(keyingMaterial));

        byte[] clientKey = keyingMaterial.Slice(0, keyLen).ToArray();
        byte[] serverKey = keyingMaterial.Slice(keyLen, keyLen).ToArray();
        byte[] clientSalt = keyingMaterial.Slice(2 * keyLen, saltLen).ToArray();
        byte[] serverSalt = keyingMaterial.Slice(2 * keyLen + saltLen, saltLen).ToArray();
        return isClient
            ? new DtlsSrtpKeys(clientKey, clientSalt, serverKey, serverSalt)
            : new DtlsSrtpKeys(serverKey, serverSalt, clientKey, clientSalt);
    }
}
