using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MediaCore.Server.Tests.Infrastructure;

/// <summary>
/// A real redis-server (Debian's package) on a free loopback port, started by the repository's scripts/start-redis.sh.
/// Fails loudly when redis-server is missing. <see cref="StopAsync"/> and <see cref="StartAgainAsync"/> take it down and
/// bring it back on the same port (the outage tests).
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private int _pid;

    private RedisServer(int port, int pid) => (Port, _pid) = (port, pid);

    public int Port { get; }
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        int port = FreeTcpPort();
        return new RedisServer(port, await LaunchAsync(port));
    }

    public async Task StopAsync()
    {
        if (_pid == 0) return;
        using (var p = Process.GetProcessById(_pid))
        {
            p.Kill();
            await p.WaitForExitAsync();
        }
        _pid = 0;
    }

    public async Task StartAgainAsync() => _pid = await LaunchAsync(Port);

    private static async Task<int> LaunchAsync(int port)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoRoot, "scripts", "start-redis.sh"))
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["REDIS_PORT"] = port.ToString();
        using var p = Process.Start(psi)!;
        string stdout = await p.StandardOutput.ReadToEndAsync();
        string stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 || !int.TryParse(stdout.Trim(), out int pid))
            throw new InvalidOperationException($"scripts/start-redis.sh failed ({p.ExitCode}): {stderr}");
        return pid;
    }

    /// <summary>A TCP port nothing listens on right now (for Redis and for a node's RelayUrl, which must be known before start).</summary>
    public static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string RepoRoot
    {
        get
        {
            string dir = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(dir, "MediaCore.sln")))
                dir = Path.GetDirectoryName(dir.TrimEnd('/')) ?? throw new InvalidOperationException("MediaCore.sln not found above " + AppContext.BaseDirectory);
            return dir;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
