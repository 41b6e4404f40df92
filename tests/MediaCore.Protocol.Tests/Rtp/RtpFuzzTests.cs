using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;

namespace MediaCore.Protocol.Tests.Rtp;

/// <summary>Seeded mutation fuzzing: every parser must reject garbage with false, never an exception.</summary>
public class RtpFuzzTests
{
    [Fact]
    public void Parsers_100kMutatedPackets_NeverThrow()
    {
        var rng = new Random(20260526);
        var seeds = RtpFuzzSeeds.Seeds();
        var scratch = new byte[4096];
        var translation = new byte[256];
        for (int i = 1; i < 256; i++) translation[i] = (byte)((i * 7) & 0xFF);
        int parsed = 0;
        for (int i = 0; i < 100_000; i++)
        {
            var data = RtpFuzzSeeds.Mutate(rng, seeds);
            if (RtpPacket.TryParse(data, out var p, out _))
            {
                parsed++;
                int sum = 0;
                foreach (var e in p.GetExtensions()) sum += e.Id + e.Data.Length;
                p.TryGetExtension(rng.Next(16), out _);
                var payload = p.Payload;
                Vp8PayloadDescriptor.TryParse(payload, out _);
                Vp8PayloadDescriptor.TryGetKeyFrameSize(payload, out _, out _);
                H264Packetization.IsKeyFrame(payload);
                H264Packetization.TryGetResolution(payload, out _, out _);
                KeyFrameDetector.IsKeyFrame(CodecKind.Vp9, payload);
                KeyFrameDetector.IsKeyFrame(CodecKind.Av1, payload);
                RtxPacket.TryUnwrap(data, scratch, new PayloadType(96), new Ssrc(1), out _);
                RtxPacket.Wrap(data, scratch, new PayloadType(97), new Ssrc(2), 1);

                var copy = (byte[])data.Clone();
                RtpHeaderEditor.TryOverwriteExtension(copy, rng.Next(1, 16), [1, 2]);
                RtpHeaderEditor.RemoveExtension(copy, rng.Next(1, 16));
                RtpHeaderEditor.RemapExtensionIds(copy, translation);
                Assert.True(RtpPacket.TryParse(copy, out _)); // editing never breaks a valid header
                data.CopyTo(scratch, 0);
                RtxPacket.WrapInPlace(scratch, data.Length, new PayloadType(97), new Ssrc(2), 1);
            }
            else
            {
                // Codec parsers see arbitrary bytes too.
                Vp8PayloadDescriptor.TryParse(data, out _);
                H264Packetization.TryGetResolution(data, out _, out _);
            }
        }
        Assert.InRange(parsed, 10_000, 100_000);
    }
}
