using System.Net;
using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sip;

namespace MediaCore.Protocol.Tests.Sip;

/// <summary>An application double: one account, answers every INVITE with a fixed SDP (or later), records events.</summary>
internal sealed class TestSipApplication : ISipApplication
{
    public const string User = "site-7-terminal-3";
    public const string Password = "secret-password";
    public const string Realm = "mediacore";
    public bool AnswerLater { get; set; }
    public List<string> Events { get; } = [];

    /// <summary>A refusal the account carries (as MediaServer's for a terminal disabled in the ControlPlane): status and reason.</summary>
    public (int Status, string Reason)? Refusal { get; set; }

    public SipAccount? FindAccount(string username)
        => username == User
            ? new SipAccount(User, SipDigest.Ha1(User, Realm, Password), "site:7") { RefuseStatus = Refusal?.Status ?? 0, RefuseReason = Refusal?.Reason }
            : null;

    public void OnRefused(long nowTicks, string username, string method, int status, string reason) => Events.Add($"refused {method} {username} {status} {reason}");

    public SipInviteResult OnInvite(long nowTicks, SipCall call, string sdpOffer)
    {
        Events.Add("invite " + call.Target);
        if (call.Target == "missing") return new SipInviteResult(404);
        return AnswerLater ? SipInviteResult.Later : new SipInviteResult(200, "v=0\r\n");
    }

    public SipInviteResult OnReinvite(long nowTicks, SipCall call, string sdpOffer)
    {
        Events.Add(sdpOffer.Contains("a=sendonly", StringComparison.Ordinal) ? "hold" : "resume");
        return new SipInviteResult(200, "v=0\r\n");
    }

    public void OnDtmf(long nowTicks, SipCall call, char digit) => Events.Add("dtmf " + digit);

    public void OnCallEnded(long nowTicks, SipCall call, string reason) => Events.Add("ended " + reason);
}

/// <summary>Drives a <see cref="SipServerCore"/> like a terminal would: builds requests, answers challenges.</summary>
internal sealed class SipTestTerminal
{
    public static readonly PeerAddress Address = PeerAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 5099));
    public const string Offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 16000 RTP/AVP 0\r\n";

    private int _branch;
    public long Now = 100 * TimeSpan.TicksPerSecond;

    public SipTestTerminal()
    {
        Core = new SipServerCore(new SipServerOptions(TestSipApplication.Realm, new byte[32], "127.0.0.1:5060"), App);
    }

    public TestSipApplication App { get; } = new();
    public SipServerCore Core { get; }

    public string Request(string method, string uri, string callId, int cseq, string fromTag, string? toTag = null, string? body = null,
        string? authorization = null, string? branch = null, string? extra = null, string toUser = "room1")
    {
        branch ??= "z9hG4bK" + (++_branch);
        var sb = new StringBuilder();
        sb.Append($"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch={branch};rport\r\n");
        sb.Append($"From: <sip:{TestSipApplication.User}@127.0.0.1>;tag={fromTag}\r\nTo: <sip:{toUser}@127.0.0.1>{(toTag != null ? ";tag=" + toTag : "")}\r\n");
        sb.Append($"Call-ID: {callId}\r\nCSeq: {cseq} {(method == "ACK" || method == "CANCEL" ? method : method)}\r\nMax-Forwards: 70\r\n");
        sb.Append("Contact: <sip:t@127.0.0.1:5099>\r\n");
        if (authorization != null) sb.Append("Authorization: ").Append(authorization).Append("\r\n");
        if (extra != null) sb.Append(extra);
        if (body != null) sb.Append("Content-Type: application/sdp\r\n");
        sb.Append($"Content-Length: {Encoding.UTF8.GetByteCount(body ?? "")}\r\n\r\n{body}");
        return sb.ToString();
    }

    /// <summary>Sends a message and returns the responses the core queued.</summary>
    public List<SipMessage> Send(string message)
    {
        Core.HandleReceive(Now, Encoding.UTF8.GetBytes(message), Address, stream: false);
        var list = new List<SipMessage>();
        while (Core.TryPollTransmit(out var t))
        {
            Assert.True(SipParser.TryParse(t.Data, false, out var m, out var error), error);
            list.Add(m);
        }
        return list;
    }

    public static string Authorization(SipMessage challenge, string method, string uri, string password = TestSipApplication.Password)
    {
        var www = challenge.Get(SipHeaderNames.WwwAuthenticate)!;
        var nonce = www.Split("nonce=\"")[1].Split('"')[0];
        var ha1 = SipDigest.Ha1(TestSipApplication.User, TestSipApplication.Realm, password);
        var response = SipDigest.Response(ha1, nonce, "00000001", "abcdef", "auth", method, uri);
        return $"Digest username=\"{TestSipApplication.User}\", realm=\"{TestSipApplication.Realm}\", nonce=\"{nonce}\", uri=\"{uri}\", "
            + $"response=\"{response}\", algorithm=MD5, cnonce=\"abcdef\", qop=auth, nc=00000001";
    }

    /// <summary>INVITE, 401, INVITE with credentials, 200, ACK: returns the 200's To tag.</summary>
    public string Call(string callId, string room = "room1")
    {
        var uri = $"sip:{room}@127.0.0.1";
        var challenge = Send(Request("INVITE", uri, callId, 1, "ft", body: Offer, toUser: room)).Single();
        Assert.Equal(401, challenge.StatusCode);
        var ok = Send(Request("INVITE", uri, callId, 2, "ft", body: Offer, authorization: Authorization(challenge, "INVITE", uri), toUser: room)).Single();
        Assert.Equal(200, ok.StatusCode);
        SipNameAddress.TryParse(ok.Get("To"), out var to);
        Assert.Empty(Send(Request("ACK", uri, callId, 2, "ft", toTag: to!.Tag, toUser: room)));
        return to.Tag!;
    }
}
