using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sip;

/// <summary>
/// The dialog half of the UAS core (RFC 3261 §12-15): INVITE (the application decides, now or later), the 2xx
/// retransmitted until its ACK (§13.3.1.4), CANCEL of a pending INVITE (§9.2), in-dialog BYE, re-INVITE and INFO, and
/// our own BYE when a call is ended from the server side.
/// </summary>
public sealed partial class SipServerCore
{
    /// <summary>Ends a call from the server side (room closed, kicked): sends BYE (§15.1.1) and reports it ended.</summary>
    public void Hangup(long nowTicks, SipCall call, string reason)
    {
        if (call.State == SipCallState.Ended) return;
        if (call.State == SipCallState.Proceeding && call.PendingInvite != null)
        {
            Respond(nowTicks, call.PendingInvite, call.PendingFrom, 480, "Temporarily Unavailable", call.LocalTag, transaction: true);
        }
        else
        {
            var target = call.RemoteContact ?? call.RemoteUri;
            var branch = SipVia.MagicCookie + Token(10);
            var bye = SipMessageWriter.Request("BYE", target)
                .Header(SipHeaderNames.Via, $"SIP/2.0/{(call.Remote.IsTcp ? "TCP" : "UDP")} {options.ContactHost};branch={branch}")
                .Header(SipHeaderNames.MaxForwards, "70")
                .Header(SipHeaderNames.From, call.LocalTo.Contains(";tag=", StringComparison.Ordinal) ? call.LocalTo : call.LocalTo + ";tag=" + call.LocalTag)
                .Header(SipHeaderNames.To, call.RemoteFrom)
                .Header(SipHeaderNames.CallId, call.CallId)
                .Header(SipHeaderNames.CSeq, $"{++call.LocalCSeq} BYE")
                .Header(SipHeaderNames.UserAgent, options.ServerName)
                .ToBytes();
            _out.Enqueue(new SipTransmit(call.Remote, bye));
            // Over TCP the transport is reliable (§17.1.2.2: Timer E only for unreliable transports); UDP retransmits until answered.
            if (!call.Remote.IsTcp && _clientTransactions.Count < MaxTransactions)
            {
                _clientTransactions[branch] = new ClientTransaction
                {
                    Method = "BYE", Request = bye, Destination = call.Remote, Interval = T1,
                    NextRetransmitAt = nowTicks + T1, GiveUpAt = nowTicks + TransactionLifetime,
                };
            }
        }
        End(nowTicks, call, reason);
    }

    /// <summary>Answers an INVITE the application took with <see cref="SipInviteResult.Later"/>.</summary>
    public void Answer(long nowTicks, SipCall call, SipInviteResult result)
    {
        if (call.State != SipCallState.Proceeding || call.PendingInvite == null || result.Status == 0) return;
        var invite = call.PendingInvite;
        call.PendingInvite = null;
        Complete(nowTicks, call, invite, call.PendingFrom, result);
    }

    private void OnAck(long nowTicks, SipMessage ack, string key, string callId, string? toTag, string? fromTag)
    {
        // ACK of a non-2xx: same branch as the INVITE (§17.2.1) stops Timer G.
        if (_transactions.TryGetValue(key, out var t))
        {
            t.NextRetransmitAt = MediaTime.Never;
            return;
        }
        // ACK of a 2xx: its own transaction, matched to the dialog (§13.3.1.4).
        if (toTag != null && fromTag != null && _calls.TryGetValue(DialogKey(callId, toTag, fromTag), out var call) && call.State == SipCallState.Answered)
        {
            call.State = SipCallState.Confirmed;
            call.Ok = null;
            call.NextRetransmitAt = call.GiveUpAt = MediaTime.Never;
        }
        _ = nowTicks;
        _ = ack;
    }

