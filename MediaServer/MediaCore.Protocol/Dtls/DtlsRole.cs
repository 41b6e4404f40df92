namespace MediaCore.Protocol.Dtls;

/// <summary>
/// The DTLS role, decided by the SDP setup attribute (RFC 8842 §5, RFC 4145 §4): a=setup:active is the
/// DTLS client, a=setup:passive the DTLS server.
/// </summary>
public enum DtlsRole
{
    Server,
    Client,
}
