namespace MediaCore.Protocol.Dtls;

/// <summary>What a <see cref="DtlsEndpoint"/> reports through <see cref="DtlsEndpoint.TryPollEvent"/>.</summary>
public abstract record DtlsEvent;

/// <summary>
/// The handshake completed: the remote certificate matched the expected fingerprint and use_srtp
/// selected <paramref name="Profile"/>. <paramref name="KeyingMaterial"/> is the RFC 5764 §4.2 export
/// ("EXTRACTOR-dtls_srtp", no context) of <see cref="DtlsSrtpProfileInfo.KeyingMaterialLength"/> bytes.
/// </summary>
public sealed record DtlsConnected(DtlsSrtpProfile Profile, byte[] KeyingMaterial, bool IsClient) : DtlsEvent
{
    /// <summary>Splits <see cref="KeyingMaterial"/> into this side's send and receive SRTP master keys.</summary>
    public DtlsSrtpKeys GetSrtpKeys() => DtlsSrtpKeys.Split(Profile, KeyingMaterial, IsClient);
}

/// <summary>The handshake or the connection failed (alert, timeout, fingerprint mismatch). Terminal.</summary>
public sealed record DtlsFailed(string Reason) : DtlsEvent;

/// <summary>The peer sent close_notify (RFC 5246 §7.2.1). Terminal.</summary>
public sealed record DtlsClosed : DtlsEvent;
