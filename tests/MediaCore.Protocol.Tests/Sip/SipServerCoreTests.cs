using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sip;

namespace MediaCore.Protocol.Tests.Sip;

/// <summary>The UAS core against RFC 3261 flows, without sockets or clocks.</summary>
public class SipServerCoreTests
{
    [Fact]
    public void Register_WithDigest_ChallengedThenAccepted()
    {
        var t = new SipTestTerminal();
        const string uri = "sip:127.0.0.1";
        var challenge = t.Send(t.Request("REGISTER", uri, "reg1", 1, "a", toUser: TestSipApplication.User)).Single();
        Assert.Equal(401, challenge.StatusCode);
        Assert.Contains("Digest realm=\"mediacore\"", challenge.Get("WWW-Authenticate"), StringComparison.Ordinal);
        var ok = t.Send(t.Request("REGISTER", uri, "reg1", 2, "a", authorization: SipTestTerminal.Authorization(challenge, "REGISTER", uri),
            toUser: TestSipApplication.User, extra: "Expires: 300\r\n")).Single();
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("<sip:t@127.0.0.1:5099>;expires=300", ok.Get("Contact"));
        Assert.Single(t.Core.RegisteredContacts(TestSipApplication.User, t.Now));
    }

    [Fact]
    public void Register_WrongPassword_Forbidden()
    {
        var t = new SipTestTerminal();
        const string uri = "sip:127.0.0.1";
        var challenge = t.Send(t.Request("REGISTER", uri, "reg2", 1, "a", toUser: TestSipApplication.User)).Single();
        var answer = t.Send(t.Request("REGISTER", uri, "reg2", 2, "a", authorization: SipTestTerminal.Authorization(challenge, "REGISTER", uri, "nope"),
            toUser: TestSipApplication.User)).Single();
        Assert.Equal(403, answer.StatusCode);
        Assert.Empty(t.Core.RegisteredContacts(TestSipApplication.User, t.Now));
    }

    [Fact]
    public void Register_DisabledAccount_403WithReasonOnlyAfterRightPassword()
    {
        var t = new SipTestTerminal();
        t.App.Refusal = (403, "Terminal disabled in the ControlPlane");
        const string uri = "sip:127.0.0.1";
        var challenge = t.Send(t.Request("REGISTER", uri, "reg3", 1, "a", toUser: TestSipApplication.User)).Single();
        var wrong = t.Send(t.Request("REGISTER", uri, "reg3", 2, "a", authorization: SipTestTerminal.Authorization(challenge, "REGISTER", uri, "nope"),
            toUser: TestSipApplication.User)).Single();
        Assert.Equal((403, "Wrong username or password"), (wrong.StatusCode, wrong.ReasonPhrase));
        var refused = t.Send(t.Request("REGISTER", uri, "reg3", 3, "a", authorization: SipTestTerminal.Authorization(challenge, "REGISTER", uri),
            toUser: TestSipApplication.User)).Single();
        Assert.Equal((403, "Terminal disabled in the ControlPlane"), (refused.StatusCode, refused.ReasonPhrase));
        Assert.Empty(t.Core.RegisteredContacts(TestSipApplication.User, t.Now));
        Assert.Equal($"refused REGISTER {TestSipApplication.User} 403 Terminal disabled in the ControlPlane", t.App.Events[^1]);
    }

    [Fact]
    public void Invite_AccountNotCheckable_503RetryAfterAndNoCall()
    {
        var t = new SipTestTerminal();
        t.App.Refusal = (503, "Terminal not checked yet (ControlPlane unreachable)");
        const string uri = "sip:room1@127.0.0.1";
        var challenge = t.Send(t.Request("INVITE", uri, "c503", 1, "ft", body: SipTestTerminal.Offer)).Single();
        Assert.Equal(401, challenge.StatusCode);
        var answer = t.Send(t.Request("INVITE", uri, "c503", 2, "ft", body: SipTestTerminal.Offer, authorization: SipTestTerminal.Authorization(challenge, "INVITE", uri))).Single();
        Assert.Equal(503, answer.StatusCode);
        Assert.Equal("30", answer.Get("Retry-After"));
        Assert.Empty(t.Core.Calls);
        Assert.DoesNotContain(t.App.Events, e => e.StartsWith("invite", StringComparison.Ordinal));
    }

