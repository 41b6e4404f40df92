using MediaCore.Protocol.Core;
using MediaCore.Protocol.Feedback;
using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Feedback;

public class NackGeneratorTests
{
    private const uint Sender = 1;
    private const uint Media = 0xABCD;
    private static readonly long T0 = MediaTime.FromSeconds(50);
    private static long Ms(long ms) => MediaTime.FromMilliseconds(ms);

    private static List<ushort>? Poll(NackGenerator g)
    {
        var buf = new byte[1200];
        if (!g.TryPollNack(buf, out int n)) return null;
        Assert.True(GenericNack.TryParse(buf.AsSpan(0, n), out var nack));
        Assert.Equal(Sender, nack.SenderSsrc);
        Assert.Equal(Media, nack.MediaSsrc);
        var seqs = new List<ushort>();
        foreach (ushort s in nack) seqs.Add(s);
        return seqs;
    }

    [Fact]
    public void OnPacket_Gap_RequestsMissingImmediately()
    {
        var g = new NackGenerator(Sender, Media);
        g.OnPacket(T0, 1);
        g.OnPacket(T0 + Ms(1), 2);
        Assert.Equal(MediaTime.Never, g.PollTimeout());
        g.OnPacket(T0 + Ms(2), 5);
        Assert.Equal(T0 + Ms(2), g.PollTimeout());
        Assert.Equal([3, 4], Poll(g));
        Assert.Null(Poll(g));
        Assert.Equal(T0 + Ms(102), g.PollTimeout());
    }

    [Fact]
    public void OnPacket_ReorderedBeforePoll_NoRequest()
    {
        var g = new NackGenerator(Sender, Media, new NackOptions { InitialDelayTicks = Ms(10) });
        g.OnPacket(T0, 1);
        g.OnPacket(T0 + Ms(1), 3);
        Assert.Equal(T0 + Ms(11), g.PollTimeout());
        g.HandleTimeout(T0 + Ms(5));
        Assert.Null(Poll(g)); // still inside the reordering allowance
        g.OnPacket(T0 + Ms(6), 2);
        Assert.Equal(0, g.MissingCount);
        Assert.Equal(MediaTime.Never, g.PollTimeout());
    }

    [Fact]
    public void HandleTimeout_NeverArrives_RequestedMaxRetriesTimesThenForgotten()
    {
        var g = new NackGenerator(Sender, Media);
        g.OnPacket(T0, 10);
        g.OnPacket(T0, 12);
        var requests = new List<long>();
        long now = T0;
        for (int i = 0; i < 10 && g.PollTimeout() != MediaTime.Never; i++)
        {
            now = g.PollTimeout();
            g.HandleTimeout(now);
            Assert.Equal([11], Poll(g));
            requests.Add(now);
        }
        Assert.Equal([T0, T0 + Ms(100), T0 + Ms(200)], requests);
        Assert.Equal(0, g.MissingCount);
        Assert.Equal(MediaTime.Never, g.PollTimeout());
    }

    [Fact]
    public void UpdateRtt_SpacesRetriesByRtt()
    {
        var g = new NackGenerator(Sender, Media);
        g.UpdateRtt(Ms(30));
        g.OnPacket(T0, 1);
        g.OnPacket(T0, 3);
        Assert.Equal([2], Poll(g));
        Assert.Equal(T0 + Ms(30), g.PollTimeout());
    }

    [Fact]
    public void OnPacket_RetransmissionArrives_NotRequestedAgain()
    {
        var g = new NackGenerator(Sender, Media);
        g.OnPacket(T0, 1);
        g.OnPacket(T0, 4);
        Assert.Equal([2, 3], Poll(g));
        g.OnPacket(T0 + Ms(40), 2); // repaired by RTX
        g.HandleTimeout(T0 + Ms(100));
        Assert.Equal([3], Poll(g));
    }

    [Fact]
    public void OnPacket_FarAhead_GivesUpOnPacketsOutsideAgeWindow()
    {
        var g = new NackGenerator(Sender, Media, new NackOptions { MaxAgePackets = 50 });
        g.OnPacket(T0, 1);
        g.OnPacket(T0, 3);     // 2 missing
        g.OnPacket(T0, 100);   // 2 is now 98 behind: given up; only 50..99 are worth asking for
        var seqs = Poll(g)!;
        Assert.DoesNotContain((ushort)2, seqs);
        Assert.Equal(Enumerable.Range(50, 50).Select(i => (ushort)i), seqs);
    }

    [Fact]
    public void OnPacket_SequenceWraps_RequestsAcrossWrap()
    {
        var g = new NackGenerator(Sender, Media);
        g.OnPacket(T0, 65534);
        g.OnPacket(T0, 1);
        Assert.Equal([65535, 0], Poll(g));
    }

    [Fact]
    public void OnPacket_TooManyMissing_AsksForKeyFrame()
    {
        var g = new NackGenerator(Sender, Media, new NackOptions { MaxMissing = 10 });
        g.OnPacket(T0, 0);
        Assert.False(g.TryPollKeyFrameRequest());
        g.OnPacket(T0, 20);
        Assert.Equal(10, g.MissingCount);
        Assert.True(g.TryPollKeyFrameRequest());
        Assert.False(g.TryPollKeyFrameRequest());
        Assert.Equal(Enumerable.Range(10, 10).Select(i => (ushort)i), Poll(g));
    }

    [Fact]
    public void TryPollNack_ManyScatteredLosses_SplitsAcrossPacketsBySize()
    {
        var g = new NackGenerator(Sender, Media);
        for (int i = 0; i < 200; i++) g.OnPacket(T0, (ushort)(i * 40)); // 39 lost between each pair
        var buf = new byte[12 + 4 * 8]; // room for 8 FCI entries
        int total = 0, packets = 0;
        while (g.TryPollNack(buf, out int n))
        {
            Assert.True(GenericNack.TryParse(buf.AsSpan(0, n), out var nack));
            Assert.True(nack.ItemCount <= 8);
            foreach (ushort _ in nack) total++;
            packets++;
        }
        Assert.True(packets > 1);
        Assert.Equal(Math.Min(500, 199 * 39), total);
    }
}
