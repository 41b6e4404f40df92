using MediaCore.Protocol.Dtls;

namespace MediaCore.Protocol.Tests.Dtls;

public sealed class DtlsSrtpKeysTests
{
    // RFC 5764 §4.2: client_write_key | server_write_key | client_write_salt | server_write_salt.
    private static byte[] Material(int keyLen, int saltLen)
    {
        var m = new byte[2 * (keyLen + saltLen)];
        m.AsSpan(0, keyLen).Fill(0xC1);
        m.AsSpan(keyLen, keyLen).Fill(0x51);
        m.AsSpan(2 * keyLen, saltLen).Fill(0xC5);
        m.AsSpan(2 * keyLen + saltLen, saltLen).Fill(0x55);
        return m;
    }

    [Theory]
    [InlineData(DtlsSrtpProfile.Aes128CmHmacSha1_80, 16, 14, 60)]
    [InlineData(DtlsSrtpProfile.AeadAes128Gcm, 16, 12, 56)]
    public void ProfileInfo_KnownProfiles_Rfc5764AndRfc7714Lengths(DtlsSrtpProfile profile, int key, int salt, int total)
    {
        Assert.Equal(key, profile.MasterKeyLength());
        Assert.Equal(salt, profile.MasterSaltLength());
        Assert.Equal(total, profile.KeyingMaterialLength());
    }

    [Theory]
    [InlineData(DtlsSrtpProfile.Aes128CmHmacSha1_80)]
    [InlineData(DtlsSrtpProfile.AeadAes128Gcm)]
    public void Split_Client_SendsWithClientWriteKeys(DtlsSrtpProfile profile)
    {
        var keys = DtlsSrtpKeys.Split(profile, Material(profile.MasterKeyLength(), profile.MasterSaltLength()), isClient: true);

        Assert.All(keys.LocalMasterKey, b => Assert.Equal(0xC1, b));
        Assert.All(keys.RemoteMasterKey, b => Assert.Equal(0x51, b));
        Assert.All(keys.LocalMasterSalt, b => Assert.Equal(0xC5, b));
        Assert.All(keys.RemoteMasterSalt, b => Assert.Equal(0x55, b));
        Assert.Equal(profile.MasterSaltLength(), keys.LocalMasterSalt.Length);
    }

    [Fact]
    public void Split_Server_SendsWithServerWriteKeys()
    {
        var keys = DtlsSrtpKeys.Split(DtlsSrtpProfile.Aes128CmHmacSha1_80, Material(16, 14), isClient: false);

        Assert.All(keys.LocalMasterKey, b => Assert.Equal(0x51, b));
        Assert.All(keys.LocalMasterSalt, b => Assert.Equal(0x55, b));
        Assert.All(keys.RemoteMasterKey, b => Assert.Equal(0xC1, b));
        Assert.All(keys.RemoteMasterSalt, b => Assert.Equal(0xC5, b));
    }

    [Fact]
    public void Split_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => DtlsSrtpKeys.Split(DtlsSrtpProfile.AeadAes128Gcm, new byte[60], true));
    }
}
