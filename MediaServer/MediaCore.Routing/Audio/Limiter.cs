namespace MediaCore.Routing.Audio;

/// <summary>
/// A frame-based peak limiter for one mix output: summing several voices can exceed full scale, and
/// converting such a sum to the codec's range must never wrap around (a wrapped sample is a loud click)
/// nor hard-clip for long (distortion). The limiter sees the whole 20 ms frame before it is encoded, so it
/// has a frame of look-ahead for free: it lowers the gain at the frame start so that the frame's peak
/// lands at <see cref="Threshold"/>, and releases back to unity gain smoothly over the next frames.
/// </summary>
internal sealed class Limiter
{
    private readonly float _threshold;
    private readonly float _release;
    private float _gain = 1f;

    /// <param name="threshold">Highest output magnitude (1.0 = full scale); 0.89 is -1 dBFS.</param>
    /// <param name="releasePerFrame">Fraction of the distance to unity gain recovered per frame (0.05 ≈ 400 ms).</param>
    public Limiter(float threshold = 0.89f, float releasePerFrame = 0.05f)
    {
        _threshold = threshold;
        _release = releasePerFrame;
    }

    public float Threshold => _threshold;

    /// <summary>The gain applied at the end of the last frame (1 when the limiter is idle).</summary>
    public float Gain => _gain;

    /// <summary>Limits <paramref name="frame"/> in place.</summary>
    public void Process(Span<float> frame)
    {
        float peak = 0f;
        foreach (float s in frame)
        {
            float a = MathF.Abs(s);
            if (a > peak) peak = a;
        }
        float start = _gain;
        float target = start + (1f - start) * _release;
        if (peak * target > _threshold) target = _threshold / peak;
        if (target <= start)
        {
            // Attack: the whole frame at the lower gain, so no sample of it exceeds the threshold.
            Scale(frame, target);
        }
        else
        {
            // Release: ramp up; every gain on the ramp is at most target, which fits this frame's peak.
            float step = (target - start) / frame.Length;
            float g = start;
            for (int i = 0; i < frame.Length; i++)
            {
                g += step;
                frame[i] *= g;
            }
        }
        _gain = target;
        // Float rounding aside, nothing is above the threshold here; the clamp guarantees no wrap later.
        for (int i = 0; i < frame.Length; i++) frame[i] = Math.Clamp(frame[i], -1f, 1f);
    }

    public void Reset() => _gain = 1f;

    private static void Scale(Span<float> frame, float gain)
    {
        if (gain == 1f) return;
        for (int i = 0; i < frame.Length; i++) frame[i] *= gain;
    }
}
