using MediaCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.LoadTest.Tests;

/// <summary>The real MediaServer (Kestrel + UDP on free loopback ports) in this process.</summary>
public sealed class MediaServerFixture : IAsyncLifetime
{
    public const string Secret = "loadtest-test-secret-0123456789-abcdefgh";

    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;
    /// <summary>The server's <c>MediaServer:Recording:Directory</c> (removed at the end).</summary>
    public string RecordingDirectory { get; } = Directory.CreateTempSubdirectory("mediacore-loadtest-server-rec-").FullName;

    public async Task InitializeAsync()
    {
        _app = MediaServerApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            "--MediaServer:UdpPort=0",
            $"--MediaServer:TokenSecret={Secret}",
            $"--MediaServer:Recording:Directory={RecordingDirectory}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public LoadTestOptions Options(int sites, double seconds, Scenario scenario = Scenario.Plenary) => new()
    {
        Server = BaseAddress,
        TokenSecret = Secret,
        Sites = sites,
        Duration = TimeSpan.FromSeconds(seconds),
        Scenario = scenario,
        RampPerSecond = 100,
        ServerPid = Environment.ProcessId,
        Quiet = true,
        VideoKbps = 500,
    };

    public async Task DisposeAsync()
    {
        if (_app != null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(RecordingDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class MediaServerCollection : ICollectionFixture<MediaServerFixture>
{
    public const string Name = "MediaServer";
}