    private void OnCancel(long nowTicks, SipMessage cancel, PeerAddress from, SipVia via, uint cseq)
    {
        // §9.2: CANCEL matches the INVITE's server transaction by branch; a finished one is unaffected.
        var inviteKey = TransactionKey(via, "INVITE", cancel, cseq);
        SipCall? pending = null;
        foreach (var c in _calls.Values)
            if (c.State == SipCallState.Proceeding && c.PendingInvite != null && c.CallId == cancel.CallId
                && SipVia.TryParse(c.PendingInvite.Get(SipHeaderNames.Via), out var v) && TransactionKey(v, "INVITE", c.PendingInvite, cseq) == inviteKey)
                pending = c;
        if (pending == null && !_transactions.ContainsKey(inviteKey))
        {
            Reject(nowTicks, cancel, from, 481, null);
            return;
        }
        Respond(nowTicks, cancel, from, 200, null, pending?.LocalTag, transaction: true);
        if (pending == null) return;
        var invite = pending.PendingInvite!;
        pending.PendingInvite = null;
        Respond(nowTicks, invite, pending.PendingFrom, 487, null, pending.LocalTag, transaction: true);
        End(nowTicks, pending, "cancelled");
    }

    private void OnInvite(long nowTicks, SipMessage request, PeerAddress from, SipUri requestUri, string callId,
        SipNameAddress fromAddress, string fromHeader, string toHeader)
    {
        if (request.TryGetCSeq(out uint sent, out _) && fromAddress.Tag != null)
        {
            foreach (var c in _calls.Values)
            {
                if (c.CallId != callId || c.RemoteTag != fromAddress.Tag || c.RemoteCSeq != sent) continue;
                // §13.3.1.4, §17.2.1: a retransmission of an INVITE already answered (a 2xx ends the server transaction, so it
                // reaches the core): the dialog resends its 2xx, and it must never become a second call.
                if (c.Ok != null) _out.Enqueue(new SipTransmit(from, c.Ok));
                return;
            }
        }
        var account = Authenticate(nowTicks, request, from);
        if (account == null) return;
        if (fromAddress.Tag == null)
        {
            Reject(nowTicks, request, from, 400, "From tag missing");
            return;
        }
        if (request.Body.Length == 0 || !(request.Get(SipHeaderNames.ContentType) ?? "").StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase))
        {
            // Offer-less INVITEs (offer in our 200, answer in the ACK) are not supported.
            Respond(nowTicks, request, from, request.Body.Length == 0 ? 488 : 415, request.Body.Length == 0 ? "SDP offer required" : null, null,
                transaction: true, (SipHeaderNames.Accept, "application/sdp"));
            RequestsRejected++;
            return;
        }
        if (_calls.Count >= MaxCalls)
        {
            Respond(nowTicks, request, from, 503, null, null, transaction: true, (SipHeaderNames.RetryAfter, "30"));
            return;
        }
        if (requestUri.User is not { Length: > 0 } target)
        {
            Reject(nowTicks, request, from, 404, "Call sip:{room}@host");
            return;
        }
        request.TryGetCSeq(out uint cseq, out _);
        var contact = request.GetAll(SipHeaderNames.Contact) is [var first, ..] && SipNameAddress.TryParse(first, out var ca) ? ca.Uri : null;
        var fromUri = fromAddress.Uri;
        var call = new SipCall(callId, Token(10), fromAddress.Tag, target, account, from, fromUri, fromHeader, toHeader, contact)
        {
            RemoteCSeq = cseq,
        };
        _calls[DialogKey(callId, call.LocalTag, call.RemoteTag)] = call;
        var result = application.OnInvite(nowTicks, call, request.BodyText);
        if (result.Status == 0)
        {
            call.PendingInvite = request;
            call.PendingFrom = from;
            Respond(nowTicks, request, from, 100, null, null, transaction: true);
            return;
        }
        Complete(nowTicks, call, request, from, result);
    }

    private void Complete(long nowTicks, SipCall call, SipMessage invite, PeerAddress from, SipInviteResult result)
    {
        if (result.Status is >= 200 and < 300 && result.SdpAnswer != null)
        {
            var ok = Build(invite, from, 200, null, call.LocalTag, Contact(call))
                .Header(SipHeaderNames.Allow, AllowedMethods).Body("application/sdp", result.SdpAnswer).ToBytes();
            _out.Enqueue(new SipTransmit(from, ok));
            call.State = SipCallState.Answered;
            call.GiveUpAt = nowTicks + TransactionLifetime;
            if (!from.IsTcp)
            {
                call.Ok = ok;
                call.RetransmitInterval = T1;
                call.NextRetransmitAt = nowTicks + T1;
            }
            else
            {
                call.Ok = ok;
                call.NextRetransmitAt = MediaTime.Never;
            }
            return;
        }
        int status = result.Status is >= 300 and <= 699 ? result.Status : 500;
        Respond(nowTicks, invite, from, status, result.Reason, call.LocalTag, transaction: true);
        RequestsRejected++;
        End(nowTicks, call, $"refused {status}");
    }

    private void OnInDialog(long nowTicks, SipMessage request, PeerAddress from, string method, string callId, string toTag, string? fromTag, uint cseq)
    {
        if (fromTag == null || !_calls.TryGetValue(DialogKey(callId, toTag, fromTag), out var call) || call.State == SipCallState.Ended)
        {
            Reject(nowTicks, request, from, 481, null);
            return;
        }
        if (cseq <= call.RemoteCSeq && method != "ACK")
        {
            // §12.2.2: lower CSeq than the last one is out of order.
            Reject(nowTicks, request, from, 500, "CSeq out of order");
            return;
        }
        call.RemoteCSeq = cseq;
        call.Remote = from;
        switch (method)
        {
            case "BYE":
                Respond(nowTicks, request, from, 200, null, null, transaction: true);
                End(nowTicks, call, "BYE");
                return;
            case "INVITE":
                if (call.State == SipCallState.Answered)
                {
                    Respond(nowTicks, request, from, 491, null, null, transaction: true, (SipHeaderNames.RetryAfter, "1"));
                    return;
                }
                if (request.Body.Length == 0)
                {
                    Respond(nowTicks, request, from, 488, "SDP offer required", null, transaction: true);
                    return;
                }
                var result = application.OnReinvite(nowTicks, call, request.BodyText);
                if (result.Status is >= 200 and < 300 && result.SdpAnswer != null)
                {
                    var ok = Build(request, from, 200, null, null, Contact(call)).Body("application/sdp", result.SdpAnswer).ToBytes();
                    _out.Enqueue(new SipTransmit(from, ok));
                    call.State = SipCallState.Answered;
                    call.Ok = from.IsTcp ? null : ok;
                    call.RetransmitInterval = T1;
                    call.NextRetransmitAt = from.IsTcp ? MediaTime.Never : nowTicks + T1;
                    // A lost ACK of a re-INVITE does not end the call: stop retransmitting after 64*T1, keep the dialog.
                    call.GiveUpAt = MediaTime.Never;
                    Remember(nowTicks, request, from, ok, invite: false);
                }
                else
                {
                    // §14.2: a refused re-INVITE leaves the session as it was.
                    Respond(nowTicks, request, from, result.Status is >= 300 and <= 699 ? result.Status : 488, result.Reason, null, transaction: true);
                }
                return;
            case "INFO":
                Respond(nowTicks, request, from, 200, null, null, transaction: true);
                if ((request.Get(SipHeaderNames.ContentType) ?? "").StartsWith("application/dtmf-relay", StringComparison.OrdinalIgnoreCase))
                    foreach (var line in request.BodyText.Split('\n'))
                    {
                        var l = line.Trim();
                        if (l.StartsWith("Signal=", StringComparison.OrdinalIgnoreCase) && l.Length > 7) application.OnDtmf(nowTicks, call, l[7..].Trim()[0]);
                    }
                return;
            default:
                Respond(nowTicks, request, from, 405, null, null, transaction: true, (SipHeaderNames.Allow, AllowedMethods));
                return;
        }
    }

    private void End(long nowTicks, SipCall call, string reason)
    {
        if (call.State == SipCallState.Ended) return;
        call.State = SipCallState.Ended;
        call.Ok = null;
        call.NextRetransmitAt = call.GiveUpAt = MediaTime.Never;
        _calls.Remove(DialogKey(call.CallId, call.LocalTag, call.RemoteTag));
        application.OnCallEnded(nowTicks, call, reason);
    }

    private string Contact(SipCall call) => $"<sip:{Uri.EscapeDataString(call.Target)}@{options.ContactHost}{(call.Remote.IsTcp ? ";transport=tcp" : "")}>";

    private static string DialogKey(string callId, string localTag, string remoteTag) => callId + "\n" + localTag + "\n" + remoteTag;
}
