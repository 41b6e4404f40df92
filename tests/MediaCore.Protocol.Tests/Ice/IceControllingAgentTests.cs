using MediaCore.Protocol.Core;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Stun;
using static MediaCore.Protocol.Tests.Ice.IceTestKit;

namespace MediaCore.Protocol.Tests.Ice;

public class IceControllingAgentTests
{
    private static readonly PeerAddress ServerAddress = Address("203.0.113.1", 3478);

    private static VirtualLink NewLink(int seed, double loss, IceLiteAgent? server = null)
    {
        var client = new IceControllingAgent(0, Browser, Server, ServerAddress, new IceControllingOptions { RandomSeed = seed });
        server ??= new IceLiteAgent(0, Server);
        server.SetRemoteCredentials(Browser.Ufrag, Browser.Password);
        return new VirtualLink(seed, client, BrowserA, server, ServerAddress) { LossRate = loss };
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Run_LossyLink_BothConnectAndKeepConsentForTenMinutes(int seed)
    {
        var link = NewLink(seed, loss: 0.2);
        link.RunUntil(Seconds(600));

        var (clientAt, clientEvent) = Assert.Single(link.ClientEvents);
        Assert.Equal(new IceConnected(ServerAddress), clientEvent);
        var (serverAt, serverEvent) = Assert.Single(link.ServerEvents);
        Assert.Equal(new IceConnected(BrowserA), serverEvent);
        Assert.True(serverAt <= clientAt);
        Assert.True(clientAt < Seconds(16), $"connected at {MediaTime.ToMilliseconds(clientAt)} ms");
        Assert.Equal(IceConnectionState.Connected, link.Client.State);
        Assert.Equal(IceConnectionState.Connected, link.Server.State);
        Assert.Equal(BrowserA, link.Client.MappedAddress);
        Assert.Equal(BrowserA, link.Server.SelectedAddress);
        Assert.True(link.Dropped > 0);
    }

    [Fact]
    public void Run_CleanLink_ConnectsInOneRoundTrip()
    {
        var link = NewLink(seed: 42, loss: 0);
        link.RunUntil(Seconds(1));
        var (at, e) = Assert.Single(link.ClientEvents);
        Assert.IsType<IceConnected>(e);
        Assert.True(at <= MediaTime.FromMilliseconds(120));
    }

    [Fact]
    public void Run_ConsentChecks_AreSentEveryFourToSixSeconds()
    {
        var link = NewLink(seed: 9, loss: 0);
        link.RunUntil(Seconds(1));
        int sentAfterConnect = link.Sent;
        link.RunUntil(Seconds(61));
        // Each consent check is one request and one response; 60 s / 4..6 s is 10..15 checks.
        int checks = (link.Sent - sentAfterConnect) / 2;
        Assert.InRange(checks, 10, 15);
    }

    [Fact]
    public void Run_LinkCut_BothSidesLoseConsentAfterThirtySeconds()
    {
        var link = NewLink(seed: 3, loss: 0);
        link.RunUntil(Seconds(20));
        link.LossRate = 1.0;
        link.RunUntil(Seconds(120));

        var clientLost = link.ClientEvents[^1];
        var serverLost = link.ServerEvents[^1];
        Assert.Equal(new IceDisconnected(IceDisconnectReason.ConsentExpired), clientLost.Event);
        Assert.Equal(new IceDisconnected(IceDisconnectReason.ConsentExpired), serverLost.Event);
        // Last success was before the cut at 20 s, within one consent interval (<= 6 s) of it.
        Assert.InRange(clientLost.At, Seconds(44), Seconds(50));
        Assert.InRange(serverLost.At, Seconds(44), Seconds(50));
        Assert.Equal(MediaTime.Never, link.Client.PollTimeout());
    }

    [Fact]
    public void Run_ClientMovesToNewAddress_LiteAgentStaysOnNominatedPath()
    {
        // Without a new nomination a lite agent keeps the nominated address (consent checks carry no
        // USE-CANDIDATE), so after a NAT rebinding the old path's consent runs out.
        var link = NewLink(seed: 5, loss: 0);
        link.RunUntil(Seconds(10));
        link.ClientAddress = BrowserB;
        link.RunUntil(Seconds(60));
        Assert.Equal(BrowserA, link.Server.SelectedAddress);
        Assert.Equal(new IceDisconnected(IceDisconnectReason.ConsentExpired), link.ServerEvents[^1].Event);
    }

    [Fact]
    public void HandleTimeout_NoAnswers_RetransmitsWithDoublingRtoThenTimesOut()
    {
        using var client = new IceControllingAgent(0, Browser, Server, ServerAddress);
        var sendTimes = new List<long>();
        IceEvent? last = null;
        long now = 0;
        while (now != MediaTime.Never && now <= Seconds(60))
        {
            client.HandleTimeout(now);
            while (client.TryPollTransmit(out var t)) { sendTimes.Add(now); t.Return(); }
            while (client.TryPollEvent(out var e)) last = e;
            now = client.PollTimeout();
        }
        // RFC 8489 §6.2.1 with RTO = 500 ms: 0, 0.5, 1.5, 3.5, 7.5, 15.5 s; the 7th (31.5 s) is past the 30 s connect timeout.
        Assert.Equal(new[] { 0, 0.5, 1.5, 3.5, 7.5, 15.5 }.Select(Seconds), sendTimes);
        Assert.Equal(new IceDisconnected(IceDisconnectReason.ConnectTimeout), last);
    }

    [Fact]
    public void HandleTimeout_FirstCheck_CarriesNominationControllingPriorityAndRemoteLocalUsername()
    {
        using var client = new IceControllingAgent(0, Browser, Server, ServerAddress, new IceControllingOptions { Priority = 1234 });
        client.HandleTimeout(0);
        Assert.True(client.TryPollTransmit(out var t));
        Assert.Equal(ServerAddress, t.Destination);
        Assert.True(StunMessage.TryParse(t.Payload, out var m));
        Assert.True(m.IsBindingRequest);
        Assert.True(m.HasUseCandidate);
        Assert.True(m.TryGetIceControlling(out _));
        Assert.True(m.TryGetPriority(out uint priority));
        Assert.Equal(1234u, priority);
        Assert.True(m.TryGetUsername(out var username));
        Assert.Equal("srvUfrag:brws", System.Text.Encoding.UTF8.GetString(username));
        using var key = StunIntegrityKey.ForShortTerm(Server.Password);
        Assert.True(m.VerifyMessageIntegrity(key));
        Assert.True(m.VerifyFingerprint());
        t.Return();
    }

    [Fact]
    public void HandleReceive_ResponseSignedWithWrongPassword_Ignored()
    {
        // An off-path forger that learned the transaction ID but not the server's password.
        using var client = new IceControllingAgent(0, Browser, Server, ServerAddress);
        client.HandleTimeout(0);
        Assert.True(client.TryPollTransmit(out var t));
        Assert.True(StunMessage.TryParse(t.Payload, out var request));
        var buf = new byte[StunMessageWriter.RecommendedBufferSize];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.SuccessResponse, request.TransactionId);
        w.AddXorMappedAddress(BrowserA);
        using (var wrongKey = StunIntegrityKey.ForShortTerm("someOtherPassword0123456")) w.AddMessageIntegrity(wrongKey);
        w.AddFingerprint();
        t.Return();

        client.HandleReceive(Seconds(0.1), buf.AsSpan(0, w.Length), ServerAddress);
        Assert.False(client.TryPollEvent(out _));
        Assert.Equal(IceConnectionState.Checking, client.State);
    }

