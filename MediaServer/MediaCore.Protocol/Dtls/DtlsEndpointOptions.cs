namespace MediaCore.Protocol.Dtls;

/// <summary>Tuning for <see cref="DtlsEndpoint"/>. The defaults follow the WebRTC profile and run as-is.</summary>
public sealed class DtlsEndpointOptions
{
    /// <summary>Shared defaults.</summary>
    public static DtlsEndpointOptions Default { get; } = new();

    /// <summary>
    /// Largest datagram BouncyCastle may send; handshake messages are fragmented to fit (RFC 6347 §4.1.1.1).
    /// 1200 keeps DTLS inside the path MTU that WebRTC assumes.
    /// </summary>
    public int Mtu { get; init; } = 1200;

    /// <summary>Received datagrams larger than this are dropped before they reach BouncyCastle.</summary>
    public int MaxReceiveDatagramSize { get; init; } = 4096;

    /// <summary>Give up the handshake after this long (reported as <see cref="DtlsFailed"/>).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First retransmission timer; it doubles per retry (RFC 6347 §4.2.4.1 recommends 1 s).</summary>
    public TimeSpan InitialRetransmitTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// SRTP profiles in preference order. A client offers them in this order; a server takes the first
    /// of the client's list that appears here (RFC 5764 §4.1.1).
    /// </summary>
    public IReadOnlyList<DtlsSrtpProfile> SrtpProfiles { get; init; } =
        [DtlsSrtpProfile.AeadAes128Gcm, DtlsSrtpProfile.Aes128CmHmacSha1_80];

    /// <summary>
    /// Server only: pick the first profile of <see cref="SrtpProfiles"/> that the client offered, instead
    /// of the client's first supported one. RFC 5764 §4.1.1 lets the server choose any offered profile.
    /// Chromium 156 offers [AES_CM_128_HMAC_SHA1_80, AEAD_AES_256_GCM, AEAD_AES_128_GCM], so the default
    /// (client order) yields AES-CM with Chromium and this option yields AES-128-GCM.
    /// </summary>
    public bool PreferLocalSrtpProfileOrder { get; init; }

    /// <summary>
    /// The host's say over handshake threads (null: none): it may bound how many handshakes run at once, lower
    /// their scheduling priority below the forwarding threads, and measure each handshake's CPU time.
    /// </summary>
    public IDtlsHandshakeHost? HandshakeHost { get; init; }

    /// <summary>Stack size of the background threads (handshake, post-handshake drain); BouncyCastle needs little.</summary>
    public int HandshakeThreadStackSize { get; init; } = 256 * 1024;
}

/// <summary>
/// Called on a DTLS handshake thread around BouncyCastle's blocking handshake. <see cref="Enter"/> may block
/// (waiting for a free slot) and returns false to refuse the handshake; <see cref="Exit"/> follows every
/// <see cref="Enter"/> that returned true, on the same thread.
/// </summary>
public interface IDtlsHandshakeHost
{
    /// <summary>Before the handshake; false fails it ("too many concurrent handshakes").</summary>
    bool Enter(TimeSpan maxWait);

    /// <summary>After the handshake, connected or not.</summary>
    void Exit(bool connected);
}
