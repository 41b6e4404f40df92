using MediaCore.Protocol.Srtp;
using static MediaCore.Protocol.Tests.Srtp.SrtpTestPackets;

namespace MediaCore.Protocol.Tests.Srtp;

public class SrtpSessionTests
{
    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1_80, 60)]
    [InlineData(SrtpProfile.Aes128CmHmacSha1_32, 60)]
    [InlineData(SrtpProfile.AeadAes128Gcm, 56)]
    [InlineData(SrtpProfile.AeadAes256Gcm, 88)]
    public void KeyingMaterialLength_PerProfile_IsTwoKeysAndTwoSalts(SrtpProfile profile, int expected) =>
        Assert.Equal(expected, SrtpSession.KeyingMaterialLength(profile));

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void FromKeyingMaterial_ClientAndServer_TalkBothWays(SrtpProfile profile)
    {
        var material = new byte[SrtpSession.KeyingMaterialLength(profile)];
        new Random(5764).NextBytes(material);
        using var client = SrtpSession.FromKeyingMaterial(profile, material, isDtlsClient: true);
        using var server = SrtpSession.FromKeyingMaterial(profile, material, isDtlsClient: false);

        var rtp = MakeRtp(42, 0xABCDEF01, 300);
        var output = new byte[400];
        Assert.Equal(SrtpResult.Ok, server.Inbound.UnprotectRtp(Protect(client.Outbound, rtp), output, out int n));
        Assert.Equal(rtp, output[..n]);
        Assert.Equal(SrtpResult.Ok, client.Inbound.UnprotectRtp(Protect(server.Outbound, rtp), output, out n));
        Assert.Equal(rtp, output[..n]);

        var rtcp = MakeRtcp(0xABCDEF01);
        Assert.Equal(SrtpResult.Ok, server.Inbound.UnprotectRtcp(ProtectRtcp(client.Outbound, rtcp), output, out n));
        Assert.Equal(rtcp, output[..n]);

        // A packet looped back to its own sender's session does not authenticate (different keys per direction).
        Assert.Equal(SrtpResult.AuthenticationFailed, client.Inbound.UnprotectRtp(Protect(client.Outbound, MakeRtp(43, 1, 10)), output, out _));
    }

    [Fact]
    public void FromKeyingMaterial_Rfc5764Layout_ClientKeyThenServerKeyThenClientSaltThenServerSalt()
    {
        // RFC 5764 §4.2: client_write_key | server_write_key | client_write_salt | server_write_salt.
        var material = new byte[60];
        new Random(42).NextBytes(material);
        using var session = SrtpSession.FromKeyingMaterial(SrtpProfile.Aes128CmHmacSha1_80, material, isDtlsClient: true);
        using var clientWrite = new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, material.AsSpan(0, 16), material.AsSpan(32, 14));
        using var serverWrite = new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, material.AsSpan(16, 16), material.AsSpan(46, 14));

        var rtp = MakeRtp(9, 77, 50);
        Assert.Equal(Protect(clientWrite, rtp), Protect(session.Outbound, rtp));
        Assert.Equal(SrtpResult.Ok, session.Inbound.UnprotectRtp(Protect(serverWrite, rtp), new byte[100], out _));
    }

    [Fact]
    public void FromKeyingMaterial_WrongLength_Throws() =>
        Assert.Throws<ArgumentException>(() => SrtpSession.FromKeyingMaterial(SrtpProfile.AeadAes128Gcm, new byte[60], true));

    [Fact]
    public void FromKeyingMaterial_UnknownProfile_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SrtpSession.FromKeyingMaterial((SrtpProfile)0x0005, new byte[60], true));
}
