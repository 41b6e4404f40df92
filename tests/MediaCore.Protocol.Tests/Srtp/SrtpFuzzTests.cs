using MediaCore.Protocol.Srtp;
using static MediaCore.Protocol.Tests.Srtp.SrtpTestPackets;

namespace MediaCore.Protocol.Tests.Srtp;

/// <summary>
/// Seeded fuzzing of the unprotect paths: 100k mutated, truncated, extended or random datagrams must
/// never throw, never report Ok for a modified packet, and never disturb the genuine stream.
/// </summary>
public class SrtpFuzzTests
{
    private const int Iterations = 100_000;

    [Fact]
    public void Unprotect_100kMutatedAndTruncatedPackets_NeverThrows()
    {
        var rng = new Random(20260101);
        var contexts = Profiles.Select(p => Pair(p, seed: (int)p)).ToArray();
        var seeds = contexts.Select(c => new[]
        {
            Protect(c.Sender, MakeRtp(100, 0xCAFE, 160)),
            Protect(c.Sender, MakeRtp(101, 0xCAFE, 20, csrcCount: 2, extensionWords: 3)),
            ProtectRtcp(c.Sender, MakeRtcp(0xCAFE)),
        }).ToArray();
        var output = new byte[2048];
        int ok = 0;

        for (int i = 0; i < Iterations; i++)
        {
            int which = rng.Next(contexts.Length);
            var receiver = contexts[which].Receiver;
            var original = seeds[which][rng.Next(3)];
            var packet = Mutate(rng, original, out bool changed);
            bool asRtcp = rng.Next(2) == 0;
            bool inPlace = rng.Next(4) == 0;

            SrtpResult result;
            int length;
            if (inPlace)
                result = asRtcp ? receiver.UnprotectRtcpInPlace(packet, out length) : receiver.UnprotectRtpInPlace(packet, out length);
            else
                result = asRtcp ? receiver.UnprotectRtcp(packet, output, out length) : receiver.UnprotectRtp(packet, output, out length);

            Assert.True(Enum.IsDefined(result));
            if (result == SrtpResult.Ok)
            {
                Assert.False(changed, $"iteration {i}: a modified packet authenticated");
                Assert.InRange(length, 8, packet.Length);
                ok++;
            }
            else
            {
                Assert.Equal(0, length);
            }
        }

        // The unmodified seeds got through once each at most (later copies are replays).
        Assert.InRange(ok, 0, contexts.Length * 3);
        foreach (var (sender, receiver) in contexts)
        {
            var fresh = Protect(sender, MakeRtp(102, 0xCAFE, 160));
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(fresh, output, out _));
        }
    }

    private static byte[] Mutate(Random rng, byte[] original, out bool changed)
    {
        byte[] packet;
        switch (rng.Next(6))
        {
            case 0: // flip a few bits
                packet = (byte[])original.Clone();
                for (int n = rng.Next(1, 4); n > 0; n--) packet[rng.Next(packet.Length)] ^= (byte)(1 << rng.Next(8));
                break;
            case 1: // truncate
                packet = original[..rng.Next(original.Length)];
                break;
            case 2: // extend with garbage
                packet = new byte[original.Length + rng.Next(1, 64)];
                original.CopyTo(packet, 0);
                rng.NextBytes(packet.AsSpan(original.Length));
                break;
            case 3: // random bytes with a plausible first octet
                packet = new byte[rng.Next(0, 200)];
                rng.NextBytes(packet);
                if (packet.Length > 0 && rng.Next(2) == 0) packet[0] = (byte)(0x80 | (packet[0] & 0x3F));
                break;
            case 4: // header fields that point past the end: CSRC count and extension length
                packet = (byte[])original.Clone();
                packet[0] = (byte)(0x90 | rng.Next(16));
                if (packet.Length > 15) packet[14] = (byte)rng.Next(256);
                break;
            default: // unchanged (replays after the first)
                packet = (byte[])original.Clone();
                break;
        }
        changed = !packet.AsSpan().SequenceEqual(original);
        return packet;
    }
}
