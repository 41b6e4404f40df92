using System.Buffers.Binary;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Demux;
using MediaCore.Protocol.Ice;
using MediaCore.Protocol.Stun;
using MediaCore.Protocol.Tests.Ice;

namespace MediaCore.Protocol.Tests.Stun;

/// <summary>
/// Seeded fuzzing: mutated STUN messages and random bytes go through the demultiplexer, the parser with
/// every getter, and both ICE agents. Nothing may throw or hang; the test fails on the first exception.
/// </summary>
public class StunFuzzTests
{
    private const int Iterations = 100_000;

    [Fact]
    public void Fuzz_MutatedAndRandomInputs_NeverThrow()
    {
        var random = new Random(20260226);
        var seeds = new List<byte[]>
        {
            Rfc5769Tests.SampleRequest,
            IceTestKit.Check(useCandidate: true),
            IceTestKit.Check(controlled: true, extraAttribute: 0x7001),
            IceTestKit.Check(integrity: false),
        };
        using var lite = new IceLiteAgent(0, IceTestKit.Server);
        lite.SetRemoteCredentials(IceTestKit.Browser.Ufrag, IceTestKit.Browser.Password);
        using var client = new IceControllingAgent(0, IceTestKit.Browser, IceTestKit.Server, IceTestKit.BrowserA);
        client.HandleTimeout(0);
        while (client.TryPollTransmit(out var first)) { seeds.Add(first.Payload.ToArray()); first.Return(); }
        using var key = StunIntegrityKey.ForShortTerm(IceTestKit.Server.Password);

        int parsed = 0, rejected = 0;
        var buffer = new byte[1600];
        var ufragChars = new char[8];
        for (int i = 0; i < Iterations; i++)
        {
            int length = Mutate(random, seeds[random.Next(seeds.Count)], buffer);
            var input = buffer.AsSpan(0, length);

            PacketDemux.Classify(input);
            if (StunMessage.TryParse(input, out var message)) { parsed++; Exercise(message, key); }
            else rejected++;
            IceLiteAgent.TryGetLocalUfrag(input, out ReadOnlySpan<byte> _);
            IceLiteAgent.TryGetLocalUfrag(input, ufragChars, out _);

            long now = i * MediaTime.FromMilliseconds(1);
            var from = (i & 1) == 0 ? IceTestKit.BrowserA : IceTestKit.BrowserV6;
            lite.HandleReceive(now, input, from);
            client.HandleReceive(now, input, IceTestKit.BrowserA);
            if ((i & 63) == 0)
            {
                lite.HandleTimeout(now);
                client.HandleTimeout(now);
                while (lite.TryPollTransmit(out var t)) t.Return();
                while (client.TryPollTransmit(out var t)) t.Return();
                while (lite.TryPollEvent(out _)) { }
                while (client.TryPollEvent(out _)) { }
            }
        }

        // Both paths were exercised, not just the early rejects.
        Assert.True(parsed > Iterations / 10, $"parsed {parsed}");
        Assert.True(rejected > Iterations / 10, $"rejected {rejected}");
    }

    private static void Exercise(StunMessage m, StunIntegrityKey key)
    {
        _ = m.Class;
        _ = m.Method;
        _ = m.TransactionId;
        foreach (var a in m.Attributes) _ = a.Value.Length;
        m.TryGetUsername(out _);
        m.TryGetSoftware(out _);
        m.TryGetPriority(out _);
        m.TryGetIceControlling(out _);
        m.TryGetIceControlled(out _);
        m.TryGetErrorCode(out _, out _);
        m.TryGetXorMappedAddress(out _);
        _ = m.HasUseCandidate;
        m.VerifyFingerprint();
        m.VerifyMessageIntegrity(key);
    }

    private static int Mutate(Random random, byte[] seed, byte[] buffer)
    {
        switch (random.Next(6))
        {
            case 0:
            {
                // Pure noise, half of it dressed with a STUN header so it reaches the attribute walk.
                int n = random.Next(0, 600);
                random.NextBytes(buffer.AsSpan(0, n));
                if (n >= 20 && random.Next(2) == 0)
                {
                    buffer[0] &= 0x3F;
                    BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)((n - 20) & ~3));
                    BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), StunMessage.MagicCookie);
                    return 20 + ((n - 20) & ~3);
                }
                return n;
            }
            case 1:
            {
                // Bit flips.
                seed.CopyTo(buffer, 0);
                int flips = random.Next(1, 6);
                for (int k = 0; k < flips; k++) buffer[random.Next(seed.Length)] ^= (byte)(1 << random.Next(8));
                return seed.Length;
            }
            case 2:
            {
                // Attribute length fields rewritten (the interesting parser edge).
                seed.CopyTo(buffer, 0);
                int at = 20 + 4 * random.Next(Math.Max(1, (seed.Length - 20) / 4)) + 2;
                if (at + 1 < seed.Length) BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(at), (ushort)random.Next(0, 0x10000));
                return seed.Length;
            }
            case 3:
            {
                // Truncation, with the header length patched to match so it passes the first checks.
                int n = random.Next(0, seed.Length + 1);
                seed.AsSpan(0, n).CopyTo(buffer);
                if (n >= 20) BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)(n - 20));
                return n;
            }
            case 4:
            {
                // Random tail appended as an extra attribute-ish blob.
                seed.CopyTo(buffer, 0);
                int extra = random.Next(0, 64) & ~3;
                random.NextBytes(buffer.AsSpan(seed.Length, extra));
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)(seed.Length + extra - 20));
                return seed.Length + extra;
            }
            default:
            {
                // Random byte overwrites, including the type and class bits.
                seed.CopyTo(buffer, 0);
                int writes = random.Next(1, 4);
                for (int k = 0; k < writes; k++) buffer[random.Next(seed.Length)] = (byte)random.Next(256);
                return seed.Length;
            }
        }
    }
}
