namespace MediaCore.Routing;

/// <summary>
/// Received bitrate over a sliding window of ten 100 ms buckets (about one second), fed per packet with
/// virtual time; used to rank simulcast encodings against a subscriber's bandwidth estimate.
/// </summary>
internal struct BitrateMeter
{
    private const int Buckets = 10;
    private const long BucketTicks = TimeSpan.TicksPerMillisecond * 100;
    private BucketArray _bytes;
    private long _currentBucket;
    private bool _started;

    [System.Runtime.CompilerServices.InlineArray(Buckets)]
    private struct BucketArray
    {
        private long _element;
    }

    public void Add(long nowTicks, int bytes)
    {
        Advance(nowTicks);
        _bytes[Index(_currentBucket)] += bytes;
    }

    /// <summary>Bits per second over the last second (0 before any packet).</summary>
    public long GetBitsPerSecond(long nowTicks)
    {
        if (!_started) return 0;
        Advance(nowTicks);
        long sum = 0;
        for (int i = 0; i < Buckets; i++) sum += _bytes[i];
        return sum * 8;
    }

    private static int Index(long bucket) => (int)(((bucket % Buckets) + Buckets) % Buckets);

    private void Advance(long nowTicks)
    {
        long bucket = nowTicks / BucketTicks;
        if (!_started)
        {
            _started = true;
            _currentBucket = bucket;
            return;
        }
        if (bucket <= _currentBucket) return;
        long steps = Math.Min(bucket - _currentBucket, Buckets);
        for (long i = 1; i <= steps; i++) _bytes[Index(_currentBucket + i)] = 0;
        _currentBucket = bucket;
    }
}