    [Fact]
    public void Invite_AckBye_CallEstablishedAndEnded()
    {
        var t = new SipTestTerminal();
        var tag = t.Call("call1");
        Assert.Equal(SipCallState.Confirmed, t.Core.Calls.Single().State);
        var ok = t.Send(t.Request("BYE", "sip:room1@127.0.0.1", "call1", 3, "ft", toTag: tag)).Single();
        Assert.Equal(200, ok.StatusCode);
        Assert.Empty(t.Core.Calls);
        Assert.Equal(["invite room1", "ended BYE"], t.App.Events);
    }

    [Fact]
    public void Invite_NoAck_OkRetransmittedThenByeAfter64T1()
    {
        var t = new SipTestTerminal();
        const string uri = "sip:room1@127.0.0.1";
        var challenge = t.Send(t.Request("INVITE", uri, "c2", 1, "ft", body: SipTestTerminal.Offer)).Single();
        Assert.Equal(200, t.Send(t.Request("INVITE", uri, "c2", 2, "ft", body: SipTestTerminal.Offer, authorization: SipTestTerminal.Authorization(challenge, "INVITE", uri))).Single().StatusCode);
        int okRetransmits = 0;
        var byes = new HashSet<string>();
        for (int ms = 0; ms <= 33_000; ms += 100)
        {
            t.Now += TimeSpan.TicksPerMillisecond * 100;
            if (t.Now >= t.Core.PollTimeout()) t.Core.HandleTimeout(t.Now);
            while (t.Core.TryPollTransmit(out var x))
            {
                var text = Encoding.UTF8.GetString(x.Data);
                if (text.StartsWith("SIP/2.0 200", StringComparison.Ordinal)) okRetransmits++;
                if (text.StartsWith("BYE ", StringComparison.Ordinal)) byes.Add(text.Split("branch=")[1].Split("\r\n")[0]);
            }
        }
        // §13.3.1.4: T1, 2T1, 4T1, then every T2 until 64*T1 (about 10 retransmissions), then one BYE transaction.
        Assert.InRange(okRetransmits, 7, 11);
        Assert.Single(byes);
        Assert.Contains("ended no ACK", t.App.Events);
    }

    [Fact]
    public void Cancel_PendingInvite_487AndEnded()
    {
        var t = new SipTestTerminal();
        t.App.AnswerLater = true;
        const string uri = "sip:room1@127.0.0.1";
        var challenge = t.Send(t.Request("INVITE", uri, "c3", 1, "ft", body: SipTestTerminal.Offer)).Single();
        var trying = t.Send(t.Request("INVITE", uri, "c3", 2, "ft", body: SipTestTerminal.Offer, branch: "z9hG4bKpending",
            authorization: SipTestTerminal.Authorization(challenge, "INVITE", uri))).Single();
        Assert.Equal(100, trying.StatusCode);
        var answers = t.Send(t.Request("CANCEL", uri, "c3", 2, "ft", branch: "z9hG4bKpending"));
        Assert.Equal([200, 487], answers.Select(a => a.StatusCode));
        Assert.Equal("CANCEL", answers[0].Get("CSeq")!.Split(' ')[1]);
        Assert.Equal("INVITE", answers[1].Get("CSeq")!.Split(' ')[1]);
        Assert.Contains("ended cancelled", t.App.Events);
    }

    [Fact]
    public void Reinvite_SendonlyThenSendrecv_HoldAndResume()
    {
        var t = new SipTestTerminal();
        var tag = t.Call("c4");
        const string uri = "sip:room1@127.0.0.1";
        var hold = t.Send(t.Request("INVITE", uri, "c4", 3, "ft", toTag: tag, body: SipTestTerminal.Offer + "a=sendonly\r\n")).Single();
        Assert.Equal(200, hold.StatusCode);
        t.Send(t.Request("ACK", uri, "c4", 3, "ft", toTag: tag));
        var resume = t.Send(t.Request("INVITE", uri, "c4", 4, "ft", toTag: tag, body: SipTestTerminal.Offer)).Single();
        Assert.Equal(200, resume.StatusCode);
        Assert.Equal(["invite room1", "hold", "resume"], t.App.Events);
    }

    [Fact]
    public void Options_OutOfDialog_AnsweredWithoutAuthentication()
    {
        var t = new SipTestTerminal();
        var ok = t.Send(t.Request("OPTIONS", "sip:127.0.0.1", "o1", 1, "x")).Single();
        Assert.Equal(200, ok.StatusCode);
        Assert.Contains("INVITE", ok.Get("Allow"), StringComparison.Ordinal);
    }

    [Fact]
    public void Retransmission_SameBranch_GetsTheSameResponse()
    {
        var t = new SipTestTerminal();
        var request = t.Request("OPTIONS", "sip:127.0.0.1", "o2", 1, "x", branch: "z9hG4bKsame");
        var first = t.Send(request).Single();
        var second = t.Send(request).Single();
        Assert.Equal(first.Get("To"), second.Get("To"));
    }

