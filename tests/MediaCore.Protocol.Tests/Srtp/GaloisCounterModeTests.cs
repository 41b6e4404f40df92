using System.Security.Cryptography;
using MediaCore.Protocol.Srtp;

namespace MediaCore.Protocol.Tests.Srtp;

/// <summary>The AES-NI/PCLMULQDQ GCM against the platform's <see cref="AesGcm"/>, on seeded random inputs.</summary>
public class GaloisCounterModeTests
{
    public static IEnumerable<object[]> Lengths()
    {
        foreach (int keyLength in new[] { 16, 32 })
        foreach (int aad in new[] { 0, 8, 12, 16, 17, 40, 64, 100 })
        foreach (int text in new[] { 0, 1, 15, 16, 17, 48, 63, 64, 65, 127, 128, 160, 1200, 1500 })
            yield return [keyLength, aad, text];
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Encrypt_RandomInputs_MatchesAesGcm(int keyLength, int aadLength, int textLength)
    {
        var rng = new Random(keyLength * 1_000_003 + aadLength * 10007 + textLength);
        var key = new byte[keyLength];
        var nonce = new byte[12];
        var aad = new byte[aadLength];
        var plaintext = new byte[textLength];
        rng.NextBytes(key);
        rng.NextBytes(nonce);
        rng.NextBytes(aad);
        rng.NextBytes(plaintext);

        using var reference = new AesGcm(key, 16);
        var expectedCipher = new byte[textLength];
        var expectedTag = new byte[16];
        reference.Encrypt(nonce, plaintext, expectedCipher, expectedTag, aad);

        using var gcm = GaloisCounterMode.Create(key);
        Assert.IsType<IntrinsicGcm>(gcm);
        var cipher = new byte[textLength];
        var tag = new byte[16];
        gcm.Encrypt(nonce, plaintext, cipher, tag, aad);
        Assert.Equal(expectedCipher, cipher);
        Assert.Equal(expectedTag, tag);

        var decrypted = new byte[textLength];
        Assert.True(gcm.Decrypt(nonce, cipher, tag, decrypted, aad));
        Assert.Equal(plaintext, decrypted);
    }

    [Fact]
    public void Decrypt_TamperedTag_ReturnsFalseAndLeavesOutputUntouched()
    {
        var key = new byte[16];
        var nonce = new byte[12];
        using var gcm = GaloisCounterMode.Create(key);
        var plaintext = new byte[100];
        var cipher = new byte[100];
        var tag = new byte[16];
        gcm.Encrypt(nonce, plaintext, cipher, tag, []);
        tag[15] ^= 1;
        var output = Enumerable.Repeat((byte)0xEE, 100).ToArray();
        Assert.False(gcm.Decrypt(nonce, cipher, tag, output, []));
        Assert.All(output, b => Assert.Equal(0xEE, b));
    }
}
