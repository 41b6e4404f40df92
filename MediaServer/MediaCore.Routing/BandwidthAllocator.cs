namespace MediaCore.Routing;

/// <summary>
/// Splits one subscriber transport's bandwidth estimate (REMB or transport-cc) among its video consumers,
/// in priority order (list order: the program slot first). Every consumer first gets its source's lowest
/// active layer; what is left upgrades consumers one at a time, highest priority first, each to the best
/// layer that fits. Each consumer then receives its share through
/// <see cref="SimulcastConsumer.SetAvailableBitrate"/>. Allocation-free; call it whenever the estimate
/// changes (or every second or so).
/// </summary>
public static class BandwidthAllocator
{
    /// <summary>Returns the bits per second left unallocated.</summary>
    public static long Allocate(long nowTicks, long availableBitrate, IReadOnlyList<SimulcastConsumer> consumers)
    {
        long budget = Math.Max(0, availableBitrate);
        int count = consumers.Count;
        Span<long> share = count <= 32 ? stackalloc long[count] : new long[count];
        for (int i = 0; i < count; i++)
        {
            long lowest = LayerBitrate(nowTicks, consumers[i], highest: false, limit: long.MaxValue);
            share[i] = Math.Min(lowest, budget);
            budget -= share[i];
        }
        for (int i = 0; i < count && budget > 0; i++)
        {
            // The consumer upgrades only with headroom (SimulcastConsumer.UpgradeHeadroom), so offer that much.
            long limit = (long)((share[i] + budget) / SimulcastConsumer.UpgradeHeadroom);
            long best = LayerBitrate(nowTicks, consumers[i], highest: true, limit: limit);
            long want = Math.Max(share[i], (long)(best * SimulcastConsumer.UpgradeHeadroom));
            long extra = Math.Min(budget, want - share[i]);
            share[i] += extra;
            budget -= extra;
        }
        for (int i = 0; i < count; i++) consumers[i].SetAvailableBitrate(nowTicks, share[i]);
        return budget;
    }

    // Bitrate of the lowest active layer, or of the highest active layer not above limit.
    private static long LayerBitrate(long nowTicks, Consumer consumer, bool highest, long limit)
    {
        var source = consumer.Source;
        if (source == null || consumer.IsPaused || consumer.IsClosed) return 0;
        long result = 0;
        foreach (var e in source.Encodings)
        {
            if (!e.IsActive(nowTicks)) continue;
            long bitrate = e.GetBitrate(nowTicks);
            if (!highest) return bitrate;
            if (bitrate <= limit) result = Math.Max(result, bitrate);
        }
        return result;
    }
}
