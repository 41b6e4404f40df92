namespace MediaCore.Protocol.Tests.Architecture;

/// <summary>
/// The repository explains itself: a user who clones it has docs/ (architecture, packet flow, decisions,
/// operations) and nothing else, so no file may point at documents outside it (the ../shared design notes
/// the project started from).
/// </summary>
public sealed class SelfContainedRepositoryTests
{
    private static readonly string[] Forbidden = ["../shared", "shared/DESIGN.md", "DESIGN.md", "STYLE.md", "GLOSSARY.md"];
    private static readonly HashSet<string> SkippedDirectories = ["bin", "obj", ".git", "node_modules", "dist", "TestResults", ".vs"];
    private static readonly HashSet<string> TextExtensions =
        [".cs", ".md", ".sh", ".json", ".js", ".ts", ".vue", ".html", ".css", ".yml", ".yaml", ".props", ".csproj", ".sln", ".txt", ".editorconfig", ".sql", ".xml", ".mjs"];

    [Fact]
    public void Repository_NoFileReferencesDocumentsOutsideIt()
    {
        string root = RepoRoot();
        var offenders = new List<string>();
        foreach (var file in Files(root))
        {
            string text = File.ReadAllText(file);
            foreach (var f in Forbidden)
            {
                int at = text.IndexOf(f, StringComparison.Ordinal);
                if (at < 0) continue;
                int line = text.AsSpan(0, at).Count('\n') + 1;
                offenders.Add($"{Path.GetRelativePath(root, file)}:{line}: '{f}'");
                break;
            }
        }
        Assert.True(offenders.Count == 0, "point these at docs/ instead:\n" + string.Join('\n', offenders));
        foreach (var doc in new[] { "architecture.md", "packet-flow.md", "decisions.md", "operations.md" })
            Assert.True(File.Exists(Path.Combine(root, "docs", doc)), $"docs/{doc} is missing");
    }

    private static IEnumerable<string> Files(string dir)
    {
        foreach (var f in Directory.EnumerateFiles(dir))
        {
            var name = Path.GetFileName(f);
            if (name == nameof(SelfContainedRepositoryTests) + ".cs") continue;
            if (TextExtensions.Contains(Path.GetExtension(f)) || name is "run.sh" or "test.sh" or ".editorconfig") yield return f;
        }
        foreach (var d in Directory.EnumerateDirectories(dir))
        {
            if (SkippedDirectories.Contains(Path.GetFileName(d))) continue;
            foreach (var f in Files(d)) yield return f;
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MediaCore.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (MediaCore.sln) not found above " + AppContext.BaseDirectory);
    }
}
