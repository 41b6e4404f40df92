using System.Buffers.Binary;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Srtp;
using static MediaCore.Protocol.Tests.Srtp.SrtpTestPackets;

namespace MediaCore.Protocol.Tests.Srtp;

public class SrtpContextTests
{
    private const uint Ssrc = 0x11223344;

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void ProtectThenUnprotect_VariousHeadersAndSizes_RoundTrips(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        ushort seq = 1000;
        foreach (var (csrcs, ext) in new[] { (0, 0), (2, 0), (0, 3), (15, 1) })
        foreach (int payload in new[] { 0, 1, 15, 16, 17, 160, 1200 })
        {
            var rtp = MakeRtp(seq++, Ssrc, payload, csrcs, ext);
            var srtp = Protect(sender, rtp);
            Assert.Equal(rtp.Length + sender.RtpOverhead, srtp.Length);
            Assert.Equal(rtp.AsSpan(0, rtp.Length - payload).ToArray(), srtp.AsSpan(0, rtp.Length - payload).ToArray());
            if (payload >= 16) Assert.NotEqual(rtp[^payload..], srtp[(rtp.Length - payload)..rtp.Length]);

            var output = new byte[srtp.Length];
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(srtp, output, out int length));
            Assert.Equal(rtp, output[..length]);
        }
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void InPlace_ProtectAndUnprotect_RoundTrips(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        var rtp = MakeRtp(7, Ssrc, 200, csrcCount: 1, extensionWords: 2);
        var buffer = new byte[rtp.Length + sender.RtpOverhead];
        rtp.CopyTo(buffer, 0);
        Assert.True(sender.TryProtectRtpInPlace(buffer, rtp.Length, out int protectedLength));
        Assert.Equal(buffer.Length, protectedLength);
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtpInPlace(buffer, out int length));
        Assert.Equal(rtp, buffer[..length]);
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void UnprotectRtp_TamperedTag_FailsAndLeavesStateUntouched(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        var first = Protect(sender, MakeRtp(10, Ssrc, 50));
        var second = Protect(sender, MakeRtp(11, Ssrc, 50));
        var tampered = (byte[])second.Clone();
        tampered[^1] ^= 0x01;

        Assert.Equal(SrtpResult.AuthenticationFailed, receiver.UnprotectRtp(tampered, new byte[128], out int length));
        Assert.Equal(0, length);
        Assert.False(receiver.TryGetRolloverCounter(new Ssrc(Ssrc), out _)); // no state for an unauthenticated SSRC
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(first, new byte[128], out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(second, new byte[128], out _));
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void UnprotectRtp_TamperedHeaderOrPayload_FailsAuthentication(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        var srtp = Protect(sender, MakeRtp(10, Ssrc, 50));
        foreach (int at in new[] { 1, 5, 20, srtp.Length - sender.RtpOverhead - 1 })
        {
            var tampered = (byte[])srtp.Clone();
            tampered[at] ^= 0x04;
            Assert.Equal(SrtpResult.AuthenticationFailed, receiver.UnprotectRtp(tampered, new byte[128], out _));
        }
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void UnprotectRtp_SamePacketTwice_SecondIsReplay(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        var srtp = Protect(sender, MakeRtp(500, Ssrc, 100));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(srtp, new byte[256], out _));
        Assert.Equal(SrtpResult.ReplayDetected, receiver.UnprotectRtp(srtp, new byte[256], out _));
    }

    [Fact]
    public void UnprotectRtp_ReplayProtectionOff_AcceptsRepeat()
    {
        var (sender, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1_80);
        receiver.ReplayProtection = false;
        var srtp = Protect(sender, MakeRtp(500, Ssrc, 100));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(srtp, new byte[256], out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(srtp, new byte[256], out _));
    }

    [Fact]
    public void UnprotectRtp_OlderThanWindow_IsTooOld()
    {
        var (sender, receiver) = Pair(SrtpProfile.AeadAes128Gcm);
        var old = Protect(sender, MakeRtp(100, Ssrc, 10));
        var inWindow = Protect(sender, MakeRtp((ushort)(100 + 1), Ssrc, 10));
        var ahead = Protect(sender, MakeRtp((ushort)(100 + ReplayWindow.Size), Ssrc, 10));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(ahead, new byte[64], out _));
        Assert.Equal(SrtpResult.TooOld, receiver.UnprotectRtp(old, new byte[64], out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(inWindow, new byte[64], out _));
        Assert.Equal(SrtpResult.ReplayDetected, receiver.UnprotectRtp(inWindow, new byte[64], out _));
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void ProtectRtp_SequenceWrapsFrom65535To0_RolloverCounterIncrements(SrtpProfile profile)
    {
        // Regression guard for RFC 3711 §3.3.1: when SEQ wraps from 65535 to 0 the sender must increment
        // the ROC, and the receiver's index estimate must follow, because the ROC is part of the packet
        // index (it enters the IV and, for HMAC, the authenticated data). A context that kept ROC = 0
        // after the wrap would reuse keystream from 65536 packets earlier.
        var (sender, receiver) = Pair(profile);
        foreach (ushort seq in new ushort[] { 65534, 65535, 0, 1 })
        {
            var rtp = MakeRtp(seq, Ssrc, 40);
            var output = new byte[128];
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(Protect(sender, rtp), output, out int length));
            Assert.Equal(rtp, output[..length]);
        }
        Assert.True(sender.TryGetRolloverCounter(new Ssrc(Ssrc), out uint senderRoc));
        Assert.True(receiver.TryGetRolloverCounter(new Ssrc(Ssrc), out uint receiverRoc));
        Assert.Equal(1u, senderRoc);
        Assert.Equal(1u, receiverRoc);

        // The post-wrap packet really was protected with ROC 1: a receiver stuck at ROC 0 rejects it.
        var (_, stuck) = Pair(profile);
        stuck.SetRolloverCounter(new Ssrc(Ssrc), 0, 1);
        var afterWrap = Protect(sender, MakeRtp(2, Ssrc, 40));
        Assert.Equal(SrtpResult.AuthenticationFailed, stuck.UnprotectRtp(afterWrap, new byte[128], out _));
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void UnprotectRtp_ReorderedAcrossRollover_AllDecrypt(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        var sent = new List<(ushort Seq, byte[] Rtp, byte[] Srtp)>();
        for (int i = 0; i < 12; i++)
        {
            ushort seq = (ushort)(65530 + i);
            var rtp = MakeRtp(seq, Ssrc, 60);
            sent.Add((seq, rtp, Protect(sender, rtp)));
        }
        // 65530, then post-wrap packets before pre-wrap ones, within the window.
        int[] order = [0, 7, 2, 6, 1, 9, 3, 11, 5, 4, 10, 8];
        foreach (int i in order)
        {
            var output = new byte[128];
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(sent[i].Srtp, output, out int length));
            Assert.Equal(sent[i].Rtp, output[..length]);
        }
        Assert.True(receiver.TryGetRolloverCounter(new Ssrc(Ssrc), out uint roc));
        Assert.Equal(1u, roc);
        // Every one of them is now a replay, on both sides of the wrap.
        foreach (int i in order)
            Assert.Equal(SrtpResult.ReplayDetected, receiver.UnprotectRtp(sent[i].Srtp, new byte[128], out _));
    }

    [Fact]
    public void ProtectRtp_RepeatedSequenceNumber_ReusesIndexWithoutAdvancingRoc()
    {
        var (sender, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1_80);
        receiver.ReplayProtection = false;
        var a = Protect(sender, MakeRtp(65535, Ssrc, 20));
        var b = Protect(sender, MakeRtp(0, Ssrc, 20));
        var retransmit = Protect(sender, MakeRtp(65535, Ssrc, 20));
        Assert.Equal(a, retransmit);
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(a, new byte[64], out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(b, new byte[64], out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(retransmit, new byte[64], out _));
    }

    [Fact]
    public void UnprotectRtp_IndependentSsrcs_KeepSeparateState()
    {
        var (sender, receiver) = Pair(SrtpProfile.AeadAes128Gcm);
        var a = Protect(sender, MakeRtp(5, 1, 10));
        var b = Protect(sender, MakeRtp(5, 2, 10));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(a, new byte[64], out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(b, new byte[64], out _));
        receiver.RemoveStream(new Ssrc(1));
        Assert.False(receiver.TryGetRolloverCounter(new Ssrc(1), out _));
        Assert.True(receiver.TryGetRolloverCounter(new Ssrc(2), out _));
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void ProtectRtcp_ConsecutivePackets_CarryIncrementingIndexWithEFlag(SrtpProfile profile)
    {
        // RFC 3711 §3.4: the SRTCP index starts at 0, increments per packet per SSRC, and E = 1 when encrypted.
        var (sender, receiver) = Pair(profile);
        for (uint i = 0; i < 3; i++)
        {
            var rtcp = MakeRtcp(Ssrc, (byte)i);
            var srtcp = ProtectRtcp(sender, rtcp);
            Assert.Equal(rtcp.Length + sender.RtcpOverhead, srtcp.Length);
            int indexAt = SrtpProfileInfo.IsAead(profile) ? srtcp.Length - 4 : rtcp.Length;
            Assert.Equal(0x8000_0000u | i, BinaryPrimitives.ReadUInt32BigEndian(srtcp.AsSpan(indexAt)));
            Assert.Equal(rtcp[..8], srtcp[..8]);
            Assert.NotEqual(rtcp[8..], srtcp[8..rtcp.Length]);

            var output = new byte[64];
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(srtcp, output, out int length));
            Assert.Equal(rtcp, output[..length]);
        }
        var other = ProtectRtcp(sender, MakeRtcp(Ssrc + 1));
        int otherAt = SrtpProfileInfo.IsAead(profile) ? other.Length - 4 : 32;
        Assert.Equal(0x8000_0000u, BinaryPrimitives.ReadUInt32BigEndian(other.AsSpan(otherAt)));
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void UnprotectRtcp_ReplayAndTamper_Rejected(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        var first = ProtectRtcp(sender, MakeRtcp(Ssrc));
        var second = ProtectRtcp(sender, MakeRtcp(Ssrc));
        var tampered = (byte[])second.Clone();
        tampered[10] ^= 0x20;

        Assert.Equal(SrtpResult.AuthenticationFailed, receiver.UnprotectRtcp(tampered, new byte[64], out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(second, new byte[64], out _));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(first, new byte[64], out _)); // reordered, still in window
        Assert.Equal(SrtpResult.ReplayDetected, receiver.UnprotectRtcp(first, new byte[64], out _));
        Assert.Equal(SrtpResult.ReplayDetected, receiver.UnprotectRtcpInPlace((byte[])second.Clone(), out _));
    }

    [Fact]
    public void UnprotectRtcp_IndexBitFlipped_FailsAuthentication()
    {
        var (sender, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1_80);
        var srtcp = ProtectRtcp(sender, MakeRtcp(Ssrc));
        srtcp[32] ^= 0x80; // clear the E flag: the index word is authenticated
        Assert.Equal(SrtpResult.AuthenticationFailed, receiver.UnprotectRtcp(srtcp, new byte[64], out _));
    }

    [Fact]
    public void ProtectRtp_NotRtp_ThrowsAndTryReturnsFalse()
    {
        var (sender, _) = Pair(SrtpProfile.Aes128CmHmacSha1_80);
        var bad = MakeRtp(1, Ssrc, 10);
        bad[0] = 0x40; // version 1
        Assert.Throws<ArgumentException>(() => sender.ProtectRtp(bad, new byte[64]));
        Assert.False(sender.TryProtectRtp(bad, new byte[64], out _));
        Assert.False(sender.TryProtectRtp(MakeRtp(1, Ssrc, 10), new byte[25], out _)); // no room for the tag
        var rtp = MakeRtp(1, Ssrc, 10);
        Assert.False(sender.TryProtectRtpInPlace(rtp, rtp.Length, out _));
        var truncatedExtension = MakeRtp(1, Ssrc, 0, extensionWords: 4)[..20];
        Assert.False(sender.TryProtectRtp(truncatedExtension, new byte[64], out _));
    }

    [Fact]
    public void Unprotect_ShortOrMalformed_ReportsWhy()
    {
        var (sender, receiver) = Pair(SrtpProfile.Aes128CmHmacSha1_80);
        Assert.Equal(SrtpResult.TooShort, receiver.UnprotectRtp(new byte[21], new byte[64], out _));
        Assert.Equal(SrtpResult.TooShort, receiver.UnprotectRtcp(new byte[21], new byte[64], out _));
        var srtp = Protect(sender, MakeRtp(1, Ssrc, 100));
        Assert.Equal(SrtpResult.DestinationTooSmall, receiver.UnprotectRtp(srtp, new byte[50], out _));
        srtp[0] = 0x00;
        Assert.Equal(SrtpResult.InvalidHeader, receiver.UnprotectRtp(srtp, new byte[200], out _));
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void UnprotectRtp_FirstPacketSeenIsAfterSenderWrap_RecoversRocOne(SrtpProfile profile)
    {
        // RFC 3711 §3.3.1 has a new receiver assume ROC 0. When the sender wrapped just before the first
        // packet that arrives (earlier ones lost or reordered behind it), that guess is wrong and, unfixed,
        // every later packet fails too (libsrtp issue 729). The receiver retries a new stream once with ROC 1.
        var (sender, receiver) = Pair(profile);
        var sent = new[] { 65534, 65535, 0, 1, 2 }.Select(s => (ushort)s)
            .Select(seq => (Rtp: MakeRtp(seq, Ssrc, 30), Srtp: Protect(sender, MakeRtp(seq, Ssrc, 30)))).ToArray();
        foreach (int i in new[] { 2, 0, 3, 1, 4 })
        {
            var output = new byte[128];
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(sent[i].Srtp, output, out int length));
            Assert.Equal(sent[i].Rtp, output[..length]);
        }
        Assert.True(receiver.TryGetRolloverCounter(new Ssrc(Ssrc), out uint roc));
        Assert.Equal(1u, roc);
    }

    [Fact]
    public void ProtectRtp_CallerGivenRolloverCounter_IsUsed()
    {
        var (sender, receiver) = Pair(SrtpProfile.AeadAes128Gcm);
        var (_, naive) = Pair(SrtpProfile.AeadAes128Gcm);
        var rtp = MakeRtp(40000, Ssrc, 30);
        var srtp = new byte[rtp.Length + sender.RtpOverhead];
        sender.ProtectRtp(rtp, srtp, rolloverCounter: 7);
        Assert.True(sender.TryGetRolloverCounter(new Ssrc(Ssrc), out uint senderRoc));
        Assert.Equal(7u, senderRoc);

        Assert.Equal(SrtpResult.AuthenticationFailed, naive.UnprotectRtp(srtp, new byte[128], out _));
        receiver.SetRolloverCounter(new Ssrc(Ssrc), 7, 39999);
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(srtp, new byte[128], out _));

        var buffer = new byte[rtp.Length + sender.RtpOverhead];
        rtp.CopyTo(buffer, 0);
        Assert.True(sender.TryProtectRtpInPlace(buffer, rtp.Length, 7u, out int n));
        Assert.Equal(srtp, buffer[..n]); // same index, same packet, same output
    }

    [Fact]
    public void UnprotectRtcp_CmPacketSentWithEFlagClear_AcceptedUnencrypted()
    {
        // RFC 3711 §3.4: E = 0 means the sender did not encrypt; the packet is still authenticated over
        // header, body and the E|index word. Built by hand with the derived SRTCP auth key (label 0x04).
        var masterKey = new byte[16];
        var masterSalt = new byte[14];
        new Random(34).NextBytes(masterKey);
        new Random(35).NextBytes(masterSalt);
        using var receiver = new SrtpContext(SrtpProfile.Aes128CmHmacSha1_80, masterKey, masterSalt);
        var authKey = SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.LabelRtcpAuthentication, 20);

        var rtcp = MakeRtcp(Ssrc);
        var packet = new byte[rtcp.Length + 14];
        rtcp.CopyTo(packet, 0);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(rtcp.Length), 42); // E = 0, index 42
        var mac = System.Security.Cryptography.HMACSHA1.HashData(authKey, packet.AsSpan(0, rtcp.Length + 4));
        mac.AsSpan(0, 10).CopyTo(packet.AsSpan(rtcp.Length + 4));

        var output = new byte[64];
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(packet, output, out int length));
        Assert.Equal(rtcp, output[..length]);
        Assert.Equal(SrtpResult.ReplayDetected, receiver.UnprotectRtcp(packet, output, out _));
    }

    [Fact]
    public void ProtectRtcp_IndexAtMaximum_WrapsToZeroModulo2To31()
    {
        // RFC 3711 §3.4: the SRTCP index is 31 bits and increments modulo 2^31 (rekeying is due before then).
        var (sender, _) = Pair(SrtpProfile.Aes128CmHmacSha1_80);
        sender.SetNextSrtcpIndex(Ssrc, 0x7FFF_FFFF);
        var last = ProtectRtcp(sender, MakeRtcp(Ssrc));
        var next = ProtectRtcp(sender, MakeRtcp(Ssrc));
        Assert.Equal(0xFFFF_FFFFu, BinaryPrimitives.ReadUInt32BigEndian(last.AsSpan(32)));
        Assert.Equal(0x8000_0000u, BinaryPrimitives.ReadUInt32BigEndian(next.AsSpan(32)));
    }

    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void UnprotectRtpInPlace_FailedThenRecoveredWithRocOne_LeavesInputIntactBetweenAttempts(SrtpProfile profile)
    {
        // In place, the first attempt (ROC 0) fails and must leave the packet as it was, or the ROC 1
        // retry would verify a damaged packet.
        var (sender, receiver) = Pair(profile);
        Protect(sender, MakeRtp(65535, Ssrc, 30));
        var rtp = MakeRtp(3, Ssrc, 30);
        var packet = Protect(sender, rtp);
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtpInPlace(packet, out int length));
        Assert.Equal(rtp, packet[..length]);

        var (_, stuck) = Pair(profile);
        stuck.SetRolloverCounter(new Ssrc(Ssrc), 0, 2);
        var again = Protect(sender, MakeRtp(4, Ssrc, 30));
        var copy = (byte[])again.Clone();
        Assert.Equal(SrtpResult.AuthenticationFailed, stuck.UnprotectRtpInPlace(again, out _));
        Assert.Equal(copy, again);
    }
}