    [Theory]
    [InlineData("SUBSCRIBE", 405)]
    [InlineData("frob", 501)]
    public void UnknownMethods_Refused(string method, int status)
    {
        var t = new SipTestTerminal();
        Assert.Equal(status, t.Send(t.Request(method, "sip:127.0.0.1", "m1", 1, "x")).Single().StatusCode);
    }

    [Fact]
    public void Bye_UnknownDialog_481()
    {
        var t = new SipTestTerminal();
        Assert.Equal(481, t.Send(t.Request("BYE", "sip:room1@127.0.0.1", "nope", 1, "x", toTag: "zz")).Single().StatusCode);
    }

    [Fact]
    public void Invite_BadRequests_Get4xx()
    {
        var t = new SipTestTerminal();
        Assert.Equal(416, t.Send(t.Request("INVITE", "tel:+123", "b1", 1, "x", body: SipTestTerminal.Offer)).Single().StatusCode);
        Assert.Equal(420, t.Send(t.Request("INVITE", "sip:room1@h", "b2", 1, "x", body: SipTestTerminal.Offer, extra: "Require: 100rel\r\n")).Single().StatusCode);
        Assert.Equal(483, t.Send(t.Request("OPTIONS", "sip:h", "b3", 1, "x").Replace("Max-Forwards: 70", "Max-Forwards: 0", StringComparison.Ordinal)).Single().StatusCode);
        var noCseq = t.Request("OPTIONS", "sip:h", "b4", 1, "x").Replace("CSeq: 1 OPTIONS\r\n", "", StringComparison.Ordinal);
        Assert.Equal(400, t.Send(noCseq).Single().StatusCode);
        var garbage = "INVITE sip:room1@h SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: g\r\nCSeq: 1 INVITE\r\nContent-Length: 999\r\n\r\nshort";
        Assert.Equal(400, t.Send(garbage).Single().StatusCode);
    }

    [Fact]
    public void Info_DtmfRelay_ReportsDigit()
    {
        var t = new SipTestTerminal();
        var tag = t.Call("d1");
        var info = t.Request("INFO", "sip:room1@127.0.0.1", "d1", 3, "ft", toTag: tag)
            .Replace("Content-Length: 0\r\n\r\n", "Content-Type: application/dtmf-relay\r\nContent-Length: 24\r\n\r\nSignal=*\r\nDuration=160\r\n", StringComparison.Ordinal);
        Assert.Equal(200, t.Send(info).Single().StatusCode);
        Assert.Contains("dtmf *", t.App.Events);
    }

    [Fact]
    public void Framing_StreamWithKeepAliveAndTwoMessages_Split()
    {
        var one = "OPTIONS sip:h SIP/2.0\r\nContent-Length: 2\r\n\r\nab"u8.ToArray();
        var stream = "\r\n\r\n"u8.ToArray().Concat(one).Concat(one).ToArray();
        Assert.Equal(SipFrameKind.KeepAlivePing, SipFraming.TryFrame(stream, out int n));
        Assert.Equal(4, n);
        Assert.Equal(SipFrameKind.Message, SipFraming.TryFrame(stream.AsSpan(4), out n));
        Assert.Equal(one.Length, n);
        Assert.Equal(SipFrameKind.NeedMore, SipFraming.TryFrame(stream.AsSpan(4 + one.Length, one.Length - 1), out _));
        Assert.Equal(SipFrameKind.Invalid, SipFraming.TryFrame("OPTIONS sip:h SIP/2.0\r\n\r\n"u8, out _));
    }

    [Fact]
    public void Parser_CompactFoldedHeaders_Canonical()
    {
        var text = "OPTIONS sip:h SIP/2.0\r\nv: SIP/2.0/UDP a;branch=z9hG4bK1\r\nf: <sip:x@y>\r\n ;tag=9\r\nt: <sip:h>\r\ni: id1\r\nCSeq: 7 OPTIONS\r\nl: 0\r\n\r\n";
        Assert.True(SipParser.TryParse(Encoding.UTF8.GetBytes(text), false, out var m, out var error), error);
        Assert.Equal("id1", m.CallId);
        Assert.Equal("<sip:x@y> ;tag=9", m.Get("From"));
        Assert.True(SipNameAddress.TryParse(m.Get("From"), out var from));
        Assert.Equal("9", from!.Tag);
        Assert.True(m.TryGetCSeq(out uint n, out var method));
        Assert.Equal((7u, "OPTIONS"), (n, method));
    }

