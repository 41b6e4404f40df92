using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Stun;
using static MediaCore.Protocol.Tests.Ice.IceTestKit;

namespace MediaCore.Protocol.Tests.Ice;

public class IceLiteAgentTests
{
    private static IceLiteAgent NewAgent(IceLiteOptions? options = null)
    {
        var agent = new IceLiteAgent(0, Server, options);
        agent.SetRemoteCredentials(Browser.Ufrag, Browser.Password);
        return agent;
    }

    [Fact]
    public void HandleReceive_ValidCheck_AnswersSuccessToSourceWithMappedAddressIntegrityAndFingerprint()
    {
        using var agent = NewAgent();
        var tid = StunTransactionId.NewRandom();
        agent.HandleReceive(Seconds(1), Check(transactionId: tid), BrowserA);

        var sent = Assert.Single(DrainTransmits(agent));
        Assert.Equal(BrowserA, sent.To);
        Assert.True(StunMessage.TryParse(sent.Data, out var response));
        Assert.Equal(StunClass.SuccessResponse, response.Class);
        Assert.Equal(StunMethod.Binding, response.Method);
        Assert.Equal(tid, response.TransactionId);
        Assert.True(response.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(BrowserA, mapped);
        using var key = StunIntegrityKey.ForShortTerm(Server.Password);
        Assert.True(response.VerifyMessageIntegrity(key));
        Assert.True(response.VerifyFingerprint());
        Assert.Empty(DrainEvents(agent));
        Assert.Equal(IceConnectionState.Checking, agent.State);
        Assert.True(agent.IsValidatedAddress(BrowserA));
        Assert.False(agent.IsValidatedAddress(BrowserB));
    }

    [Fact]
    public void HandleReceive_IPv6Source_MappedAddressIsIPv6()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(), BrowserV6);
        var sent = Assert.Single(DrainTransmits(agent));
        Assert.True(StunMessage.TryParse(sent.Data, out var response));
        Assert.True(response.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(BrowserV6, mapped);
    }

