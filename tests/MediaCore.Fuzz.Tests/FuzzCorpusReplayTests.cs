using MediaCore.Fuzz;

namespace MediaCore.Fuzz.Tests;

/// <summary>
/// Keeps the SharpFuzz targets (fuzz/MediaCore.Fuzz, run by scripts/fuzz.sh) from rotting: every target replays its
/// seed corpus, every crash ever found (fuzz/regressions/&lt;target&gt;) and a fixed set of seeded mutations of the
/// seeds, and must return normally each time. Deterministic: same inputs every run, no time limits.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7f, 0x80, 0xff];

    public static TheoryData<string> Targets => new(FuzzTargets.All.Keys);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_CorpusRegressionsAndSeededMutations_ReturnNormally(string target)
    {
        var run = FuzzTargets.All[target];
        var seeds = Files("corpus", target);
        Assert.True(seeds.Count > 0, $"fuzz/corpus/{target} has no seed: add a real input for the target");
        foreach (var file in seeds.Concat(Files("regressions", target)))
            Replay(run, File.ReadAllBytes(file), file);

        // The DTLS target drives a real handshake thread per input: fewer mutations keep it to a second or two.
        int mutations = target == "dtls" ? 40 : 400;
        var random = new Random(20261203);
        for (int i = 0; i < mutations; i++)
        {
            var input = Mutate(random, File.ReadAllBytes(seeds[random.Next(seeds.Count)]));
            Replay(run, input, $"mutation {i} (seed 20261203)");
        }
    }

    private static void Replay(Action<byte[]> run, byte[] input, string what)
    {
        try
        {
            run(input);
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}\ninput: {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 256)))}\n{e}");
        }
    }

    private static List<string> Files(string kind, string target)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, kind, target);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToList() : [];
    }

    /// <summary>AFL-like havoc: bit flips, interesting bytes, truncation, duplication and random insertions.</summary>
    private static byte[] Mutate(Random random, byte[] seed)
    {
        var data = new List<byte>(seed);
        int steps = 1 + random.Next(8);
        for (int s = 0; s < steps; s++)
        {
            switch (random.Next(6))
            {
                case 0 when data.Count > 0:
                    int bit = random.Next(data.Count * 8);
                    data[bit / 8] ^= (byte)(1 << (bit % 8));
                    break;
                case 1 when data.Count > 0:
                    data[random.Next(data.Count)] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2 when data.Count > 1:
                    int at = random.Next(data.Count);
                    data.RemoveRange(at, 1 + random.Next(Math.Min(16, data.Count - at)));
                    break;
                case 3 when data.Count > 0:
                    int from = random.Next(data.Count), length = Math.Min(1 + random.Next(32), data.Count - from);
                    data.InsertRange(random.Next(data.Count), data.GetRange(from, length));
                    break;
                case 4:
                    var bytes = new byte[1 + random.Next(8)];
                    random.NextBytes(bytes);
                    data.InsertRange(random.Next(data.Count + 1), bytes);
                    break;
                default:
                    int keep = random.Next(data.Count + 1);
                    data.RemoveRange(keep, data.Count - keep);
                    break;
            }
        }
        return data.ToArray();
    }
}
