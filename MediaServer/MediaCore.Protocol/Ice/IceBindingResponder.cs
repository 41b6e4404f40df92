using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Stun;

namespace MediaCore.Protocol.Ice;

/// <summary>
/// Validates incoming ICE connectivity checks against the local credentials and writes the answer
/// (RFC 8445 §7.3, RFC 8489 §6.3.1 and §9.1.3). Shared by the lite and the controlling agent.
/// </summary>
internal sealed class IceBindingResponder : IDisposable
{
    // Comprehension-required attributes a Binding request may carry that we understand (RFC 8489 §14,
    // RFC 8445 §16.1); anything else below 0x8000 earns a 420 (RFC 8489 §6.3.1.1).
    private static readonly ushort[] KnownRequired =
    [
        (ushort)StunAttributeType.MappedAddress,
        (ushort)StunAttributeType.Username,
        (ushort)StunAttributeType.MessageIntegrity,
        (ushort)StunAttributeType.ErrorCode,
        (ushort)StunAttributeType.UnknownAttributes,
        (ushort)StunAttributeType.MessageIntegritySha256,
        (ushort)StunAttributeType.XorMappedAddress,
        (ushort)StunAttributeType.Priority,
        (ushort)StunAttributeType.UseCandidate,
    ];

    private readonly byte[] _localUfrag;
    private readonly StunIntegrityKey _localKey;
    private readonly bool _requireFingerprint;
    private readonly bool _respondToUnauthenticated;
    private readonly string? _software;
    private byte[]? _remoteUfrag;

    public IceBindingResponder(IceCredentials local, bool requireFingerprint, bool respondToUnauthenticated, string? software)
    {
        _localUfrag = Encoding.UTF8.GetBytes(local.Ufrag);
        _localKey = StunIntegrityKey.ForShortTerm(local.Password);
        _requireFingerprint = requireFingerprint;
        _respondToUnauthenticated = respondToUnauthenticated;
        _software = software;
    }

    public StunIntegrityKey LocalKey => _localKey;

    public void SetRemoteUfrag(string ufrag) => _remoteUfrag = Encoding.UTF8.GetBytes(ufrag);

    /// <summary>
    /// Answers a Binding request. Returns true when it was authenticated and answered with success;
    /// <paramref name="useCandidate"/> then says whether it nominated the pair.
    /// </summary>
    public bool HandleRequest(in StunMessage request, PeerAddress from, IceOutbox outbox, bool weAreControlling, ulong tieBreaker, out bool useCandidate)
    {
        useCandidate = false;

        // RFC 8445 §7.3 requires FINGERPRINT on checks; a mismatch means "not STUN" (RFC 8489 §7.3): drop silently.
        if (request.HasFingerprint ? !request.VerifyFingerprint() : _requireFingerprint)
            return false;

        // RFC 8489 §9.1.3: missing USERNAME or MESSAGE-INTEGRITY -> 400; unknown user or bad HMAC -> 401.
        if (!request.TryGetUsername(out var username) || !request.HasMessageIntegrity)
        {
            RejectUnauthenticated(request, from, outbox, StunErrorCodes.BadRequest, "Bad Request");
            return false;
        }
        if (!UsernameMatches(username) || !request.VerifyMessageIntegrity(_localKey))
        {
            RejectUnauthenticated(request, from, outbox, StunErrorCodes.Unauthorized, "Unauthorized");
            return false;
        }

        if (request.TryFindUnknownComprehensionRequired(KnownRequired, out ushort unknown))
        {
            Respond(request, from, outbox, StunClass.ErrorResponse, StunErrorCodes.UnknownAttribute, "Unknown Attribute", unknown, authenticated: true);
            return false;
        }

        // RFC 8445 §7.3.1.1 role conflict. A lite agent is always controlled and cannot switch, so a peer
        // that also claims to be controlled gets 487 and switches to controlling. A controlling agent
        // whose tie-breaker is not smaller answers 487 too; with a larger peer tie-breaker the RFC would
        // have it switch to controlled, which our single-pair client (meant for lite servers, which send
        // no checks) does not do: it answers and keeps nominating.
        if (weAreControlling ? request.TryGetIceControlling(out ulong theirs) && tieBreaker >= theirs
                             : request.HasAttribute(StunAttributeType.IceControlled))
        {
            Respond(request, from, outbox, StunClass.ErrorResponse, StunErrorCodes.RoleConflict, "Role Conflict", 0, authenticated: true);
            return false;
        }

        useCandidate = !weAreControlling && request.HasUseCandidate;
        Respond(request, from, outbox, StunClass.SuccessResponse, 0, default, 0, authenticated: true);
        return true;
    }

    private bool UsernameMatches(ReadOnlySpan<byte> username)
    {
        // USERNAME = "<our ufrag>:<their ufrag>" (RFC 8445 §7.2.2). Before the remote ufrag is known
        // (signalling race) only our half can be checked; MESSAGE-INTEGRITY still proves the sender.
        if (username.Length <= _localUfrag.Length || username[_localUfrag.Length] != (byte)':'
            || !username.StartsWith(_localUfrag))
            return false;
        return _remoteUfrag is null || username[(_localUfrag.Length + 1)..].SequenceEqual(_remoteUfrag);
    }

    private void RejectUnauthenticated(in StunMessage request, PeerAddress from, IceOutbox outbox, int code, string reason)
    {
        if (_respondToUnauthenticated)
            Respond(request, from, outbox, StunClass.ErrorResponse, code, reason, 0, authenticated: false);
    }

    private void Respond(in StunMessage request, PeerAddress from, IceOutbox outbox, StunClass cls, int errorCode,
        string? reason, ushort unknownAttribute, bool authenticated)
    {
        byte[] buffer = IceOutbox.RentBuffer();
        var w = new StunMessageWriter(buffer, StunMethod.Binding, cls, request.TransactionId);
        if (cls == StunClass.SuccessResponse)
        {
            // RFC 8445 §7.3.1.2: the success response reflects the source transport address of the request.
            w.AddXorMappedAddress(from);
        }
        else
        {
            w.AddErrorCode(errorCode, reason);
            if (errorCode == StunErrorCodes.UnknownAttribute)
                w.AddUnknownAttributes([unknownAttribute]);
        }
        if (_software is not null) w.AddSoftware(_software);
        // RFC 8489 §9.1.3/§9.1.4: no MESSAGE-INTEGRITY on 400/401, which the client could not verify anyway.
        if (authenticated) w.AddMessageIntegrity(_localKey);
        w.AddFingerprint();
        outbox.Enqueue(from, buffer, w.Length);
    }

    public void Dispose() => _localKey.Dispose();
}
