using System.Diagnostics;
using System.Text;
using MediaCore.Server.Auth;

namespace MediaCore.Browser.Tests.Infrastructure;

/// <summary>
/// A MediaServer in its own process (<c>dotnet MediaCore.Server.dll</c> from the server's build output), so a test can kill
/// it like a crashed node (SIGKILL: no goodbye to Redis, no DELETE of sessions). Kestrel on a fixed free loopback port (the
/// cluster's RelayUrl must be known before start), the media port picked by the OS.
/// </summary>
public sealed class MediaServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private MediaServerProcess(Process process, Uri baseAddress, string nodeId)
    {
        _process = process;
        BaseAddress = baseAddress;
        NodeId = nodeId;
        Issuer = new MediaTokenIssuer(BrowserTestServer.Secret);
    }

    public Uri BaseAddress { get; }
    public string NodeId { get; }
    public MediaTokenIssuer Issuer { get; }
    public int ProcessId => _process.Id;
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>A cluster node: <paramref name="redis"/> is MediaServer:Cluster:Redis; RelayUrl is the node's own base address.</summary>
    public static Task<MediaServerProcess> StartNodeAsync(string nodeId, string redis, string? parent = null)
    {
        int port = MediaCore.Server.Tests.Infrastructure.RedisServer.FreeTcpPort();
        return StartAsync(nodeId, port, $"--MediaServer:Cluster:Redis={redis}", $"--MediaServer:Cluster:RelayUrl=http://127.0.0.1:{port}",
            $"--MediaServer:Cluster:Parent={parent ?? ""}");
    }

    public static async Task<MediaServerProcess> StartAsync(string nodeId, int port, params string[] extraArgs)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        string dll = Path.Combine(RepoRoot.Path, "MediaServer", "MediaCore.Server", "bin", "Release", "net10.0", "MediaCore.Server.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: build MediaServer/MediaCore.Server in Release first");
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        string[] args =
        [
            dll, $"--urls=http://127.0.0.1:{port}", "--MediaServer:UdpPort=0", "--MediaServer:BindAddress=127.0.0.1",
            "--MediaServer:AdvertisedAddress=127.0.0.1", $"--MediaServer:TokenSecret={BrowserTestServer.Secret}", $"--MediaServer:NodeId={nodeId}",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:MediaCore.Server.Cluster=Information", .. extraArgs,
        ];
        foreach (var a in args) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var node = new MediaServerProcess(process, baseAddress, nodeId);
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (node._log) node._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (node._log) node._log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"MediaServer {nodeId} exited ({process.ExitCode}):\n{node.Log}");
            try
            {
                if ((await http.GetAsync("healthz")).IsSuccessStatusCode) return node;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) { await node.DisposeAsync(); throw new TimeoutException($"MediaServer {nodeId} did not answer /healthz in 30 s:\n{node.Log}"); }
            await Task.Delay(100);
        }
    }

    public string Token(string room, string participant, ParticipantRole role) => Issuer.Issue(room, participant, role, TimeSpan.FromMinutes(10));

    /// <summary>SIGKILL: the node vanishes as in a crash or power cut.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
