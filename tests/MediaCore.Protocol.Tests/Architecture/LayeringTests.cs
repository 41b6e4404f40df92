namespace MediaCore.Protocol.Tests.Architecture;

/// <summary>
/// docs/architecture.md: the protocol and routing layers never touch sockets, timers or the wall clock; the host passes
/// time in. Checked on the sources so a new violation fails the build's tests, not a review.
/// </summary>
public sealed class LayeringTests
{
    private static readonly string[] Forbidden =
    [
        "System.Net.Sockets", "Task.Delay", "Thread.Sleep", "DateTime.Now", "DateTime.UtcNow", "DateTimeOffset.Now",
        "DateTimeOffset.UtcNow", "new Timer(", "System.Threading.Timer", "Stopwatch.", "Environment.TickCount",
    ];

    // BouncyCastle's DTLS handshake is blocking: its facade runs it on a short-lived thread (DtlsEndpoint docs).
    private static readonly string[] Exempt = ["Dtls"];

    [Theory]
    [InlineData("MediaCore.Protocol")]
    [InlineData("MediaCore.Routing")]
    public void Sources_UseNoSocketsTimersOrClock(string project)
    {
        string root = Path.Combine(RepoRoot(), "MediaServer", project);
        var violations = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(root, file);
            if (rel.StartsWith("obj") || rel.StartsWith("bin") || Exempt.Any(e => rel.StartsWith(e))) continue;
            int line = 0;
            foreach (var text in File.ReadLines(file))
            {
                line++;
                string code = text.TrimStart();
                if (code.StartsWith("//")) continue;
                foreach (var f in Forbidden)
                {
                    if (code.Contains(f, StringComparison.Ordinal)) violations.Add($"{rel}:{line}: {f}");
                }
            }
        }
        Assert.Empty(violations);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MediaCore.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MediaCore.sln not found above the test binaries");
    }
}
