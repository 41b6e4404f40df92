namespace MediaCore.Routing.Audio;

/// <summary>
/// Converts between the mixer's 48 kHz and the 8 kHz of narrowband telephony (G.711), a ratio of exactly 6, with
/// a polyphase windowed-sinc FIR low-pass (cut-off 3.6 kHz): upsampling inserts five zeros per sample and
/// filters (so no images of a tone appear above 4 kHz), downsampling filters then keeps every sixth sample (so
/// nothing above 4 kHz folds back). Each direction keeps its own history; one instance per stream and direction.
/// Allocation-free after construction.
/// </summary>
public sealed class NarrowbandResampler
{
    /// <summary>48 kHz / 8 kHz.</summary>
    public const int Ratio = 6;
    private const int TapsPerPhase = 16;
    private const int Taps = Ratio * TapsPerPhase;
    private static readonly float[] Filter = Design();

    private readonly float[] _history = new float[Taps];
    private int _pos;

    /// <summary>8 kHz samples (full scale ±1) to 48 kHz: writes <c>input.Length * 6</c> samples.</summary>
    public void Upsample(ReadOnlySpan<float> input, Span<float> output)
    {
        // The last TapsPerPhase input samples in a ring; output phase k sums x[n - j] * h[j * 6 + k] (x6 for the zeros).
        int o = 0;
        foreach (float x in input)
        {
            _history[_pos] = x;
            _pos = (_pos + 1) % TapsPerPhase;
            for (int k = 0; k < Ratio; k++)
            {
                float acc = 0f;
                int idx = _pos;
                for (int j = 0; j < TapsPerPhase; j++)
                {
                    idx = idx == 0 ? TapsPerPhase - 1 : idx - 1;
                    acc += _history[idx] * Filter[j * Ratio + k];
                }
                output[o++] = acc * Ratio;
            }
        }
    }

    /// <summary>48 kHz samples to 8 kHz: writes <c>input.Length / 6</c> samples (input a multiple of 6).</summary>
    public void Downsample(ReadOnlySpan<float> input, Span<float> output)
    {
        int o = 0;
        for (int i = 0; i < input.Length; i++)
        {
            _history[_pos] = input[i];
            _pos = (_pos + 1) % Taps;
            if ((i + 1) % Ratio != 0) continue;
            float acc = 0f;
            int idx = _pos;
            // Newest sample is at _pos - 1: tap j multiplies the sample j steps back.
            for (int j = 0; j < Taps; j++)
            {
                idx = idx == 0 ? Taps - 1 : idx - 1;
                acc += _history[idx] * Filter[j];
            }
            output[o++] = acc;
        }
    }

    public void Reset()
    {
        Array.Clear(_history);
        _pos = 0;
    }

    // Blackman-windowed sinc, cut-off 3.6 kHz at 48 kHz, unity DC gain.
    private static float[] Design()
    {
        var f = new float[Taps];
        double fc = 3600.0 / 48000.0, sum = 0;
        double mid = (Taps - 1) / 2.0;
        for (int n = 0; n < Taps; n++)
        {
            double x = n - mid;
            double sinc = x == 0 ? 2 * fc : Math.Sin(2 * Math.PI * fc * x) / (Math.PI * x);
            double w = 0.42 - 0.5 * Math.Cos(2 * Math.PI * n / (Taps - 1)) + 0.08 * Math.Cos(4 * Math.PI * n / (Taps - 1));
            f[n] = (float)(sinc * w);
            sum += f[n];
        }
        for (int n = 0; n < Taps; n++) f[n] = (float)(f[n] / sum);
        return f;
    }
}
