using MediaCore.Protocol.Sdp;
using MediaCore.Protocol.Sip;

namespace MediaCore.Protocol.Tests.Sip;

/// <summary>The SIP offer/answer (RFC 3264) for audio plus H.264 video (RFC 6184) over plain RTP/AVP.</summary>
public class SipSdpAnswererTests
{
    // What a hardware terminal offers: G.711 and telephone-event, H.264 in packetization modes 1 and 0, PLI and FIR.
    private const string TerminalOffer = "v=0\r\no=terminal 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 192.0.2.50\r\nt=0 0\r\n"
        + "m=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
        + "m=video 40002 RTP/AVP 97 96\r\na=rtpmap:97 H264/90000\r\na=fmtp:97 profile-level-id=42801f\r\n"
        + "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n";

    [Fact]
    public void TryAnswer_AudioAndH264_AcceptsPacketizationMode1Video()
    {
        Assert.True(SipSdpAnswerer.OffersVideo(TerminalOffer));
        Assert.True(SipSdpAnswerer.TryAnswer(TerminalOffer, "198.51.100.1", 30000, 30002, 7, 1, out var session, out var error), error);
        Assert.Equal(SipAudioCodec.Pcma, session.Codec);
        var video = Assert.IsType<SipVideoSession>(session.Video);
        Assert.Equal(96, video.PayloadType.Value);
        Assert.Equal("192.0.2.50:40002", video.RemoteRtp.ToString());
        Assert.True(video.TerminalSends);
        Assert.True(video.TerminalReceives);
        Assert.True(video.KeyFrameFeedback);

        Assert.True(SdpParser.TryParse(session.Answer, out var answer, out error), error);
        var m = answer.Media[1];
        Assert.Equal("video", m.Media);
        Assert.Equal(30002, m.Port);
        Assert.Equal("RTP/AVP", m.Protocol);
        var h264 = Assert.Single(m.Codecs);
        Assert.Equal(96, h264.PayloadType.Value);
        Assert.Equal("1", h264.GetParameter("packetization-mode"));
        Assert.Equal("42e01f", h264.GetParameter("profile-level-id"));
        Assert.Contains(RtcpFeedback.NackPli, h264.Feedback);
    }

    [Fact]
    public void TryAnswer_NoVideoPort_RejectsVideoWithPortZero()
    {
        Assert.True(SipSdpAnswerer.TryAnswer(TerminalOffer, "198.51.100.1", 30000, 0, 7, 1, out var session, out var error), error);
        Assert.Null(session.Video);
        Assert.True(SdpParser.TryParse(session.Answer, out var answer, out error), error);
        Assert.Equal(0, answer.Media[1].Port);
    }

    [Fact]
    public void TryAnswer_OnlyMode0OrSendOnly_VideoRejectedOrOneWay()
    {
        var mode0 = TerminalOffer.Replace("m=video 40002 RTP/AVP 97 96", "m=video 40002 RTP/AVP 97", StringComparison.Ordinal)
            .Replace("a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n", "", StringComparison.Ordinal);
        Assert.True(SipSdpAnswerer.TryAnswer(mode0, "198.51.100.1", 30000, 30002, 7, 1, out var session, out var error), error);
        Assert.Null(session.Video);

        var sendOnly = TerminalOffer + "a=sendonly\r\n";
        Assert.True(SipSdpAnswerer.TryAnswer(sendOnly, "198.51.100.1", 30000, 30002, 7, 1, out session, out error), error);
        Assert.True(session.Video!.TerminalSends);
        Assert.False(session.Video.TerminalReceives);
        Assert.Contains("a=recvonly", session.Answer.Split("m=video")[1], StringComparison.Ordinal);
    }

    // RFC 4568 §8.1's example offer line.
    private const string Rfc4568Crypto = "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4";

