using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Tests.Srtp;

/// <summary>Known-answer tests from RFC 3711 Appendix B, plus the libsrtp reference packet built on the B.3 keys.</summary>
public class Rfc3711Tests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    // RFC 3711 App. B.2: session key and salt given directly; SSRC 0 and index 0, so the IV is the
    // (already shifted) salt and encrypting zeros yields the keystream. The segment is 65282 blocks.
    private const string B2Key = "2B7E151628AED2A6ABF7158809CF4F3C";
    private const string B2Iv = "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AesCounterMode_AppendixB2Segment_MatchesKeystream(bool intrinsics)
    {
        using var cipher = new AesCounterMode(Hex(B2Key), intrinsics);
        var keystream = new byte[65282 * 16];
        cipher.Transform(Hex(B2Iv), keystream);

        Assert.Equal(Hex("E03EAD0935C95E80E166B16DD92B4EB4"), keystream[..16]);
        Assert.Equal(Hex("D23513162B02D0F72A43A2FE4A5F97AB"), keystream[16..32]);
        Assert.Equal(Hex("41E95B3BB0A2E8DD477901E4FCA894C0"), keystream[32..48]);
        // Counters ...FCFDFEFF, ...FCFDFF00, ...FCFDFF01: the last three blocks of the segment.
        Assert.Equal(Hex("EC8CDF7398607CB0F2D21675EA9EA1E4"), keystream[(0xFEFF * 16)..(0xFF00 * 16)]);
        Assert.Equal(Hex("362B7C3C6773516318A077D7FC5073AE"), keystream[(0xFF00 * 16)..(0xFF01 * 16)]);
        Assert.Equal(Hex("6A2CC3787889374FBEB4C81B17BA6C44"), keystream[(0xFF01 * 16)..]);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)] // AES-256, used under AEAD_AES_256_GCM
    public void AesCounterMode_IntrinsicsAndFallback_AgreeOnOddLengths(int keyLength)
    {
        var rng = new Random(3711 + keyLength);
        var key = new byte[keyLength];
        var iv = new byte[16];
        rng.NextBytes(key);
        rng.NextBytes(iv.AsSpan(0, 14));
        using var fast = new AesCounterMode(key, allowIntrinsics: true);
        using var portable = new AesCounterMode(key, allowIntrinsics: false);
        foreach (int length in new[] { 0, 1, 15, 16, 17, 63, 64, 65, 160, 1199, 1200, 2000 })
        {
            var data = new byte[length];
            rng.NextBytes(data);
            var a = (byte[])data.Clone();
            var b = (byte[])data.Clone();
            fast.Transform(iv, a);
            portable.Transform(iv, b);
            Assert.Equal(b, a);
        }
    }

    // RFC 3711 App. B.3: AES-CM PRF key derivation, index 0, kdr 0.
    private const string B3MasterKey = "E1F97A0D3E018BE0D64FA32C06DE4139";
    private const string B3MasterSalt = "0EC675AD498AFEEBB6960B3AABE6";

    [Fact]
    public void Derive_AppendixB3CipherKey_Matches() =>
        Assert.Equal(Hex("C61E7A93744F39EE10734AFE3FF7A087"),
            SrtpKeyDerivation.Derive(Hex(B3MasterKey), Hex(B3MasterSalt), SrtpKeyDerivation.LabelRtpEncryption, 16));

    [Fact]
    public void Derive_AppendixB3CipherSalt_Matches() =>
        Assert.Equal(Hex("30CBBC08863D8C85D49DB34A9AE1"),
            SrtpKeyDerivation.Derive(Hex(B3MasterKey), Hex(B3MasterSalt), SrtpKeyDerivation.LabelRtpSalt, 14));

    [Fact]
    public void Derive_AppendixB3AuthKey94Octets_Matches() =>
        Assert.Equal(Hex("CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE" +
                         "E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25" +
                         "6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2"),
            SrtpKeyDerivation.Derive(Hex(B3MasterKey), Hex(B3MasterSalt), SrtpKeyDerivation.LabelRtpAuthentication, 94));

    [Fact]
    public void DeriveSessionKeys_AppendixB3_TruncatesAuthKeyTo160Bits()
    {
        var keys = SrtpKeyDerivation.DeriveSessionKeys(SrtpProfile.Aes128CmHmacSha1_80, Hex(B3MasterKey), Hex(B3MasterSalt));
        Assert.Equal(Hex("C61E7A93744F39EE10734AFE3FF7A087"), keys.RtpKey);
        Assert.Equal(Hex("30CBBC08863D8C85D49DB34A9AE1"), keys.RtpSalt);
        Assert.Equal(Hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"), keys.RtpAuthKey);
    }

    // libsrtp's srtp_driver reference packet (AES_CM_128_HMAC_SHA1_80, master key/salt of B.3,
    // SSRC 0xCAFEBABE, SEQ 0x1234, ROC 0). Its SRTCP packet carries SRTCP index 1 (libsrtp counts from 1).
    private const string RefRtp = "800f1234decafbadcafebabe abababababababababababababababab";
    private const string RefSrtp = "800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb";
    private const string RefRtcp = "81c8000bcafebabe abababababababababababababababab";
    private const string RefSrtcp = "81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798";

    private static SrtpContext ReferenceContext(bool intrinsics = true) => new(
        SrtpKeyDerivation.DeriveSessionKeys(SrtpProfile.Aes128CmHmacSha1_80, Hex(B3MasterKey), Hex(B3MasterSalt)), intrinsics);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ProtectRtp_LibSrtpReferencePacket_Matches(bool intrinsics)
    {
        using var ctx = ReferenceContext(intrinsics);
        var rtp = Hex(RefRtp);
        var output = new byte[rtp.Length + ctx.RtpOverhead];
        int written = ctx.ProtectRtp(rtp, output);
        Assert.Equal(Hex(RefSrtp), output[..written]);
    }

    [Fact]
    public void UnprotectRtp_LibSrtpReferencePacket_Decrypts()
    {
        using var ctx = ReferenceContext();
        var output = new byte[64];
        Assert.Equal(SrtpResult.Ok, ctx.UnprotectRtp(Hex(RefSrtp), output, out int length));
        Assert.Equal(Hex(RefRtp), output[..length]);
    }

    [Fact]
    public void ProtectRtcp_LibSrtpReferencePacket_Matches()
    {
        using var ctx = ReferenceContext();
        ctx.SetNextSrtcpIndex(0xCAFEBABE, 1);
        var rtcp = Hex(RefRtcp);
        var output = new byte[rtcp.Length + ctx.RtcpOverhead];
        int written = ctx.ProtectRtcp(rtcp, output);
        Assert.Equal(Hex(RefSrtcp), output[..written]);
    }

    [Fact]
    public void UnprotectRtcp_LibSrtpReferencePacket_Decrypts()
    {
        using var ctx = ReferenceContext();
        var output = new byte[64];
        Assert.Equal(SrtpResult.Ok, ctx.UnprotectRtcp(Hex(RefSrtcp), output, out int length));
        Assert.Equal(Hex(RefRtcp), output[..length]);
    }
}
