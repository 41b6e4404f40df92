using MediaCore.Server.Auth;
using MediaCore.Server.Cluster;
using MediaCore.Server.Demo;
using MediaCore.Server.Ingest;
using MediaCore.Server.Metrics;
using MediaCore.Server.Mixing;
using MediaCore.Server.Options;
using MediaCore.Server.Playback;
using MediaCore.Server.Recording;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Snapshots;
using MediaCore.Server.Webhooks;
using MediaCore.Server.Signalling;
using MediaCore.Server.Timers;
using MediaCore.Server.Udp;
using Microsoft.Extensions.Options;
using Prometheus;

namespace MediaCore.Server;

/// <summary>
/// Builds the MediaServer application: options, auth, WHIP/WHEP, room API, demo page, UDP host, timer
/// wheel. <c>Program</c> and the tests use the same builder, so tests run the real Kestrel + UDP stack.
/// </summary>
public static partial class MediaServerApp
{
    /// <summary>
    /// Creates the app. <paramref name="configure"/> runs after the default registrations, so a later
    /// registration (e.g. a real <see cref="ISessionManager"/>, a test fake) replaces a default.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json and wwwroot are copied next to the assembly: the same layout under
            // `dotnet run`, a published folder, and a test's output directory.
            ContentRootPath = AppContext.BaseDirectory,
        });
        AddMediaServer(builder.Services);
        configure?.Invoke(builder);
        var app = builder.Build();
        UseMediaServer(app);
        return app;
    }

    /// <summary>Default service registrations. The WebRTC session wiring replaces the stubs marked below.</summary>
    public static IServiceCollection AddMediaServer(IServiceCollection services)
    {
        services.AddOptions<MediaServerOptions>().BindConfiguration(MediaServerOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<MediaServerOptions>, DemoSecretPostConfigure>();
        services.AddSingleton<NodeIdAlias>();
        services.AddSingleton<IPostConfigureOptions<MediaServerOptions>>(sp => sp.GetRequiredService<NodeIdAlias>());
        services.AddSingleton<IPostConfigureOptions<WebhookOptions>>(sp => sp.GetRequiredService<NodeIdAlias>());
        services.AddSingleton<IValidateOptions<MediaServerOptions>, MediaServerOptionsValidator>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<MediaTokenValidator>();
        services.AddSingleton<MediaTokenIssuer>();
        services.AddSingleton<SessionAudit>();
        services.AddSingleton<HandQueue>();
        services.AddSingleton<IHandStore>(sp => ClusterEnabled(sp) ? sp.GetRequiredService<Cluster.ClusterHands>() : sp.GetRequiredService<HandQueue>());
        services.AddProblemDetails();
        services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "MediaCore MediaServer";
            doc.Info.Description = "WHIP/WHEP signalling (RFC 9725) and the room API. Bearer media tokens: see README.";
            return Task.CompletedTask;
        }));
        services.AddCors(o => o.AddPolicy(SignallingEndpoints.CorsPolicy, p => p
            .AllowAnyOrigin()
            .WithMethods("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
            .WithHeaders("Authorization", "Content-Type", "If-Match")
            .WithExposedHeaders("Location", "ETag", "Accept-Post", "Link", "Retry-After")
            .SetPreflightMaxAge(TimeSpan.FromHours(1))));

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = static async (ctx, _) =>
            {
                if (ctx.Lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var retry))
                    ctx.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests, Title = "Too Many Requests",
                        Detail = "too many WHIP/WHEP offers from this address (MediaServer:Limits:SessionRequestsPerSecond); wait and retry",
                    },
                });
            };
            o.AddPolicy(SignallingEndpoints.RateLimitPolicy, http => System.Threading.RateLimiting.RateLimitPartition.GetTokenBucketLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "local", _ =>
                {
                    var limits = http.RequestServices.GetRequiredService<IOptions<MediaServerOptions>>().Value.Limits;
                    return new System.Threading.RateLimiting.TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.SessionRequestBurst,
                        TokensPerPeriod = limits.SessionRequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                    };
                }));
        });

        // Media host: clock, timer wheel (+ its thread), the UDP socket (+ its receive thread).
        services.AddSingleton<MediaClock>();
        services.AddSingleton(sp => new TimerWheel(
            sp.GetRequiredService<IOptions<MediaServerOptions>>().Value.TimerResolution.Ticks,
            startTicks: sp.GetRequiredService<MediaClock>().NowTicks));
        services.AddSingleton<UdpEndpoint>();
        services.AddSingleton<Tcp.IceTcpServer>();
        services.AddSingleton<IDatagramSender, MediaSender>();
        services.AddSingleton<MediaEndpointInfo>();
        services.AddHostedService<TimerWheelHost>();
        services.AddSingleton<UdpEndpointHost>();
        services.AddHostedService(sp => sp.GetRequiredService<UdpEndpointHost>());
        services.AddHostedService(sp => sp.GetRequiredService<Tcp.IceTcpServer>());



        // WebRTC sessions: the engine routes datagrams; the session manager answers WHIP/WHEP and the room API.
        services.AddSingleton<InMemoryRoomDirectory>(); // test doubles of ISessionManager record into it
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName);
        services.AddSingleton<WebhookNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookNotifier>());
        services.AddOptions<MixerOptions>().BindConfiguration(MixerOptions.SectionName);
        services.AddSingleton(sp =>
        {
            var engine = ActivatorUtilities.CreateInstance<MediaEngine>(sp);
            engine.Events = sp.GetRequiredService<WebhookNotifier>();
            return engine;
        });
        services.AddSingleton(sp => sp.GetRequiredService<MediaEngine>().Mixing);
        services.AddSingleton<IDatagramHandler>(sp => sp.GetRequiredService<MediaEngine>());
        services.AddSingleton<SessionManager>();
        services.AddSingleton(new JpegEncoder());
        services.AddOptions<Recording.RecordingOptions>().BindConfiguration(Recording.RecordingOptions.SectionName);
        services.AddSingleton<Recording.RecordingService>();
        services.AddHostedService(sp => sp.GetRequiredService<Recording.RecordingService>());
        services.AddOptions<Playback.PlaybackOptions>().BindConfiguration(Playback.PlaybackOptions.SectionName);
        services.AddHttpClient(nameof(Playback.PlaybackManager), c => c.Timeout = TimeSpan.FromMinutes(10));
        services.AddSingleton<Playback.PlaybackManager>();
        services.AddHostedService(sp => sp.GetRequiredService<Playback.PlaybackManager>());
        services.AddSingleton<Sip.VideoCodecWish>();
        services.AddSingleton<Sip.SipServer>();
        services.AddHostedService(sp => sp.GetRequiredService<Sip.SipServer>());
        services.AddSingleton<Ingest.IngestManager>();
        services.AddHostedService(sp => sp.GetRequiredService<Ingest.IngestManager>());
        services.AddSingleton<ISessionManager>(sp => sp.GetRequiredService<SessionManager>());
        // Cluster (MediaServer:Cluster:Redis set): the Redis directory answers the room API for the whole cluster and
        // the relay manager brings other nodes' tracks in. Without it nothing below runs and no Redis is needed.
        services.AddSingleton<Cluster.ClusterDirectory>();
        services.AddSingleton<Cluster.RelayManager>();
        services.AddSingleton<IHostedService>(sp => ClusterEnabled(sp) ? sp.GetRequiredService<Cluster.ClusterDirectory>() : NoService.Instance);
        services.AddSingleton<IHostedService>(sp => ClusterEnabled(sp) ? sp.GetRequiredService<Cluster.RelayManager>() : NoService.Instance);
        services.AddSingleton<Cluster.ClusterRoomControls>();
        services.AddSingleton<IHostedService>(sp => ClusterEnabled(sp) ? sp.GetRequiredService<Cluster.ClusterRoomControls>() : NoService.Instance);
        services.AddSingleton<Cluster.ClusterHands>();
        services.AddSingleton<IHostedService>(sp => ClusterEnabled(sp) ? sp.GetRequiredService<Cluster.ClusterHands>() : NoService.Instance);
        services.AddSingleton<IRoomDirectory>(sp => ClusterEnabled(sp)
            ? sp.GetRequiredService<Cluster.ClusterDirectory>()
            : sp.GetRequiredService<SessionManager>());
        services.AddSingleton(sp => new Metrics.MediaEngineCollector(sp.GetRequiredService<MediaEngine>(), sp.GetService<UdpEndpoint>()));
        return services;
    }

    /// <summary>Middleware and endpoints.</summary>
    public static WebApplication UseMediaServer(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseCors();
        app.UseRateLimiter();
        app.UseHttpMetrics(); // http_request_duration_seconds for WHIP/WHEP and the room API

        app.MapGet("/healthz", () => "ok");
        // Engine gauges join /metrics once the host runs (resolving earlier would bind the UDP port at build time).
        app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<Metrics.MediaEngineCollector>());
        RelayMetrics.Declare();
        app.MapMetrics(); // Prometheus text format at /metrics (README: Observability)
        app.MapOpenApi();
        app.MapSignalling();
        app.MapRoomApi();
        app.MapSessionControl();
        app.MapHandsApi();
        app.MapSnapshots();
        app.MapRecordingApi();
        app.MapMixingApi();
        app.MapIngestApi();
        app.MapPlaybackApi();
        if (app.Configuration.GetValue<string>("MediaServer:Cluster:Redis") is { Length: > 0 }) app.MapRelayApi();
        if (app.Services.GetRequiredService<NodeIdAlias>().Warning() is { } alias) app.Lifetime.ApplicationStarted.Register(() => LogNodeIdAlias(app.Logger, alias));
        // Read from configuration (not IOptions) so a bad config is reported once, by ValidateOnStart.
        if (app.Configuration.GetValue<bool>($"{MediaServerOptions.SectionName}:{nameof(MediaServerOptions.DemoMode)}"))
        {
            app.MapDemo();
            app.Lifetime.ApplicationStarted.Register(() => LogDemoMode(app.Logger));
        }
        return app;
    }

    private static bool ClusterEnabled(IServiceProvider sp) => sp.GetRequiredService<IOptions<MediaServerOptions>>().Value.Cluster.Enabled;

    /// <summary>A hosted service that does nothing (the cluster services when no cluster is configured).</summary>
    private sealed class NoService : IHostedService
    {
        public static readonly NoService Instance = new();
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogNodeIdAlias(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DEMO MODE: POST /demo/token mints media tokens for anyone. Never enable MediaServer:DemoMode in production.")]
    private static partial void LogDemoMode(ILogger logger);
}
