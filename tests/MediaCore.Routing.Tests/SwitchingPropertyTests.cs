using MediaCore.Protocol.Core;
using static MediaCore.Routing.Tests.Setup;

namespace MediaCore.Routing.Tests;

/// <summary>
/// Seeded random churn (source switches, producers leaving and arriving, pauses, key frames at random)
/// over loss-free input: whatever happens, each consumer's output keeps RFC 3550 §5.1 continuity:
/// sequence numbers step by exactly one and timestamps never go back.
/// </summary>
public class SwitchingPropertyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomChurn_OutputSeqContinuousAndTimestampsMonotonic(int seed)
    {
        var rng = new Random(seed);
        var router = new Router();
        var kfr = new CountingKeyFrameRequester();
        var producers = new List<(Producer P, Publisher Pub)>();
        int nextId = 0;
        void AddProducer(long now)
        {
            uint ssrc = (uint)(0x100 + nextId);
            var p = router.CreateProducer(now, Video("p" + nextId, ssrc, kfr, participant: "u" + nextId));
            producers.Add((p, new Publisher(ssrc, 96, firstSeq: (ushort)rng.Next(65536), firstTs: (uint)rng.NextInt64(uint.MaxValue),
                firstPictureId: rng.Next(0x8000))));
            nextId++;
        }
        for (int i = 0; i < 3; i++) AddProducer(0);
        var sinks = new RecordingSink[4];
        var slots = new Consumer[4];
        for (int i = 0; i < 4; i++)
        {
            sinks[i] = new RecordingSink();
            slots[i] = router.CreateConsumer(0, VideoConsumer("c" + i), sinks[i]);
        }
        router.CreateProgramSelector(0, slots[..2]);
        long now = 0;
        for (int step = 0; step < 5000; step++)
        {
            now += rng.Next(1, 20) * Ms;
            int action = rng.Next(100);
            if (action < 80 && producers.Count > 0)
            {
                var (p, pub) = producers[rng.Next(producers.Count)];
                router.OnRtp(now, p, pub.Vp8Frame(key: rng.Next(30) == 0));
            }
            else if (action < 88 && producers.Count > 0)
            {
                var c = slots[2 + rng.Next(2)];
                c.SetSource(now, producers[rng.Next(producers.Count)].P);
            }
            else if (action < 91 && producers.Count > 1)
            {
                int k = rng.Next(producers.Count);
                router.RemoveProducer(now, producers[k].P);
                producers.RemoveAt(k);
            }
            else if (action < 94 && producers.Count < 6)
            {
                AddProducer(now);
            }
            else if (action < 96)
            {
                router.SetProgramFloor(now, null, producers.Count > 0 ? producers[rng.Next(producers.Count)].P.ParticipantId : null);
            }
            else if (action < 98)
            {
                var c = slots[rng.Next(4)];
                if (c.IsPaused) c.Resume(now); else c.Pause();
            }
        }
        int total = 0;
        foreach (var sink in sinks)
        {
            total += sink.Packets.Count;
            for (int i = 1; i < sink.Packets.Count; i++)
            {
                var a = new RtpView(sink.Packets[i - 1]);
                var b = new RtpView(sink.Packets[i]);
                Assert.Equal((ushort)(a.Seq + 1), b.Seq);
                Assert.True((int)(b.Timestamp - a.Timestamp) >= 0, $"timestamp went back at packet {i}");
                Assert.Equal(a.Ssrc, b.Ssrc);
                Assert.Equal((a.PictureId + 1) & 0x7FFF, b.PictureId); // one packet per frame here
            }
        }
        Assert.True(total > 300, $"only {total} packets forwarded");
    }
}
