using MediaCore.Protocol.Core;
using MediaCore.Protocol.Srtp;
using static MediaCore.Protocol.Tests.Srtp.SrtpTestPackets;

namespace MediaCore.Protocol.Tests.Srtp;

/// <summary>The per-packet paths allocate nothing once an SSRC's state exists (docs/architecture.md: hot path allocates nothing).</summary>
public class SrtpAllocationTests
{
    [Theory]
    [MemberData(nameof(AllProfiles), MemberType = typeof(SrtpTestPackets))]
    public void ProtectAndUnprotect_SteadyState_AllocateNothing(SrtpProfile profile)
    {
        var (sender, receiver) = Pair(profile);
        // Without AES-NI, GCM goes through the platform AesGcm, which reports a bad tag by throwing (allocating).
        bool forgeries = sender.IsHardwareAccelerated;
        Assert.Equal(System.Runtime.Intrinsics.X86.Aes.IsSupported, forgeries);
        var rtp = MakeRtp(1, 0xABC, 1200, extensionWords: 2);
        var rtcp = MakeRtcp(0xABC);
        var buffer = new byte[1500];
        var output = new byte[1500];

        RunPackets(sender, receiver, rtp, rtcp, buffer, output, 0, 200, forgeries); // first sight of the SSRCs, JIT warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunPackets(sender, receiver, rtp, rtcp, buffer, output, 200, 1000, forgeries);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    private static void RunPackets(SrtpContext sender, SrtpContext receiver, byte[] rtp, byte[] rtcp, byte[] buffer, byte[] output, int from, int count, bool forgeries)
    {
        for (int i = from; i < from + count; i++)
        {
            rtp[2] = (byte)(i >> 8);
            rtp[3] = (byte)i;
            int n = sender.ProtectRtp(rtp, buffer);
            if (receiver.UnprotectRtp(buffer.AsSpan(0, n), output, out _) != SrtpResult.Ok) Assert.Fail("RTP");
            n = sender.ProtectRtcp(rtcp, buffer);
            if (receiver.UnprotectRtcpInPlace(buffer.AsSpan(0, n), out _) != SrtpResult.Ok) Assert.Fail("RTCP");
            if (!forgeries) continue;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), (ushort)(i + 1)); // not yet received, so it reaches authentication rather than the replay check
            n = sender.ProtectRtp(rtp, buffer);
            buffer[20] ^= 1; // a forged packet costs no allocation either
            var forged = receiver.UnprotectRtp(buffer.AsSpan(0, n), output, out _);
            if (forged != SrtpResult.AuthenticationFailed) Assert.Fail($"forged {i} {forged}");
        }
        Assert.True(receiver.TryGetRolloverCounter(new Ssrc(0xABC), out _));
    }
}
