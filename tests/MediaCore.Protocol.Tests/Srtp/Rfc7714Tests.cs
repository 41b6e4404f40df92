using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Tests.Srtp;

/// <summary>
/// RFC 7714 §16 (SRTP) and §17 (SRTCP) AEAD_AES_GCM test vectors. They are stated with session key and
/// salt, so the context is built below key derivation.
/// </summary>
public class Rfc7714Tests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private const string Key128 = "000102030405060708090a0b0c0d0e0f";
    private const string Key256 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private const string Salt = "517569642070726f2071756f"; // "Quid pro quo"

    // §16: V=2, PT 64, SEQ 0xf17b, TS 0x8041f8d3, SSRC 0x5501a0b2; "Gallia est omnis divisa in partes tres".
    private const string Rtp = "8040f17b8041f8d35501a0b2 47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573";

    // §16.1.1 / §16.1.2
    private const string Srtp128 = "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833 899d7f27beb16a9152cf765ee4390cce";

    // §16.2.1 / §16.2.2
    private const string Srtp256 = "8040f17b8041f8d35501a0b2 32b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13";

    // §17: SR from SSRC "Mars" (0x4d617273), SRTCP index 0x5d4.
    private const string Rtcp = "81c8000d4d617273 4e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";

    // §17.1 / §17.2: E = 1; header, ciphertext, tag, then E|index 0x800005d4.
    private const string Srtcp128 = "81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2f c5abf87245d9eade 800005d4";
    private const string Srtcp256 = "81c8000d4d617273 d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be 800005d4";

    // §17.3 / §17.4: E = 0, authenticated only: the packet, the tag, then E|index 0x000005d4.
    private const string Srtcp128TagOnly = "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef 841dd9683dd78ec92ae58790125f62b3 000005d4";

    private static SrtpContext Context(SrtpProfile profile, string key, bool intrinsics = true) => new(new SrtpSessionKeys
    {
        Profile = profile,
        RtpKey = Hex(key),
        RtpSalt = Hex(Salt),
        RtpAuthKey = [],
        RtcpKey = Hex(key),
        RtcpSalt = Hex(Salt),
        RtcpAuthKey = [],
    }, intrinsics);

    [Theory]
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtp128, true)]  // §16.1.1
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtp128, false)] // §16.1.1 through AesGcm
    [InlineData(SrtpProfile.AeadAes256Gcm, Key256, Srtp256, true)]  // §16.2.1
    [InlineData(SrtpProfile.AeadAes256Gcm, Key256, Srtp256, false)]
    public void ProtectRtp_Section16Vector_Matches(SrtpProfile profile, string key, string expected, bool intrinsics)
    {
        using var ctx = Context(profile, key, intrinsics);
        var rtp = Hex(Rtp);
        var output = new byte[rtp.Length + ctx.RtpOverhead];
        int written = ctx.ProtectRtp(rtp, output);
        Assert.Equal(Hex(expected), output[..written]);
    }

    [Theory]
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtp128, true)]  // §16.1.2
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtp128, false)] // §16.1.2 through AesGcm
    [InlineData(SrtpProfile.AeadAes256Gcm, Key256, Srtp256, true)]  // §16.2.2
    [InlineData(SrtpProfile.AeadAes256Gcm, Key256, Srtp256, false)]
    public void UnprotectRtp_Section16Vector_Decrypts(SrtpProfile profile, string key, string srtp, bool intrinsics)
    {
        using var ctx = Context(profile, key, intrinsics);
        var packet = Hex(srtp);
        Assert.Equal(SrtpResult.Ok, ctx.UnprotectRtpInPlace(packet, out int length));
        Assert.Equal(Hex(Rtp), packet[..length]);
    }

    [Fact]
    public void ProtectRtpInPlace_Section16_1_1_Matches()
    {
        using var ctx = Context(SrtpProfile.AeadAes128Gcm, Key128);
        var rtp = Hex(Rtp);
        var buffer = new byte[rtp.Length + 16];
        rtp.CopyTo(buffer, 0);
        Assert.True(ctx.TryProtectRtpInPlace(buffer, rtp.Length, out int written));
        Assert.Equal(Hex(Srtp128), buffer[..written]);
    }

    [Theory]
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtcp128, true)]  // §17.1
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtcp128, false)] // §17.1 through AesGcm
    [InlineData(SrtpProfile.AeadAes256Gcm, Key256, Srtcp256, true)]  // §17.2
    [InlineData(SrtpProfile.AeadAes256Gcm, Key256, Srtcp256, false)]
    public void ProtectRtcp_Section17Vector_Matches(SrtpProfile profile, string key, string expected, bool intrinsics)
    {
        using var ctx = Context(profile, key, intrinsics);
        ctx.SetNextSrtcpIndex(0x4d617273, 0x5d4);
        var rtcp = Hex(Rtcp);
        var output = new byte[rtcp.Length + ctx.RtcpOverhead];
        int written = ctx.ProtectRtcp(rtcp, output);
        Assert.Equal(Hex(expected), output[..written]);
    }

    [Theory]
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtcp128, true)]         // §17.1 decryption
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtcp128, false)]        // §17.1 through AesGcm
    [InlineData(SrtpProfile.AeadAes256Gcm, Key256, Srtcp256, true)]         // §17.2 decryption
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtcp128TagOnly, true)]  // §17.3/§17.4: E = 0, verification only
    [InlineData(SrtpProfile.AeadAes128Gcm, Key128, Srtcp128TagOnly, false)]
    public void UnprotectRtcp_Section17Vector_Decrypts(SrtpProfile profile, string key, string srtcp, bool intrinsics)
    {
        using var ctx = Context(profile, key, intrinsics);
        var output = new byte[128];
        Assert.Equal(SrtpResult.Ok, ctx.UnprotectRtcp(Hex(srtcp), output, out int length));
        Assert.Equal(Hex(Rtcp), output[..length]);
    }

    [Fact]
    public void UnprotectRtcp_Section17_1WithFlippedTagBit_FailsAuthentication()
    {
        using var ctx = Context(SrtpProfile.AeadAes128Gcm, Key128);
        var packet = Hex(Srtcp128);
        packet[^5] ^= 0x01;
        Assert.Equal(SrtpResult.AuthenticationFailed, ctx.UnprotectRtcp(packet, new byte[128], out _));
    }

    [Fact]
    public void UnprotectRtp_Section16_1_1WithFlippedCiphertextBit_FailsAuthentication()
    {
        using var ctx = Context(SrtpProfile.AeadAes128Gcm, Key128);
        var packet = Hex(Srtp128);
        packet[20] ^= 0x80;
        Assert.Equal(SrtpResult.AuthenticationFailed, ctx.UnprotectRtp(packet, new byte[128], out _));
    }
}
