using System.Text;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Stun;
using static MediaCore.Protocol.Tests.Ice.IceTestKit;

namespace MediaCore.Protocol.Tests.Ice;

/// <summary>
/// Connectivity checks captured from headless Chromium 156 (loopback-only network namespace) against an
/// ICE-lite answer with a=ice-ufrag:srvUfrag and a=ice-pwd:serverPassword0123456789; the browser's ufrag
/// was gAUa. Chromium first checks without USE-CANDIDATE, then, once answered, nominates (and keeps
/// USE-CANDIDATE on its later consent checks).
/// </summary>
public class ChromiumCheckTests
{
    private static readonly PeerAddress Chromium = Address("127.0.0.1", 54321);

    // First check: no nomination.
    private static readonly byte[] FirstCheck =
    [
        0x00, 0x01, 0x00, 0x50, // Binding request, message length 80
        0x21, 0x12, 0xa4, 0x42, // magic cookie
        0x5a, 0x38, 0x57, 0x73, // transaction ID
        0x55, 0x6d, 0x77, 0x6a,
        0x48, 0x68, 0x4b, 0x52,
        0x00, 0x06, 0x00, 0x0d, // USERNAME "srvUfrag:gAUa" (13 bytes + 3 padding)
        0x73, 0x72, 0x76, 0x55,
        0x66, 0x72, 0x61, 0x67,
        0x3a, 0x67, 0x41, 0x55,
        0x61, 0x00, 0x00, 0x00,
        0xc0, 0x57, 0x00, 0x04, // GOOG-NETWORK-INFO (network id 1, cost 50), comprehension-optional
        0x00, 0x01, 0x00, 0x32,
        0x80, 0x2a, 0x00, 0x08, // ICE-CONTROLLING tie-breaker
        0x21, 0x19, 0x5c, 0x65,
        0x32, 0xac, 0x9a, 0x70,
        0x00, 0x24, 0x00, 0x04, // PRIORITY 0x6e7f1eff (peer-reflexive, RFC 8445 §7.1.1)
        0x6e, 0x7f, 0x1e, 0xff,
        0x00, 0x08, 0x00, 0x14, // MESSAGE-INTEGRITY (key: serverPassword0123456789)
        0x9e, 0xfc, 0x27, 0x7f,
        0xd3, 0x56, 0x67, 0x3c,
        0x46, 0xd0, 0xe9, 0xa9,
        0xb3, 0x28, 0x01, 0x36,
        0x48, 0x04, 0xbb, 0x24,
        0x80, 0x28, 0x00, 0x04, // FINGERPRINT
        0xe1, 0x5a, 0xb8, 0x49,
    ];

    // Second check, after our success response: nominates.
    private static readonly byte[] NominatingCheck =
    [
        0x00, 0x01, 0x00, 0x54, // Binding request, message length 84
        0x21, 0x12, 0xa4, 0x42, // magic cookie
        0x7a, 0x47, 0x4a, 0x33, // transaction ID
        0x46, 0x75, 0x44, 0x33,
        0x59, 0x79, 0x32, 0x57,
        0x00, 0x06, 0x00, 0x0d, // USERNAME "srvUfrag:gAUa" (13 bytes + 3 padding)
        0x73, 0x72, 0x76, 0x55,
        0x66, 0x72, 0x61, 0x67,
        0x3a, 0x67, 0x41, 0x55,
        0x61, 0x00, 0x00, 0x00,
        0xc0, 0x57, 0x00, 0x04, // GOOG-NETWORK-INFO (network id 1, cost 50), comprehension-optional
        0x00, 0x01, 0x00, 0x32,
        0x80, 0x2a, 0x00, 0x08, // ICE-CONTROLLING tie-breaker
        0x21, 0x19, 0x5c, 0x65,
        0x32, 0xac, 0x9a, 0x70,
        0x00, 0x25, 0x00, 0x00, // USE-CANDIDATE
        0x00, 0x24, 0x00, 0x04, // PRIORITY 0x6e7f1eff (peer-reflexive, RFC 8445 §7.1.1)
        0x6e, 0x7f, 0x1e, 0xff,
        0x00, 0x08, 0x00, 0x14, // MESSAGE-INTEGRITY (key: serverPassword0123456789)
        0x34, 0x00, 0x53, 0x11,
        0x24, 0x12, 0xf9, 0x98,
        0x1b, 0x0d, 0x37, 0xae,
        0x57, 0x64, 0x61, 0xdf,
        0xac, 0x90, 0xf4, 0x76,
        0x80, 0x28, 0x00, 0x04, // FINGERPRINT
        0x27, 0x00, 0x1b, 0xf9,
    ];

    private static IceLiteAgent NewAgent()
    {
        var agent = new IceLiteAgent(0, Server);
        agent.SetRemoteCredentials("gAUa", "QKRLFHqQcbMSxVU42vRLIJA5");
        return agent;
    }

    [Fact]
    public void TryParse_ChromiumCheck_ReadsIceAttributesAndVerifies()
    {
        Assert.True(StunMessage.TryParse(NominatingCheck, out var m));
        Assert.True(m.IsBindingRequest);
        Assert.True(m.TryGetUsername(out var username));
        Assert.Equal("srvUfrag:gAUa", Encoding.UTF8.GetString(username));
        Assert.True(m.TryGetPriority(out uint priority));
        Assert.Equal(0x6e7f1effu, priority);
        Assert.True(m.TryGetIceControlling(out _));
        Assert.True(m.HasUseCandidate);
        using var key = StunIntegrityKey.ForShortTerm(Server.Password);
        Assert.True(m.VerifyMessageIntegrity(key));
        Assert.True(m.VerifyFingerprint());
    }

    [Fact]
    public void HandleReceive_ChromiumChecks_AnswersThenConnectsOnNomination()
    {
        using var agent = NewAgent();
        agent.HandleReceive(0, FirstCheck, Chromium);
        var first = Assert.Single(DrainTransmits(agent));
        Assert.True(StunMessage.TryParse(first.Data, out var response));
        Assert.Equal(StunClass.SuccessResponse, response.Class);
        Assert.Empty(DrainEvents(agent));

        agent.HandleReceive(MediaTime.FromMilliseconds(50), NominatingCheck, Chromium);
        Assert.Single(DrainTransmits(agent));
        Assert.Equal(new IceConnected(Chromium), Assert.Single(DrainEvents(agent)));
        Assert.Equal(Chromium, agent.SelectedAddress);
    }

    [Fact]
    public void TryGetLocalUfrag_ChromiumCheck_IsServerUfrag()
    {
        Assert.True(IceLiteAgent.TryGetLocalUfrag(FirstCheck, out ReadOnlySpan<byte> ufrag));
        Assert.Equal("srvUfrag", Encoding.UTF8.GetString(ufrag));
    }

    [Fact]
    public void HandleReceive_ChromiumCheckForAnotherSessionsPassword_Answers401()
    {
        using var agent = new IceLiteAgent(0, new IceCredentials("srvUfrag", "anotherPassword012345678"));
        agent.HandleReceive(0, NominatingCheck, Chromium);
        var sent = Assert.Single(DrainTransmits(agent));
        Assert.True(StunMessage.TryParse(sent.Data, out var response));
        Assert.True(response.TryGetErrorCode(out int code, out _));
        Assert.Equal(401, code);
        Assert.Empty(DrainEvents(agent));
    }
}
