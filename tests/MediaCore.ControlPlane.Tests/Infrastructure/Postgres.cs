using System.Diagnostics;
using Npgsql;

namespace MediaCore.ControlPlane.Tests.Infrastructure;

/// <summary>
/// Starts Debian's PostgreSQL through scripts/start-postgres.sh (once per test run) and hands out a fresh
/// database per fixture. If PostgreSQL cannot be started the PostgreSQL-variant tests fail with the
/// script's message: they never pass silently.
/// </summary>
public static class Postgres
{
    private static readonly Lazy<string> BaseConnection = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static string CreateDatabase()
    {
        var name = "cp_test_" + Guid.NewGuid().ToString("N")[..12];
        using var conn = new NpgsqlConnection(BaseConnection.Value);
        conn.Open();
        using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
        cmd.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(BaseConnection.Value) { Database = name, Pooling = false }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>.</summary>
    public static void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using var conn = new NpgsqlConnection(BaseConnection.Value);
        conn.Open();
        using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
        cmd.ExecuteNonQuery();
    }

    private static string Start()
    {
        var script = Path.Combine(RepoRoot(), "scripts", "start-postgres.sh");
        var psi = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("Could not run " + script);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new InvalidOperationException("scripts/start-postgres.sh did not finish within 2 minutes.");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"PostgreSQL could not be started (scripts/start-postgres.sh exit {p.ExitCode}): {stderr.Result}");
        var line = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (string.IsNullOrEmpty(line) || !line.StartsWith("Host=", StringComparison.Ordinal))
            throw new InvalidOperationException("scripts/start-postgres.sh printed no connection string: " + stdout.Result + stderr.Result);
        return line;
    }

    /// <summary>The repository root (the folder holding MediaCore.sln).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MediaCore.sln"))) return dir.FullName;
        throw new InvalidOperationException("MediaCore.sln not found above " + AppContext.BaseDirectory);
    }
}
