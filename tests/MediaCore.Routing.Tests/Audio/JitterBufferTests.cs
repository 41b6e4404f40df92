using MediaCore.Routing.Audio;

namespace MediaCore.Routing.Tests.Audio;

public sealed class JitterBufferTests
{
    private static readonly long Ms = TimeSpan.TicksPerMillisecond;
    private long _now = 1000 * Ms;

    private static byte[] P(byte tag) => [0xF8, tag];

    private static List<(JitterPop Pop, byte Tag)> Drain(JitterBuffer jb, long now, int count)
    {
        var list = new List<(JitterPop, byte)>();
        for (int i = 0; i < count; i++)
        {
            var r = jb.Pop(now, out var packet);
            list.Add((r, packet.Length > 1 ? packet[1] : (byte)0));
        }
        return list;
    }

    [Fact]
    public void Pop_BeforeTargetDepth_Silence()
    {
        var jb = new JitterBuffer(targetDepth: 2);
        jb.Insert(_now, 10, P(10));
        Assert.Equal(JitterPop.Silence, jb.Pop(_now, out _));
        jb.Insert(_now, 11, P(11));
        Assert.Equal(JitterPop.Packet, jb.Pop(_now, out var p));
        Assert.Equal(10, p[1]);
    }

    [Fact]
    public void Pop_SinglePacketWaitedTargetDelay_Plays()
    {
        var jb = new JitterBuffer(targetDepth: 2);
        jb.Insert(_now, 10, P(10));
        Assert.Equal(JitterPop.Packet, jb.Pop(_now + 40 * Ms, out _));
    }

    [Fact]
    public void Pop_Reordered_PlaysInSequenceOrder()
    {
        var jb = new JitterBuffer(targetDepth: 3);
        jb.Insert(_now, 12, P(12));
        jb.Insert(_now, 10, P(10));
        jb.Insert(_now, 11, P(11));
        Assert.Equal([(JitterPop.Packet, 10), (JitterPop.Packet, 11), (JitterPop.Packet, 12)], Drain(jb, _now, 3).Select(x => (x.Pop, (int)x.Tag)));
    }

    [Fact]
    public void Pop_LostWithNextPresent_OffersFecThenThePacket()
    {
        var jb = new JitterBuffer(targetDepth: 2);
        jb.Insert(_now, 10, P(10));
        jb.Insert(_now, 12, P(12));
        var r = Drain(jb, _now, 3);
        Assert.Equal([(JitterPop.Packet, 10), (JitterPop.Fec, 12), (JitterPop.Packet, 12)], r.Select(x => (x.Pop, (int)x.Tag)));
    }

    [Fact]
    public void Pop_TwoLost_ConcealsThenFec()
    {
        var jb = new JitterBuffer(targetDepth: 2);
        jb.Insert(_now, 10, P(10));
        jb.Insert(_now, 13, P(13));
        var r = Drain(jb, _now, 4).Select(x => x.Pop);
        Assert.Equal([JitterPop.Packet, JitterPop.Lost, JitterPop.Fec, JitterPop.Packet], r);
    }

    [Fact]
    public void Pop_StreamStops_ConcealsBrieflyThenSilence()
    {
        var jb = new JitterBuffer(targetDepth: 1, maxConcealed: 3);
        jb.Insert(_now, 10, P(10));
        var r = Drain(jb, _now, 6).Select(x => x.Pop);
        Assert.Equal([JitterPop.Packet, JitterPop.Lost, JitterPop.Lost, JitterPop.Lost, JitterPop.Silence, JitterPop.Silence], r);
    }

    [Fact]
    public void Insert_LateAndDuplicate_Dropped()
    {
        var jb = new JitterBuffer(targetDepth: 1);
        Assert.True(jb.Insert(_now, 10, P(10)));
        Assert.False(jb.Insert(_now, 10, P(10)));
        jb.Pop(_now, out _);
        Assert.False(jb.Insert(_now, 10, P(10)));
        Assert.Equal(2, jb.Dropped);
    }

    [Fact]
    public void Insert_SequenceWrap_PlaysAcross()
    {
        var jb = new JitterBuffer(targetDepth: 2);
        jb.Insert(_now, 65535, P(1));
        jb.Insert(_now, 0, P(2));
        jb.Insert(_now, 1, P(3));
        Assert.Equal([1, 2, 3], Drain(jb, _now, 3).Select(x => (int)x.Tag));
    }

    [Fact]
    public void Pop_Flood_LatencyTrimmedToTarget()
    {
        var jb = new JitterBuffer(capacity: 8, targetDepth: 2);
        for (int i = 0; i < 1000; i++) jb.Insert(_now, (ushort)i, P((byte)i));
        Assert.True(jb.Count <= 8);
        Assert.Equal(JitterPop.Packet, jb.Pop(_now, out var p));
        // Only the newest target-depth packets are left to play.
        Assert.Equal(unchecked((byte)998), p[1]);
        Assert.True(jb.Count <= 1);
    }

    [Fact]
    public void Restart_OldBacklog_PlaysFromTheNewest()
    {
        var jb = new JitterBuffer(capacity: 8, targetDepth: 2);
        for (int i = 0; i < 6; i++) jb.Insert(_now, (ushort)(100 + i), P((byte)i));
        jb.Restart();
        Assert.Equal([4, 5], Drain(jb, _now, 2).Select(x => (int)x.Tag));
    }

    [Fact]
    public void Insert_HugeSequenceJump_Resynchronises()
    {
        var jb = new JitterBuffer(capacity: 8, targetDepth: 1);
        jb.Insert(_now, 100, P(1));
        jb.Pop(_now, out _);
        jb.Insert(_now, 30_000, P(2));
        var r = Drain(jb, _now, 1);
        Assert.Equal((JitterPop.Packet, (byte)2), r[0]);
    }

    [Fact]
    public void Insert_RandomSequences_NeverThrowsAndStaysBounded()
    {
        var rng = new Random(6464);
        var jb = new JitterBuffer(capacity: 8, targetDepth: 2);
        for (int i = 0; i < 100_000; i++)
        {
            if (rng.Next(3) == 0) jb.Pop(_now + i * Ms, out _);
            else jb.Insert(_now + i * Ms, (ushort)rng.Next(65536), P((byte)i));
            Assert.InRange(jb.Count, 0, 8);
        }
    }
}
