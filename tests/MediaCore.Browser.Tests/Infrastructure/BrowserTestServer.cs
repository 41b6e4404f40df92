using MediaCore.Server;
using MediaCore.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.Browser.Tests.Infrastructure;

/// <summary>
/// The real MediaServer in this process: Kestrel on 127.0.0.1 with a free port (real sockets, so Chromium
/// can reach it), the media UDP port on 127.0.0.1 (a free port unless given), the page from wwwroot.
/// </summary>
public sealed class BrowserTestServer : IAsyncDisposable
{
    public const string Secret = "browser-test-secret-0123456789-abcdefgh";

    private BrowserTestServer(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        Issuer = new MediaTokenIssuer(Secret);
    }

    public WebApplication App { get; }

    /// <summary>e.g. http://127.0.0.1:34567/</summary>
    public Uri BaseAddress { get; }

    public MediaTokenIssuer Issuer { get; }
    public IServiceProvider Services => App.Services;

    /// <param name="configure">Service overrides (e.g. the session manager under test).</param>
    /// <param name="extraArgs">Configuration overrides, e.g. <c>--MediaServer:DemoMode=true</c>.</param>
    public static async Task<BrowserTestServer> StartAsync(Action<WebApplicationBuilder>? configure = null, params string[] extraArgs)
    {
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--MediaServer:UdpPort=0",
            "--MediaServer:BindAddress=127.0.0.1",
            "--MediaServer:AdvertisedAddress=127.0.0.1",
            $"--MediaServer:TokenSecret={Secret}",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs,
        ];
        var app = MediaServerApp.Build(args, configure);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BrowserTestServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>A 10-minute token for <paramref name="room"/>.</summary>
    public string Token(string room, string participant, ParticipantRole role) => Issuer.Issue(room, participant, role, TimeSpan.FromMinutes(10));

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
