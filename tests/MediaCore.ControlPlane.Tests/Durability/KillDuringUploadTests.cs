using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaCore.ControlPlane.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MediaCore.ControlPlane.Tests.Durability;

/// <summary>
/// Starts the built ControlPlane as a real process, has attendance machines upload batches, kills the
/// process with SIGKILL in the middle of the uploads, restarts it on the same database and checks that every
/// batch that was answered 2xx is present, each event exactly once, and that re-sending is idempotent.
/// </summary>
public sealed class KillDuringUploadTests : IDisposable
{
    private const int Uploaders = 4;
    private const int BatchSize = 25;
    private const int KillAfterAcknowledgedBatches = 24;
    private readonly List<string> _cleanup = [];
    private readonly List<Process> _processes = [];
    private string? _postgres;

    [Theory]
    [InlineData(Provider.Sqlite)]
    [InlineData(Provider.Postgres)]
    public async Task KillDashNine_DuringBatchUploads_AcknowledgedEventsPresentExactlyOnce(Provider provider)
    {
        var dbArgs = provider == Provider.Sqlite
            ? $"--ControlPlane:SqlitePath={TempFile("dur.db")}"
            : $"--ControlPlane:PostgresConnectionString={_postgres = Postgres.CreateDatabase()}";
        var port = FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

        var server = await StartAsync(port, dbArgs, http);
        var (personId, deviceKey) = await DemoDeviceAsync(http);
        http.DefaultRequestHeaders.Add("X-Device-Key", deviceKey);

        var acknowledged = new ConcurrentBag<string>();
        var sent = new ConcurrentBag<string[]>();
        var acknowledgedBatches = 0;
        var killed = new TaskCompletionSource();
        var runId = Guid.NewGuid().ToString("N")[..8];
        var uploaders = Enumerable.Range(0, Uploaders).Select(u => Task.Run(async () =>
        {
            for (var b = 0; b < 1000 && !killed.Task.IsCompleted; b++)
            {
                var ids = Enumerable.Range(0, BatchSize).Select(i => $"dur-{runId}-{u}-{b}-{i}").ToArray();
                sent.Add(ids);
                try
                {
                    using var resp = await http.PostAsJsonAsync("/api/attendance/events/batch", Batch(ids, personId));
                    if (!resp.IsSuccessStatusCode) throw new InvalidOperationException($"upload answered {(int)resp.StatusCode}: {await resp.Content.ReadAsStringAsync()}");
                    foreach (var id in ids) acknowledged.Add(id);
                    if (Interlocked.Increment(ref acknowledgedBatches) == KillAfterAcknowledgedBatches)
                    {
                        server.Kill(entireProcessTree: true); // SIGKILL on Linux: no shutdown hooks, no flush
                        killed.TrySetResult();
                    }
                }
                catch (HttpRequestException) when (killed.Task.IsCompleted) { return; }
                catch (TaskCanceledException) when (killed.Task.IsCompleted) { return; }
            }
        })).ToList();
        await Task.WhenAll(uploaders);
        Assert.True(killed.Task.IsCompleted, "the uploads finished before the kill");
        await server.WaitForExitAsync();
        Assert.NotEqual(0, server.ExitCode);

        server = await StartAsync(port, dbArgs, http);
        try
        {
            var ackSet = acknowledged.ToHashSet();
            Assert.True(ackSet.Count >= KillAfterAcknowledgedBatches * BatchSize);
            var stored = await CountByEventIdAsync(provider, dbArgs, $"dur-{runId}-");
            Assert.All(ackSet, id => Assert.True(stored.TryGetValue(id, out var n) && n == 1, $"acknowledged event {id} stored {stored.GetValueOrDefault(id)} times"));
            Assert.All(stored, kv => Assert.Equal(1, kv.Value));

            // The machines re-send everything they ever sent: nothing is stored twice.
            var all = sent.ToList();
            foreach (var ids in all)
            {
                using var resp = await http.PostAsJsonAsync("/api/attendance/events/batch", Batch(ids, personId));
                Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            }
            var after = await CountByEventIdAsync(provider, dbArgs, $"dur-{runId}-");
            Assert.Equal(all.Sum(b => b.Length), after.Count);
            Assert.All(after, kv => Assert.Equal(1, kv.Value));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static object Batch(string[] ids, int personId) => new
    {
        events = ids.Select(id => new { eventId = id, personId, method = "fingerprint", occurredAt = DateTimeOffset.UtcNow.AddMinutes(-30) }),
    };

    private async Task<Process> StartAsync(int port, string dbArgs, HttpClient http)
    {
        var dll = ControlPlaneDll();
        // Under `timeout`, so a server orphaned by a test host that died (and so never ran Dispose) still ends.
        var psi = new ProcessStartInfo("timeout")
        {
            ArgumentList = { "600", "dotnet", dll, "--urls", $"http://127.0.0.1:{port}", dbArgs, "--ControlPlane:SeedDemoData=true", "--ControlPlane:SeedHistoryMonths=0",
                "--ControlPlane:MediaTokenSecret=durability-test-media-secret-0123456789abcdef", "--ControlPlane:WebhookSecret=durability-test-webhook-secret",
                "--ControlPlane:EnableSnapshotWorker=false", "--Logging:LogLevel:Default=Warning" },
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath(),
        };
        var p = Process.Start(psi)!;
        _processes.Add(p);
        var log = new ConcurrentQueue<string>();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        // Readiness: poll /healthz (bounded) - the process is real, so there is no event to wait on.
        for (var i = 0; i < 600; i++)
        {
            if (p.HasExited) throw new InvalidOperationException($"ControlPlane exited with {p.ExitCode}: {string.Join('\n', log)}");
            try
            {
                using var r = await http.GetAsync("/healthz");
                if (r.IsSuccessStatusCode) return p;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        p.Kill(entireProcessTree: true);
        throw new InvalidOperationException("ControlPlane did not become ready: " + string.Join('\n', log));
    }

    private static async Task<(int PersonId, string DeviceKey)> DemoDeviceAsync(HttpClient http)
    {
        var login = await (await http.PostAsJsonAsync("/api/auth/login", new { userName = "admin", password = "Demo@2026" })).Content.ReadFromJsonAsync<JsonObject>();
        using var req = new HttpRequestMessage(HttpMethod.Get, "/api/sites?q=370124002001");
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (string)login!["token"]!);
        var site = JsonNode.Parse(await (await http.SendAsync(req)).Content.ReadAsStringAsync())!["items"]![0]!;
        using var req2 = new HttpRequestMessage(HttpMethod.Get, $"/api/people?siteId={(int)site["id"]!}&pageSize=1");
        req2.Headers.Authorization = req.Headers.Authorization;
        var person = JsonNode.Parse(await (await http.SendAsync(req2)).Content.ReadAsStringAsync())!["items"]![0]!;
        return ((int)person["id"]!, "demo-370124002001-ATT");
    }

    private static async Task<Dictionary<string, int>> CountByEventIdAsync(Provider provider, string dbArgs, string prefix)
    {
        var value = dbArgs[(dbArgs.IndexOf('=') + 1)..];
        await using DbConnection conn = provider == Provider.Sqlite
            ? new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = value, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString())
            : new NpgsqlConnection(value);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT \"EventId\", COUNT(*) FROM \"CheckIns\" WHERE \"EventId\" LIKE @p GROUP BY \"EventId\"";
        var p = cmd.CreateParameter();
        p.ParameterName = "@p";
        p.Value = prefix + "%";
        cmd.Parameters.Add(p);
        var result = new Dictionary<string, int>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result[reader.GetString(0)] = Convert.ToInt32(reader.GetValue(1));
        return result;
    }

    private static string ControlPlaneDll()
    {
        // The ControlPlane's own build output, same configuration as this test assembly (Release under test.sh).
        var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = Path.Combine(Postgres.RepoRoot(), "ControlPlane", "MediaCore.ControlPlane", "bin", config, "net10.0", "MediaCore.ControlPlane.dll");
        Assert.True(File.Exists(dll), $"build the ControlPlane first: {dll} is missing");
        return dll;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private string TempFile(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cp-{Guid.NewGuid():N}-{name}");
        _cleanup.AddRange([path, path + "-wal", path + "-shm"]);
        return path;
    }

    public void Dispose()
    {
        // Whatever an assertion left running is ended here, so no server outlives the test.
        foreach (var p in _processes)
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.Dispose();
        }
        foreach (var f in _cleanup) File.Delete(f);
        if (_postgres is not null) Postgres.DropDatabase(_postgres);
    }
}
