using SharpFuzz;

namespace MediaCore.Fuzz;

/// <summary>
/// <c>MediaCore.Fuzz &lt;target&gt;</c>: runs one target under AFL (SharpFuzz's persistent loop, input from AFL's
/// shared memory or stdin); <c>MediaCore.Fuzz &lt;target&gt; &lt;file&gt;...</c> runs it once per file (replay a crash).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: MediaCore.Fuzz <target> [file...]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
            return 2;
        }
        if (args.Length > 1)
        {
            foreach (var file in args.Skip(1)) target(File.ReadAllBytes(file));
            return 0;
        }
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            target(ms.ToArray());
        });
        return 0;
    }
}
