using System.Diagnostics;

namespace MediaCore.Browser.Tests.Infrastructure;

/// <summary>
/// A self-signed certificate made by the repository's own <c>scripts/make-local-cert.sh</c> (what <c>./run.sh</c>
/// uses for HTTPS), in a temporary folder, with the SPKI hash Chromium is told to trust.
/// </summary>
public sealed class LocalCertificate : IDisposable
{
    private LocalCertificate(string dir)
    {
        Directory = dir;
        Spki = File.ReadAllText(Path.Combine(dir, "spki.txt")).Trim();
    }

    public string Directory { get; }
    public string CertPath => Path.Combine(Directory, "cert.pem");
    public string KeyPath => Path.Combine(Directory, "key.pem");

    /// <summary>Base64 SHA-256 of the SubjectPublicKeyInfo.</summary>
    public string Spki { get; }

    /// <summary>Kestrel configuration that serves HTTPS with this certificate.</summary>
    public string[] KestrelArgs =>
        [$"--Kestrel:Certificates:Default:Path={CertPath}", $"--Kestrel:Certificates:Default:KeyPath={KeyPath}"];

    /// <summary>The Chromium flag that trusts exactly this key (no blanket --ignore-certificate-errors).</summary>
    public string ChromiumTrustFlag => $"--ignore-certificate-errors-spki-list={Spki}";

    public static async Task<LocalCertificate> CreateAsync()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("mediacore-cert-").FullName;
        var psi = new ProcessStartInfo(Path.Combine(RepoRoot.Path, "scripts", "make-local-cert.sh"))
        {
            UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true,
        };
        psi.ArgumentList.Add(dir);
        using var p = Process.Start(psi)!;
        string error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"make-local-cert.sh failed ({p.ExitCode}): {error}");
        return new LocalCertificate(dir);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The repository root (the folder holding MediaCore.sln), found from the test's output folder.</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(System.IO.Path.Combine(dir, "MediaCore.sln")))
            dir = System.IO.Path.GetDirectoryName(dir.TrimEnd('/')) ?? throw new InvalidOperationException("MediaCore.sln not found above " + AppContext.BaseDirectory);
        return dir;
    }
}
