namespace MediaCore.Routing;

/// <summary>
/// A consumer of a simulcast producer that picks the encoding (spatial layer) from the subscriber's
/// available bandwidth, or from an explicit per-consumer override. Upgrades and downgrades take effect at a
/// key frame of the new layer (requested when the choice changes); the old layer flows until then.
/// </summary>
public sealed class SimulcastConsumer : Consumer
{
    /// <summary>Upgrading needs this much headroom over the higher layer's bitrate, so choices don't flap.</summary>
    public const double UpgradeHeadroom = 1.25;

    private long _availableBitrate;
    private int? _preferredLayer;
    private int? _minimumLayer;

    internal SimulcastConsumer(Router router, ConsumerOptions options, IRtpSink sink)
        : base(router, options, sink)
    {
        _availableBitrate = options.InitialAvailableBitrate;
    }

    /// <summary>The bandwidth available to this consumer (bits per second) as last reported.</summary>
    public long AvailableBitrate => _availableBitrate;

    /// <summary>The explicit layer override, or null when the choice follows bandwidth.</summary>
    public int? PreferredLayer => _preferredLayer;

    /// <summary>
    /// Reports this consumer's share of the subscriber's bandwidth estimate (from REMB or transport-cc
    /// feedback, divided by the host among the transport's consumers) and re-evaluates the layer.
    /// </summary>
    public void SetAvailableBitrate(long nowTicks, long bitsPerSecond)
    {
        _availableBitrate = Math.Max(0, bitsPerSecond);
        Reselect(nowTicks, force: true);
    }

    /// <summary>The layer bandwidth-driven choice never goes below (set by <see cref="SetDemand"/>), or null.</summary>
    public int? MinimumLayer => _minimumLayer;

    /// <summary>
    /// What the receivers behind this consumer need, when it feeds another node (a relay link) rather than one subscriber:
    /// <paramref name="bitsPerSecond"/> is the bandwidth of the best-connected receiver that follows bandwidth (0 when none
    /// does), <paramref name="minimumLayer"/> the highest layer a receiver pinned (null when none did). The choice is the
    /// best layer that fits the bandwidth, but not below the minimum.
    /// </summary>
    public void SetDemand(long nowTicks, long bitsPerSecond, int? minimumLayer)
    {
        _availableBitrate = Math.Max(0, bitsPerSecond);
        _minimumLayer = minimumLayer is { } m ? Math.Max(0, m) : null;
        Reselect(nowTicks, force: true);
    }

    /// <summary>
    /// Forces layer <paramref name="layer"/> (0 = lowest; clamped to what exists and is active), or returns
    /// to bandwidth-driven choice with null.
    /// </summary>
    public void SetPreferredLayer(long nowTicks, int? layer)
    {
        _preferredLayer = layer is { } l ? Math.Max(0, l) : null;
        Reselect(nowTicks, force: true);
    }

    protected override ProducerEncoding? SelectEncoding(long nowTicks, Producer source)
    {
        var encodings = source.Encodings;
        if (encodings.Count == 1) return encodings[0];
        var current = TargetEncoding?.Producer == source ? TargetEncoding : null;
        ProducerEncoding? lowestActive = null, best = null;
        if (_preferredLayer is { } preferred) return AtLayer(nowTicks, encodings, preferred);
        foreach (var e in encodings)
        {
            if (!e.IsActive(nowTicks)) continue;
            lowestActive ??= e;
            long bitrate = e.GetBitrate(nowTicks);
            bool upgrade = current == null || e.Index > current.Index;
            // A layer's bitrate window needs a second to fill; until then it would look cheap.
            if (upgrade && lowestActive != e && nowTicks - e.ActiveSince < TimeSpan.TicksPerSecond) continue;
            double needed = upgrade ? bitrate * UpgradeHeadroom : bitrate;
            if (needed <= _availableBitrate) best = e;
        }
        var chosen = best ?? lowestActive ?? current ?? encodings[0];
        if (_minimumLayer is { } minimum)
        {
            var floor = AtLayer(nowTicks, encodings, minimum);
            if (floor.Index > chosen.Index) chosen = floor;
        }
        return chosen;
    }

    // Layer `layer` (clamped), or the nearest active one below it, else above it.
    private static ProducerEncoding AtLayer(long nowTicks, IReadOnlyList<ProducerEncoding> encodings, int layer)
    {
        int cap = Math.Min(layer, encodings.Count - 1);
        for (int i = cap; i >= 0; i--)
            if (encodings[i].IsActive(nowTicks)) return encodings[i];
        for (int i = cap + 1; i < encodings.Count; i++)
            if (encodings[i].IsActive(nowTicks)) return encodings[i];
        return encodings[cap];
    }
}
