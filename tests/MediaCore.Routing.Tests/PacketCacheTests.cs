using MediaCore.Protocol.Core;

namespace MediaCore.Routing.Tests;

public class PacketCacheTests
{
    private const long Ms = TimeSpan.TicksPerMillisecond;

    private static void Store(PacketCache cache, long now, ulong seq, byte value)
    {
        var slot = cache.BeginStore(now, new SeqNo(seq));
        Assert.False(slot.IsEmpty);
        slot[0] = value;
        cache.Commit(new SeqNo(seq), 1);
    }

    [Fact]
    public void TryGet_AfterRingWraps_OldEntryIsEvicted()
    {
        var pool = new PacketBufferPool(1500);
        var cache = new PacketCache(16, 10_000 * Ms, pool);
        for (ulong s = 100; s < 100 + 16; s++) Store(cache, 0, s, (byte)s);
        Assert.True(cache.TryGet(0, new SeqNo(100), out var p));
        Assert.Equal(100, p[0]);
        Store(cache, 0, 116, 116);
        Assert.False(cache.TryGet(0, new SeqNo(100), out _));
        Assert.True(cache.TryGet(0, new SeqNo(116), out p));
        Assert.Equal(116, p[0]);
        Assert.True(cache.BeginStore(0, new SeqNo(100)).IsEmpty); // older than the ring: refused
    }

    [Fact]
    public void BeginStore_AgedEntries_AreReleasedToPool()
    {
        var pool = new PacketBufferPool(1500);
        var cache = new PacketCache(64, 100 * Ms, pool);
        for (ulong s = 0; s < 10; s++) Store(cache, 0, s, 1);
        Assert.Equal(10, cache.Count);
        for (ulong s = 10; s < 20; s++) Store(cache, 1000 * Ms, s, 1);
        Assert.False(cache.TryGet(1000 * Ms, new SeqNo(5), out _));
        // 11 buffers exist in all: the first aged-out ones were recycled for the newer packets.
        Assert.Equal((10, 1), (cache.Count, pool.FreeCount));
    }

    [Fact]
    public void TryGet_Expired_ReturnsFalse()
    {
        var cache = new PacketCache(16, 100 * Ms, new PacketBufferPool(1500));
        Store(cache, 0, 1, 1);
        Assert.True(cache.TryGet(100 * Ms, new SeqNo(1), out _));
        Assert.False(cache.TryGet(101 * Ms, new SeqNo(1), out _));
    }
}
