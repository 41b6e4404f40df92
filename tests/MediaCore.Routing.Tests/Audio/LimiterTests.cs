using MediaCore.Routing.Audio;

namespace MediaCore.Routing.Tests.Audio;

public sealed class LimiterTests
{
    private static float[] Sine(double frequency, float amplitude, int offset = 0)
    {
        var f = new float[960];
        for (int i = 0; i < f.Length; i++) f[i] = amplitude * (float)Math.Sin(2 * Math.PI * frequency * (i + offset) / 48_000);
        return f;
    }

    [Fact]
    public void Process_QuietSignal_Unchanged()
    {
        var limiter = new Limiter();
        var frame = Sine(440, 0.3f);
        var original = frame.ToArray();
        limiter.Process(frame);
        Assert.Equal(original, frame);
        Assert.Equal(1f, limiter.Gain);
    }

    [Fact]
    public void Process_SumOfFourLoudVoices_NeverAboveThresholdAndNoWrap()
    {
        // Four in-phase voices at 0.8 sum to 3.2: as 16-bit PCM that would wrap to a large negative value.
        var limiter = new Limiter();
        for (int f = 0; f < 50; f++)
        {
            var sum = Sine(300, 3.2f, f * 960);
            var reference = sum.ToArray();
            limiter.Process(sum);
            for (int i = 0; i < sum.Length; i++)
            {
                Assert.True(MathF.Abs(sum[i]) <= limiter.Threshold + 1e-6f, $"sample {i} of frame {f}: {sum[i]}");
                // Limiting scales, it never flips the sign (a wrap-around would).
                Assert.True(sum[i] == 0 || MathF.Sign(sum[i]) == MathF.Sign(reference[i]));
            }
        }
        Assert.InRange(limiter.Gain, 0.2f, 0.3f);
    }

    [Fact]
    public void Process_AfterBurst_ReleasesToUnityGradually()
    {
        var limiter = new Limiter();
        limiter.Process(Sine(300, 4f));
        float low = limiter.Gain;
        float previous = low;
        for (int f = 0; f < 200; f++)
        {
            var quiet = Sine(300, 0.1f, f * 960);
            limiter.Process(quiet);
            Assert.True(limiter.Gain >= previous);
            previous = limiter.Gain;
        }
        Assert.True(low < 0.3f);
        Assert.True(limiter.Gain > 0.99f);
    }

    [Fact]
    public void Process_Release_IsContinuousWithinTheFrame()
    {
        var limiter = new Limiter();
        limiter.Process(Sine(300, 4f));
        var dc = new float[960];
        Array.Fill(dc, 0.1f);
        limiter.Process(dc);
        // A ramp, not a step: neighbouring samples differ by a tiny gain increment.
        for (int i = 1; i < dc.Length; i++) Assert.True(dc[i] - dc[i - 1] < 1e-4f);
    }
}
