using System.Net;
using System.Net.Sockets;
using MediaCore.Server;
using MediaCore.Server.Rooms;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.LoadTest.Tests;

/// <summary>The load tester's peers against a MediaServer that goes away mid-run and comes back on the same ports.</summary>
public sealed class ServerRestartTests
{
    [Fact]
    public async Task RunAsync_ServerStoppedAndRestarted_EveryPeerPublishesOrPlaysAgainWithin5sOfTheRestart()
    {
        int httpPort = FreePort(SocketType.Stream, ProtocolType.Tcp), udpPort = FreePort(SocketType.Dgram, ProtocolType.Udp);
        var server = await StartAsync(httpPort, udpPort);
        var options = new LoadTestOptions
        {
            Server = new Uri($"http://127.0.0.1:{httpPort}"), TokenSecret = MediaServerFixture.Secret, Sites = 4,
            Duration = TimeSpan.FromSeconds(16), RampPerSecond = 100, ServerPid = Environment.ProcessId, Quiet = true, VideoKbps = 300,
        };
        using var runner = new LoadTestRunner(options);
        var run = runner.RunAsync();
        await WaitAsync(() => Rooms(server).Sum(r => r.Participants.Count(p => p.Tracks.Any(t => t.Packets > 50))) == 5, TimeSpan.FromSeconds(20),
            "the first server forwarding to all 5 peers");

        // Gone without a word to the peers (no DTLS close_notify, no DELETE): what they see of a kill -9.
        await server.StopAsync();
        await server.DisposeAsync();
        await Task.Delay(500);
        server = await StartAsync(httpPort, udpPort);
        var restarted = DateTimeOffset.UtcNow;
        try
        {
            await WaitAsync(() => Rooms(server).Sum(r => r.Participants.Count(p => p.Tracks.Any(t => t.Packets > 50))) == 5, TimeSpan.FromSeconds(12),
                "the restarted server forwarding to all 5 peers again");
            var sessions = Rooms(server).SelectMany(r => r.Participants).ToList();
            Assert.Equal(5, sessions.Count);
            Assert.All(sessions, s => Assert.True(s.JoinedAt - restarted < TimeSpan.FromSeconds(5),
                $"{s.Id} ({s.Kind}) posted again {(s.JoinedAt - restarted).TotalSeconds:0.0} s after the restart"));

            var report = await run;
            Assert.Equal(0, report.Totals.Failed);
            Assert.All(report.Sites, s => Assert.Equal(1, s.Reconnects));
            Assert.Contains(report.Verdict.Reasons, r => r.StartsWith("5 peers lost their session and reconnected", StringComparison.Ordinal));
        }
        finally
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }
    }

    private static Task<WebApplication> StartAsync(int httpPort, int udpPort) => StartAppAsync(MediaServerApp.Build(
    [
        $"--urls=http://127.0.0.1:{httpPort}",
        $"--MediaServer:UdpPort={udpPort}",
        $"--MediaServer:TokenSecret={MediaServerFixture.Secret}",
        "--Logging:LogLevel:Default=Warning",
    ]));

    private static async Task<WebApplication> StartAppAsync(WebApplication app)
    {
        await app.StartAsync();
        return app;
    }

    private static List<RoomDetailsDto> Rooms(WebApplication app)
    {
        var directory = app.Services.GetRequiredService<IRoomDirectory>();
        return directory.ListRooms().Select(r => directory.GetRoom(RoomId.Parse(r.Room))!).ToList();
    }

    private static int FreePort(SocketType type, ProtocolType protocol)
    {
        using var s = new Socket(AddressFamily.InterNetwork, type, protocol);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}");
            await Task.Delay(100);
        }
    }
}
