using Prometheus;
using System.Text.Json.Serialization;
using MediaCore.ControlPlane.Attendance;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Disclosures;
using MediaCore.ControlPlane.Live;
using MediaCore.ControlPlane.Meetings;
using MediaCore.ControlPlane.People;
using MediaCore.ControlPlane.Playback;
using MediaCore.ControlPlane.Portal;
using MediaCore.ControlPlane.Rankings;
using MediaCore.ControlPlane.Recordings;
using MediaCore.ControlPlane.Search;
using MediaCore.ControlPlane.Sites;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using System.Threading.RateLimiting;

namespace MediaCore.ControlPlane;

/// <summary>Entry point and composition root.</summary>
public sealed partial class Program
{
    /// <summary>Default listen address when none is configured.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8090";

    private const string CredentialScheme = "Credential";

    /// <summary>Runs the ControlPlane.</summary>
    public static async Task<int> Main(string[] args)
    {
        try
        {
            await Build(args).RunAsync();
            return 0;
        }
        catch (OptionsValidationException e)
        {
            // A configuration mistake is the operator's to fix: say what, without a stack trace.
            Console.Error.WriteLine("ControlPlane refuses to start:");
            foreach (var failure in e.Failures) Console.Error.WriteLine("  - " + failure);
            return 2;
        }
    }

    /// <summary>Builds the application (also used by tests through WebApplicationFactory).</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        // Quiet defaults in code, so they hold whatever the working directory (appsettings.json may not be there).
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        var s = builder.Services;
        var options = s.AddOptions<ControlPlaneOptions>().Bind(builder.Configuration.GetSection(ControlPlaneOptions.Section));
        if (builder.Environment.IsDevelopment()) options.PostConfigure(ControlPlaneSecrets.FillForDevelopment);
        options.ValidateOnStart();
        s.AddSingleton<IValidateOptions<ControlPlaneOptions>, ControlPlaneSecretsValidator>();
        s.AddSingleton(TimeProvider.System);
        s.AddControlPlaneDb();
        // Registered before the web server, so migrations and seeding finish before the first request.
        s.AddHostedService<DatabaseInitializer>();
        s.AddProblemDetails();
        s.AddExceptionHandler<BadRequestExceptionHandler>();
        s.AddOpenApi(o => o.AddDocumentTransformer<SecuritySchemes>().AddSchemaTransformer<NumberSchemas>());
        s.ConfigureHttpJsonOptions(j => j.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase)));

        s.AddSingleton<SessionTokens>();
        s.AddSingleton<MediaTokenIssuer>();
        s.AddSingleton<PasswordHasher<User>>();
        s.AddScoped<SiteScope>();
        s.AddSingleton(sp => new WorkingDayCalendar(sp.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.Calendar));
        // One default scheme that picks by credential: attendance machines send X-Device-Key, people a
        // Bearer JWT. A device calling a people endpoint is thus known as a device and gets 403, not 401.
        s.AddAuthentication(CredentialScheme)
            .AddPolicyScheme(CredentialScheme, "Device key or JWT", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.ContainsKey(DeviceKeyAuthentication.Header) ? DeviceKeyAuthentication.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, DeviceKeyAuthentication>(DeviceKeyAuthentication.SchemeName, null);
        s.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<SessionTokens>((o, tokens) =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = tokens.ValidationParameters;
        });
        s.AddAuthorizationBuilder()
            .AddPolicy(Policies.CountyAdmin, p => p.RequireRole(Roles.CountyAdmin))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.CountyAdmin, Roles.TownAdmin))
            .AddPolicy(Policies.Staff, p => p.RequireRole(Roles.CountyAdmin, Roles.TownAdmin, Roles.VillageOperator))
            .AddPolicy(Policies.User, p => p.RequireRole(Roles.CountyAdmin, Roles.TownAdmin, Roles.VillageOperator, Roles.ExpertLecturer))
            .AddPolicy(Policies.Lecturer, p => p.RequireRole(Roles.ExpertLecturer))
            .AddPolicy(Policies.Device, p => p.RequireRole(Roles.Device));
        s.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                var problems = ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails = { Status = 429, Title = "Too many login attempts", Detail = "Wait a minute and try again." },
                });
            };
            o.AddPolicy(AuthEndpoints.LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "local",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<IOptions<ControlPlaneOptions>>().Value.LoginAttemptsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                }));
        });
        s.AddAttendance();
        s.AddScoped<DutyCalculator>();
        s.AddMeetings();
        s.AddLive();
        s.AddRecordings();
        s.AddPlayback();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UsePortal();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseHttpMetrics(); // http_request_duration_seconds{endpoint,method,code} for every API call
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous().ExcludeFromDescription();
        app.MapMetrics().AllowAnonymous(); // Prometheus text: API latency, check-in ingest, webhook lag (docs/operations.md "Watch")
        app.MapAuth();
        app.MapMediaTokens();
        app.MapSites();
        app.MapSipAccountLookup();
        app.MapPeople();
        app.MapAttendance();
        app.MapMeetings();
        app.MapRankings();
        app.MapDisclosures();
        app.MapSearch();
        app.MapLive();
        app.MapRecordings();
        app.MapPlayback();
        return app;
    }
}