    [Fact]
    public void HandleReceive_ValidResponseFromOtherAddress_Ignored()
    {
        using var client = new IceControllingAgent(0, Browser, Server, ServerAddress);
        using var server = new IceLiteAgent(0, Server);
        client.HandleTimeout(0);
        Assert.True(client.TryPollTransmit(out var t));
        server.HandleReceive(0, t.Payload, BrowserA);
        t.Return();
        Assert.True(server.TryPollTransmit(out var response));

        client.HandleReceive(Seconds(0.1), response.Payload, Address("203.0.113.99", 3478));
        Assert.Equal(IceConnectionState.Checking, client.State);
        client.HandleReceive(Seconds(0.1), response.Payload, ServerAddress);
        Assert.Equal(IceConnectionState.Connected, client.State);
        Assert.Equal(ServerAddress, client.SelectedAddress);
        response.Return();
    }

    [Fact]
    public void HandleReceive_CheckFromFullAgentPeer_Answered()
    {
        using var client = new IceControllingAgent(0, Browser, Server, ServerAddress);
        // The peer's check: USERNAME "<our ufrag>:<their ufrag>", signed with our password, controlled role.
        var buf = new byte[StunMessageWriter.RecommendedBufferSize];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Request, StunTransactionId.NewRandom());
        w.AddUsername($"{Browser.Ufrag}:{Server.Ufrag}");
        w.AddIceControlled(1);
        using (var key = StunIntegrityKey.ForShortTerm(Browser.Password)) w.AddMessageIntegrity(key);
        w.AddFingerprint();

        client.HandleReceive(0, buf.AsSpan(0, w.Length), ServerAddress);
        Assert.True(client.TryPollTransmit(out var t));
        Assert.True(StunMessage.TryParse(t.Payload, out var m));
        Assert.Equal(StunClass.SuccessResponse, m.Class);
        t.Return();
    }

    [Fact]
    public void Run_WrongServerPassword_Gets401PacesRetriesAndTimesOut()
    {
        var client = new IceControllingAgent(0, Browser, new IceCredentials(Server.Ufrag, "wrongPasswordXXXXXXXXXXX"), ServerAddress);
        var server = new IceLiteAgent(0, Server);
        var link = new VirtualLink(1, client, BrowserA, server, ServerAddress);
        link.RunUntil(Seconds(40));

        // Each 401 ends a transaction and the next waits one RTO (500 ms): about 2 checks a second, not 20.
        Assert.InRange(link.Sent, 40, 140);
        Assert.Equal(new IceDisconnected(IceDisconnectReason.ConnectTimeout), Assert.Single(link.ClientEvents).Event);
        Assert.Equal(new IceDisconnected(IceDisconnectReason.ConnectTimeout), Assert.Single(link.ServerEvents).Event);
    }

    [Fact]
    public void HandleReceive_PeerControllingWithLowerTieBreaker_Answers487()
    {
        using var client = new IceControllingAgent(0, Browser, Server, ServerAddress);
        var buf = new byte[StunMessageWriter.RecommendedBufferSize];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Request, StunTransactionId.NewRandom());
        w.AddUsername($"{Browser.Ufrag}:{Server.Ufrag}");
        w.AddIceControlling(0); // never above ours: 487 (RFC 8445 §7.3.1.1)
        using (var key = StunIntegrityKey.ForShortTerm(Browser.Password)) w.AddMessageIntegrity(key);
        w.AddFingerprint();

        client.HandleReceive(0, buf.AsSpan(0, w.Length), ServerAddress);
        Assert.True(client.TryPollTransmit(out var t));
        Assert.True(StunMessage.TryParse(t.Payload, out var m));
        Assert.True(m.TryGetErrorCode(out int code, out _));
        Assert.Equal(StunErrorCodes.RoleConflict, code);
        t.Return();
    }
}