    [Fact]
    public void Hangup_Udp_ByeRetransmittedWithTimerEUntilFinalResponse()
    {
        var t = new SipTestTerminal();
        t.Call("c9");
        var call = t.Core.Calls.Single();
        t.Core.Hangup(t.Now, call, "room closed");
        Assert.True(t.Core.TryPollTransmit(out var first));
        var bye = Parse(first.Data);
        Assert.Equal("BYE", bye.Method);
        Assert.Equal(1, t.Core.PendingClientTransactions);

        // §17.1.2.2: retransmitted at T1, then 2*T1 later (500 ms, 1500 ms after the first send).
        var sent = new List<long>();
        long start = t.Now;
        for (int ms = 0; ms < 2000; ms += 10) Tick(t, 10, sent);
        Assert.Equal(new[] { 500L, 1500L }, sent.Select(at => (at - start) / TimeSpan.TicksPerMillisecond));

        // A provisional response moves it to Proceeding (retransmit every T2); the 200 completes it.
        var trying = Response(bye, "100 Trying");
        t.Core.HandleReceive(t.Now, Encoding.UTF8.GetBytes(trying), SipTestTerminal.Address, stream: false);
        Assert.Equal(1, t.Core.PendingClientTransactions);
        t.Core.HandleReceive(t.Now, Encoding.UTF8.GetBytes(Response(bye, "200 OK")), SipTestTerminal.Address, stream: false);
        Assert.Equal(0, t.Core.PendingClientTransactions);
        sent.Clear();
        for (int ms = 0; ms < 10_000; ms += 100) Tick(t, 100, sent);
        Assert.Empty(sent);
    }

    [Fact]
    public void Hangup_Udp_NoResponse_ByeAbandonedAfterTimerF()
    {
        var t = new SipTestTerminal();
        t.Call("c10");
        t.Core.Hangup(t.Now, t.Core.Calls.Single(), "room closed");
        Assert.True(t.Core.TryPollTransmit(out _));
        var sent = new List<long>();
        for (int ms = 0; ms < 40_000; ms += 100) Tick(t, 100, sent);
        // Timer E: 0.5, 1.5, 3.5, 7.5, then every T2 (4 s) until Timer F at 64*T1 = 32 s.
        Assert.Equal(10, sent.Count);
        Assert.Equal(0, t.Core.PendingClientTransactions);
        Assert.Contains("ended room closed", t.App.Events);
    }

    private static void Tick(SipTestTerminal t, int ms, List<long> sent)
    {
        t.Now += TimeSpan.TicksPerMillisecond * ms;
        if (t.Now >= t.Core.PollTimeout()) t.Core.HandleTimeout(t.Now);
        while (t.Core.TryPollTransmit(out var x))
        {
            // Responses (the unacknowledged 401 of the first INVITE is retransmitted too) are not ours to count.
            if (Parse(x.Data).Method == "BYE") sent.Add(t.Now);
        }
    }

    private static SipMessage Parse(byte[] data)
    {
        Assert.True(SipParser.TryParse(data, false, out var m, out var error), error);
        return m;
    }

    private static string Response(SipMessage request, string status) =>
        $"SIP/2.0 {status}\r\nVia: {request.Get("Via")}\r\nFrom: {request.Get("From")}\r\nTo: {request.Get("To")}\r\n"
        + $"Call-ID: {request.CallId}\r\nCSeq: {request.Get("CSeq")}\r\nContent-Length: 0\r\n\r\n";

    [Fact]
    public void Invite_RetransmittedAfter200_OkResentNoSecondCall()
    {
        var t = new SipTestTerminal();
        const string uri = "sip:room1@127.0.0.1";
        var challenge = t.Send(t.Request("INVITE", uri, "c11", 1, "ft", body: SipTestTerminal.Offer)).Single();
        var invite = t.Request("INVITE", uri, "c11", 2, "ft", body: SipTestTerminal.Offer, authorization: SipTestTerminal.Authorization(challenge, "INVITE", uri),
            branch: "z9hG4bKsame");
        var ok = t.Send(invite).Single();
        Assert.Equal(200, ok.StatusCode);
        // The terminal did not see the 200 in time and sends the same INVITE again (sipp retransmits every 500 ms).
        var again = t.Send(invite).Single();
        Assert.Equal(200, again.StatusCode);
        Assert.Equal(ok.Get("To"), again.Get("To"));
        Assert.Single(t.Core.Calls);
    }
}