    [Fact]
    public void HandleReceive_WrongPassword_Answers401WithoutIntegrityAndDoesNotSelect()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(useCandidate: true, password: "notTheServerPassword0000"), BrowserA);

        var sent = Assert.Single(DrainTransmits(agent));
        Assert.True(StunMessage.TryParse(sent.Data, out var response));
        Assert.Equal(StunClass.ErrorResponse, response.Class);
        Assert.True(response.TryGetErrorCode(out int code, out _));
        Assert.Equal(StunErrorCodes.Unauthorized, code);
        Assert.False(response.HasMessageIntegrity);
        Assert.True(response.VerifyFingerprint());
        Assert.Empty(DrainEvents(agent));
        Assert.True(agent.SelectedAddress.IsNone);
        Assert.False(agent.IsValidatedAddress(BrowserA));
    }

    [Fact]
    public void HandleReceive_WrongPasswordWithSilentOption_Drops()
    {
        using var agent = NewAgent(new IceLiteOptions { RespondToUnauthenticated = false });
        agent.HandleReceive(0, Check(password: "notTheServerPassword0000"), BrowserA);
        Assert.Empty(DrainTransmits(agent));
    }

    [Theory]
    [InlineData("other:brws")]
    [InlineData("srvUfrag:someoneElse")]
    [InlineData("srvUfrag")]
    [InlineData("srvUfragX:brws")]
    public void HandleReceive_WrongUsername_Answers401(string username)
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(username: username), BrowserA);
        var sent = Assert.Single(DrainTransmits(agent));
        Assert.True(StunMessage.TryParse(sent.Data, out var response));
        Assert.True(response.TryGetErrorCode(out int code, out _));
        Assert.Equal(401, code);
    }

    [Fact]
    public void HandleReceive_RemoteUfragNotYetKnown_AcceptsAnyRemotePart()
    {
        using var agent = new IceLiteAgent(0, Server);
        agent.HandleReceive(0, Check(username: "srvUfrag:whoever", useCandidate: true), BrowserA);
        Assert.IsType<IceConnected>(Assert.Single(DrainEvents(agent)));
    }

    [Fact]
    public void HandleReceive_NoIntegrity_Answers400()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(integrity: false), BrowserA);
        var sent = Assert.Single(DrainTransmits(agent));
        Assert.True(StunMessage.TryParse(sent.Data, out var response));
        Assert.True(response.TryGetErrorCode(out int code, out _));
        Assert.Equal(400, code);
    }

    [Fact]
    public void HandleReceive_NoFingerprint_DroppedSilently()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(fingerprint: false, useCandidate: true), BrowserA);
        Assert.Empty(DrainTransmits(agent));
        Assert.Empty(DrainEvents(agent));
    }

    [Fact]
    public void HandleReceive_CorruptedFingerprint_DroppedSilently()
    {
        using var agent = NewAgent();
        var check = Check(useCandidate: true);
        check[^1] ^= 0xFF;
        agent.HandleReceive(0, check, BrowserA);
        Assert.Empty(DrainTransmits(agent));
    }

    [Fact]
    public void HandleReceive_PeerAlsoControlled_Answers487RoleConflict()
    {
        // RFC 8445 §7.3.1.1: a lite agent stays controlled; a peer claiming ICE-CONTROLLED must switch.
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(controlled: true, useCandidate: true), BrowserA);
        var sent = Assert.Single(DrainTransmits(agent));
        Assert.True(StunMessage.TryParse(sent.Data, out var response));
        Assert.True(response.TryGetErrorCode(out int code, out _));
        Assert.Equal(StunErrorCodes.RoleConflict, code);
        using var key = StunIntegrityKey.ForShortTerm(Server.Password);
        Assert.True(response.VerifyMessageIntegrity(key));
        Assert.Empty(DrainEvents(agent));
    }

    [Fact]
    public void HandleReceive_UnknownComprehensionRequiredAttribute_Answers420ListingIt()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(extraAttribute: 0x7001), BrowserA);
        var sent = Assert.Single(DrainTransmits(agent));
        Assert.True(StunMessage.TryParse(sent.Data, out var response));
        Assert.True(response.TryGetErrorCode(out int code, out _));
        Assert.Equal(420, code);
        Assert.True(response.TryGetAttribute(StunAttributeType.UnknownAttributes, out var list));
        Assert.Equal(new byte[] { 0x70, 0x01 }, list.ToArray());
    }

    [Fact]
    public void HandleReceive_UnknownComprehensionOptionalAttribute_Answers200()
    {
        // Chromium adds GOOG-NETWORK-INFO (0xC057), which must simply be ignored.
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(extraAttribute: 0xC057), BrowserA);
        var sent = Assert.Single(DrainTransmits(agent));
        Assert.True(StunMessage.TryParse(sent.Data, out var response));
        Assert.Equal(StunClass.SuccessResponse, response.Class);
    }

    [Fact]
    public void HandleReceive_UseCandidate_SelectsSourceAndRaisesConnected()
    {
        using var agent = NewAgent();
        agent.HandleReceive(Seconds(1), Check(), BrowserA);
        Assert.Empty(DrainEvents(agent));
        agent.HandleReceive(Seconds(1.1), Check(useCandidate: true), BrowserA);

        Assert.Equal(new IceConnected(BrowserA), Assert.Single(DrainEvents(agent)));
        Assert.Equal(BrowserA, agent.SelectedAddress);
        Assert.Equal(IceConnectionState.Connected, agent.State);
        Assert.Equal(2, DrainTransmits(agent).Count(t => t.To == BrowserA));
    }

    [Fact]
    public void HandleReceive_NominationFromNewAddress_MovesPath()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(useCandidate: true), BrowserA);
        DrainEvents(agent);
        DrainTransmits(agent);

        // A plain check from elsewhere is answered but does not move the path.
        agent.HandleReceive(Seconds(2), Check(), BrowserB);
        Assert.Empty(DrainEvents(agent));
        Assert.Equal(BrowserA, agent.SelectedAddress);

        agent.HandleReceive(Seconds(3), Check(useCandidate: true), BrowserB);
        Assert.Equal(new IceSelectedPathChanged(BrowserA, BrowserB), Assert.Single(DrainEvents(agent)));
        Assert.Equal(BrowserB, agent.SelectedAddress);
        var sent = DrainTransmits(agent);
        Assert.Equal(2, sent.Count);
        Assert.All(sent, t => Assert.Equal(BrowserB, t.To));

        // Re-nominating the current path is not a change.
        agent.HandleReceive(Seconds(4), Check(useCandidate: true), BrowserB);
        Assert.Empty(DrainEvents(agent));
    }

    [Fact]
    public void HandleTimeout_NoChecksFor30Seconds_Disconnects()
    {
        using var agent = NewAgent();
        agent.HandleReceive(Seconds(1), Check(useCandidate: true), BrowserA);
        DrainEvents(agent);
        agent.HandleReceive(Seconds(6), Check(), BrowserA);
        Assert.Equal(Seconds(36), agent.PollTimeout());

        agent.HandleTimeout(Seconds(35.9));
        Assert.Empty(DrainEvents(agent));
        agent.HandleTimeout(agent.PollTimeout());

        Assert.Equal(new IceDisconnected(IceDisconnectReason.ConsentExpired), Assert.Single(DrainEvents(agent)));
        Assert.Equal(IceConnectionState.Disconnected, agent.State);
        Assert.Equal(MediaTime.Never, agent.PollTimeout());

        // Terminal: later checks are ignored.
        agent.HandleReceive(Seconds(40), Check(useCandidate: true), BrowserA);
        DrainTransmits(agent);
        Assert.Empty(DrainEvents(agent));
    }

    [Fact]
    public void HandleTimeout_ChecksOnlyFromOtherAddress_DoNotRefreshConsentOfSelectedPath()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(useCandidate: true), BrowserA);
        DrainEvents(agent);
        for (int s = 5; s <= 30; s += 5) agent.HandleReceive(Seconds(s), Check(), BrowserB);
        agent.HandleTimeout(Seconds(30));
        Assert.Equal(new IceDisconnected(IceDisconnectReason.ConsentExpired), Assert.Single(DrainEvents(agent)));
    }

    [Fact]
    public void HandleTimeout_RegularChecks_StayConnectedForAnHour()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, Check(useCandidate: true), BrowserA);
        DrainEvents(agent);
        for (long t = Seconds(5); t <= Seconds(3600); t += Seconds(5))
        {
            agent.HandleReceive(t, Check(), BrowserA);
            agent.HandleTimeout(t);
        }
        DrainTransmits(agent);
        Assert.Empty(DrainEvents(agent));
        Assert.Equal(IceConnectionState.Connected, agent.State);
    }

    [Fact]
    public void HandleTimeout_ConfiguredConsentTimeout_Honoured()
    {
        using var agent = NewAgent(new IceLiteOptions { ConsentTimeout = TimeSpan.FromSeconds(10) });
        agent.HandleReceive(0, Check(useCandidate: true), BrowserA);
        Assert.Equal(Seconds(10), agent.PollTimeout());
    }

    [Fact]
    public void HandleTimeout_NeverNominated_DisconnectsWithConnectTimeout()
    {
        using var agent = NewAgent();
        agent.HandleReceive(Seconds(1), Check(), BrowserA);
        Assert.Equal(Seconds(30), agent.PollTimeout());
        agent.HandleTimeout(Seconds(30));
        Assert.Equal(new IceDisconnected(IceDisconnectReason.ConnectTimeout), Assert.Single(DrainEvents(agent)));
    }

    [Fact]
    public void Close_RaisesClosedOnce()
    {
        using var agent = NewAgent();
        agent.Close();
        agent.Close();
        Assert.Equal(new IceDisconnected(IceDisconnectReason.Closed), Assert.Single(DrainEvents(agent)));
    }

    [Fact]
    public void HandleReceive_NonStunOrResponse_Ignored()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, [0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], BrowserA);
        var buf = new byte[64];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.Indication, StunTransactionId.NewRandom());
        w.AddFingerprint();
        agent.HandleReceive(0, buf.AsSpan(0, w.Length), BrowserA);
        Assert.Empty(DrainTransmits(agent));
    }

    [Fact]
    public void TryGetLocalUfrag_BindingRequest_ReturnsLeftPartOfUsername()
    {
        var check = Check(password: "anything-at-all-not-verified");
        Assert.True(IceLiteAgent.TryGetLocalUfrag(check, out ReadOnlySpan<byte> utf8));
        Assert.Equal(Server.Ufrag, Encoding.UTF8.GetString(utf8));

        Span<char> chars = stackalloc char[256];
        Assert.True(IceLiteAgent.TryGetLocalUfrag(check, chars, out int n));
        Assert.Equal(Server.Ufrag, chars[..n].ToString());
    }

    [Theory]
    [InlineData("nocolon")]
    [InlineData(":leadingcolon")]
    public void TryGetLocalUfrag_BadUsername_False(string username)
        => Assert.False(IceLiteAgent.TryGetLocalUfrag(Check(username: username), out ReadOnlySpan<byte> _));

    [Fact]
    public void TryGetLocalUfrag_NotARequest_False()
    {
        Assert.False(IceLiteAgent.TryGetLocalUfrag([0x80, 0x60, 0, 1], out ReadOnlySpan<byte> _));
        var buf = new byte[64];
        var w = new StunMessageWriter(buf, StunMethod.Binding, StunClass.SuccessResponse, StunTransactionId.NewRandom());
        w.AddUsername("a:b");
        Assert.False(IceLiteAgent.TryGetLocalUfrag(buf.AsSpan(0, w.Length), out ReadOnlySpan<byte> _));
    }
}
