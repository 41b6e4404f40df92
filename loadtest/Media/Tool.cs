using System.Diagnostics;

namespace MediaCore.LoadTest.Media;

/// <summary>Runs Debian's media programs (ffmpeg, ffprobe) and fails loudly when they fail.</summary>
public static class Tool
{
    /// <summary>What a program printed.</summary>
    public readonly record struct Output(string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    /// <summary>Runs <paramref name="program"/>; throws <see cref="InvalidOperationException"/> with its error output on a non-zero exit.</summary>
    public static Output Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{program} is not installed or not on PATH ({e.Message}): apt-get install ffmpeg", e);
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {(stderr.Length > 800 ? stderr[^800..] : stderr)}");
            return new Output(stdout.Result, stderr);
        }
    }
}
