using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Sip;

/// <summary>The registrar half of the UAS core (RFC 3261 §10): digest authentication of requests and the
/// registered contacts with their expiry.</summary>
public sealed partial class SipServerCore
{
    /// <summary>Registered contacts of <paramref name="user"/> (for tests and the room API).</summary>
    public IReadOnlyList<string> RegisteredContacts(string user, long nowTicks)
        => _registrations.TryGetValue(user, out var r) ? [.. r.Contacts.Where(c => c.Value > nowTicks).Select(c => c.Key)] : [];

    private void OnRegister(long nowTicks, SipMessage request, PeerAddress from, SipNameAddress to)
    {
        var account = Authenticate(nowTicks, request, from);
        if (account == null) return;
        if (!SipUri.TryParse(to.Uri, out var aor) || !string.Equals(aor.User, account.Username, StringComparison.OrdinalIgnoreCase))
        {
            Reject(nowTicks, request, from, 403, "Register your own address");
            return;
        }
        int defaultExpires = 3600;
        if (request.Get(SipHeaderNames.Expires) is { } e && !int.TryParse(e, out defaultExpires))
        {
            Reject(nowTicks, request, from, 400, "Invalid Expires");
            return;
        }
        if (!_registrations.TryGetValue(account.Username, out var registration))
            _registrations[account.Username] = registration = new Registration();
        foreach (var contact in request.GetAll(SipHeaderNames.Contact))
        {
            if (!SipNameAddress.TryParse(contact, out var c))
            {
                Reject(nowTicks, request, from, 400, "Invalid Contact");
                return;
            }
            int expires = c.Parameters.TryGetValue("expires", out var ce) && int.TryParse(ce, out int v) ? v : defaultExpires;
            if (c.Uri == "*")
            {
                if (expires != 0) { Reject(nowTicks, request, from, 400, "Wildcard Contact needs Expires: 0"); return; }
                registration.Contacts.Clear();
                continue;
            }
            if (expires == 0) { registration.Contacts.Remove(c.Uri); continue; }
            if (expires < options.MinExpires)
            {
                Respond(nowTicks, request, from, 423, null, Token(8), transaction: true, ("Min-Expires", options.MinExpires.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return;
            }
            expires = Math.Min(expires, options.MaxExpires);
            if (registration.Contacts.Count >= 10 && !registration.Contacts.ContainsKey(c.Uri)) continue;
            registration.Contacts[c.Uri] = nowTicks + expires * TimeSpan.TicksPerSecond;
        }
        var headers = new List<(string, string)>();
        foreach (var (uri, until) in registration.Contacts)
        {
            long left = Math.Max(0, (until - nowTicks) / TimeSpan.TicksPerSecond);
            if (left > 0) headers.Add((SipHeaderNames.Contact, $"<{uri}>;expires={left}"));
        }
        Respond(nowTicks, request, from, 200, null, Token(8), transaction: true, [.. headers]);
    }

    private SipAccount? Authenticate(long nowTicks, SipMessage request, PeerAddress from)
    {
        long seconds = nowTicks / TimeSpan.TicksPerSecond;
        var header = request.Get(SipHeaderNames.Authorization);
        if (header == null)
        {
            Challenge(nowTicks, request, from, seconds, stale: false);
            return null;
        }
        if (!SipDigestCredentials.TryParse(header, out var credentials) || !string.Equals(credentials.Realm, options.Realm, StringComparison.Ordinal))
        {
            Challenge(nowTicks, request, from, seconds, stale: false);
            return null;
        }
        if (!_digest.CheckNonce(credentials.Nonce, seconds, out bool stale) || stale)
        {
            Challenge(nowTicks, request, from, seconds, stale);
            return null;
        }
        var account = application.FindAccount(credentials.Username);
        if (account is { RefuseStatus: >= 500 })
        {
            // The account's state is unknown for now (the ControlPlane unreachable): ask the terminal to come back (§21.5.4).
            Refuse(nowTicks, request, from, credentials.Username, account.RefuseStatus, account.RefuseReason ?? "Service Unavailable", (SipHeaderNames.RetryAfter, "30"));
            return null;
        }
        if (account == null || !SipDigest.Verify(credentials, request.Method!, account.Ha1))
        {
            // Same answer for an unknown user and a wrong password (§22.4 allows 403; a new challenge lets a user retype).
            Refuse(nowTicks, request, from, credentials.Username, 403, "Wrong username or password");
            return null;
        }
        if (account.RefuseStatus != 0)
        {
            // The right password of an account that may not be used now (disabled or deleted terminal): say why.
            Refuse(nowTicks, request, from, credentials.Username, account.RefuseStatus, account.RefuseReason ?? "Forbidden");
            return null;
        }
        return account;
    }

    private void Refuse(long nowTicks, SipMessage request, PeerAddress from, string username, int status, string reason,
        params (string Name, string Value)[] headers)
    {
        Respond(nowTicks, request, from, status, reason, Token(8), transaction: true, headers);
        RequestsRejected++;
        application.OnRefused(nowTicks, username, request.Method!, status, reason);
    }

    private void Challenge(long nowTicks, SipMessage request, PeerAddress from, long seconds, bool stale)
        => Respond(nowTicks, request, from, 401, null, Token(8), transaction: true, (SipHeaderNames.WwwAuthenticate, _digest.Challenge(seconds, stale)));

    private sealed class Registration
    {
        public readonly Dictionary<string, long> Contacts = new(StringComparer.Ordinal);
    }
}
