using MediaCore.Server.Auth;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace MediaCore.Server.Tests.Infrastructure;

/// <summary>
/// The real MediaServer (Kestrel on 127.0.0.1 with a free port, UDP on a free port) built by
/// <see cref="MediaServerApp.Build"/>, with test overrides. Dispose stops it.
/// </summary>
internal sealed class TestMediaServer : IAsyncDisposable
{
    public const string Secret = "test-secret-0123456789-abcdefghijklmnop";

    private TestMediaServer(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
        Issuer = new MediaTokenIssuer(Secret);
    }

    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public MediaTokenIssuer Issuer { get; }
    public IServiceProvider Services => App.Services;

    public static async Task<TestMediaServer> StartAsync(Action<WebApplicationBuilder>? configure = null, params string[] extraArgs)
    {
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--MediaServer:UdpPort=0",
            $"--MediaServer:TokenSecret={Secret}",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs,
        ];
        var app = MediaServerApp.Build(args, configure);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestMediaServer(app, new Uri(address));
    }

    public string Token(string room, string subject, ParticipantRole role) => Issuer.Issue(room, subject, role, TimeSpan.FromMinutes(5));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