    [Fact]
    public void SdesCrypto_Parse_KeyAndSaltSplitMkiRefused()
    {
        Assert.False(SdesCrypto.TryParse(Rfc4568Crypto, out _, out var error));
        Assert.Contains("MKI", error, StringComparison.Ordinal);
        Assert.True(SdesCrypto.TryParse("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20", out var c, out error), error);
        Assert.Equal(1, c.Tag);
        Assert.Equal(MediaCore.Protocol.Srtp.SrtpProfile.Aes128CmHmacSha1_80, c.Profile);
        Assert.Equal(Convert.FromBase64String("PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")[..16], c.MasterKey.ToArray());
        Assert.Equal("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", c.ToString());
        foreach (var bad in (string[])["", "x AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", "1 F8_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
            "1 AES_CM_128_HMAC_SHA1_80 inline:short", "1 AES_CM_128_HMAC_SHA1_80 PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", "1234567890 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"])
            Assert.False(SdesCrypto.TryParse(bad, out _, out _), bad);
    }

    [Fact]
    public void SdesCrypto_MutatedInput_NeverThrows()
    {
        var rng = new Random(4568);
        var seed = System.Text.Encoding.ASCII.GetBytes(Rfc4568Crypto);
        for (int i = 0; i < 5000; i++)
        {
            var b = (byte[])seed.Clone();
            for (int k = rng.Next(1, 6); k > 0; k--) b[rng.Next(b.Length)] = (byte)rng.Next(32, 127);
            SdesCrypto.TryParse(System.Text.Encoding.ASCII.GetString(b[..rng.Next(b.Length + 1)]), out _, out _);
        }
    }

    [Fact]
    public void TryAnswer_SavpWithCrypto_AnswersSavpWithOurOwnKey()
    {
        var offer = "v=0\r\no=t 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 192.0.2.50\r\nt=0 0\r\nm=audio 40000 RTP/SAVP 0\r\n"
            + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\r\n"
            + "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n";
        Assert.True(SipSdpAnswerer.TryAnswer(offer, "198.51.100.1", 30000, 0, 7, 1, out var session, out var error), error);
        var keys = Assert.IsType<SipSrtpKeys>(session.Srtp);
        // The first usable attribute wins (tag 1 has an MKI, which we refuse): tag 2, its suite, and a key of our own.
        Assert.Equal(2, keys.Remote.Tag);
        Assert.Equal(MediaCore.Protocol.Srtp.SrtpProfile.Aes128CmHmacSha1_32, keys.Local.Profile);
        Assert.NotEqual(keys.Remote.MasterKeyAndSalt, keys.Local.MasterKeyAndSalt);
        Assert.Contains("m=audio 30000 RTP/SAVP 0", session.Answer, StringComparison.Ordinal);
        Assert.Contains("a=crypto:" + keys.Local, session.Answer, StringComparison.Ordinal);

        var noCrypto = offer.Split("a=crypto")[0];
        Assert.False(SipSdpAnswerer.TryAnswer(noCrypto, "198.51.100.1", 30000, 0, 7, 1, out _, out error));
    }

    [Fact]
    public void TryAnswer_SavpVideoWithCrypto_VideoGetsItsOwnKey_WithoutCryptoDeclined()
    {
        var offer = "v=0\r\no=t 1 1 IN IP4 192.0.2.50\r\ns=-\r\nc=IN IP4 192.0.2.50\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\n"
            + "m=video 40002 RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n"
            + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n";
        Assert.True(SipSdpAnswerer.TryAnswer(offer, "198.51.100.1", 30000, 30002, 7, 1, out var session, out var error), error);
        Assert.Null(session.Srtp);
        var video = Assert.IsType<SipVideoSession>(session.Video);
        var keys = Assert.IsType<SipSrtpKeys>(video.Srtp);
        Assert.Equal(1, keys.Remote.Tag);
        Assert.NotEqual(keys.Remote.MasterKeyAndSalt, keys.Local.MasterKeyAndSalt);
        Assert.Contains("m=video 30002 RTP/SAVP 96", session.Answer, StringComparison.Ordinal);
        Assert.Contains("a=crypto:" + keys.Local, session.Answer, StringComparison.Ordinal);

        // RFC 4568 §7.1.2: SAVP video without a usable key is declined (port 0); the audio call goes on.
        var noCrypto = offer.Split("a=crypto")[0];
        Assert.True(SipSdpAnswerer.TryAnswer(noCrypto, "198.51.100.1", 30000, 30002, 7, 1, out session, out error), error);
        Assert.Null(session.Video);
        Assert.Contains("m=video 0 RTP/SAVP", session.Answer, StringComparison.Ordinal);
    }
}
