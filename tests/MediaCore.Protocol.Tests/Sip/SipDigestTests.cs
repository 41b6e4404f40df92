using MediaCore.Protocol.Sip;

namespace MediaCore.Protocol.Tests.Sip;

public class SipDigestTests
{
    /// <summary>RFC 2617 §3.5: the "Mufasa" example (qop=auth, MD5).</summary>
    [Fact]
    public void Response_Rfc2617Example_MatchesTheRfc()
    {
        var ha1 = SipDigest.Ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        var response = SipDigest.Response(ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth", "GET", "/dir/index.html");
        Assert.Equal("6629fae49393a05397450978507c4ef1", response);
    }

    [Fact]
    public void Verify_ParsedAuthorizationHeader_Accepts()
    {
        var header = "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
            + "qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
        Assert.True(SipDigestCredentials.TryParse(header, out var c));
        Assert.True(SipDigest.Verify(c, "GET", SipDigest.Ha1("Mufasa", "testrealm@host.com", "Circle Of Life")));
        Assert.False(SipDigest.Verify(c, "GET", SipDigest.Ha1("Mufasa", "testrealm@host.com", "wrong")));
    }

    [Fact]
    public void CheckNonce_OwnFreshOldAndForged_Classified()
    {
        var digest = new SipDigest(new byte[32], "mediacore");
        var nonce = digest.CreateNonce(1000);
        Assert.True(digest.CheckNonce(nonce, 1010, out bool stale));
        Assert.False(stale);
        Assert.True(digest.CheckNonce(nonce, 1000 + 301, out stale));
        Assert.True(stale);
        var forged = nonce[..^1] + (nonce[^1] == '0' ? '1' : '0');
        Assert.False(digest.CheckNonce(forged, 1000, out _));
        Assert.False(new SipDigest(new byte[32] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "x").CheckNonce(nonce, 1000, out _));
    }
}
