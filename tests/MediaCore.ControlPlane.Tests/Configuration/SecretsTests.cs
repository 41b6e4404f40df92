using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Tests.Configuration;

/// <summary>
/// No secret ships as a default: a production start without real MediaTokenSecret/WebhookSecret must not
/// come up (it would accept forged media tokens and webhooks), and demo data with its one known password is
/// seeded only when asked for.
/// </summary>
public sealed class SecretsTests
{
    [Fact]
    public async Task Start_ProductionWithoutSecrets_RefusesNamingBothKeys()
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => StartProductionAsync());

        Assert.Contains(e.Failures, f => f.StartsWith("ControlPlane:MediaTokenSecret is not set", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("ControlPlane:WebhookSecret is not set", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mediacore-dev-media-token-secret-change-me", "a-real-webhook-secret-0123456789", "published example")]
    [InlineData("too-short", "a-real-webhook-secret-0123456789", "shorter than 32 bytes")]
    [InlineData("a-real-media-token-secret-0123456789abcdef", "mediacore-dev-webhook-secret", "published example")]
    public async Task Start_ProductionWithWeakSecret_Refuses(string media, string webhook, string reason)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            StartProductionAsync($"--ControlPlane:MediaTokenSecret={media}", $"--ControlPlane:WebhookSecret={webhook}"));

        Assert.Contains(reason, Assert.Single(e.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ProductionWithSecrets_StartsWithoutDemoData()
    {
        await using var app = await StartProductionAsync("--ControlPlane:MediaTokenSecret=a-real-media-token-secret-0123456789abcdef",
            "--ControlPlane:WebhookSecret=a-real-webhook-secret-0123456789");

        using var scope = app.Services.CreateScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<ControlPlaneDb>().Sites.AnyAsync());
    }

    // The real composition root with the Production environment, as `dotnet MediaCore.ControlPlane.dll` runs it.
    private static async Task<WebApplication> StartProductionAsync(params string[] settings)
    {
        string db = Path.Combine(Path.GetTempPath(), $"cp-secrets-{Guid.NewGuid():N}.db");
        var app = Program.Build(["--environment=Production", "--urls=http://127.0.0.1:0", $"--ControlPlane:SqlitePath={db}",
            "--ControlPlane:EnableSnapshotWorker=false", "--Logging:LogLevel:Default=Warning", .. settings]);
        try
        {
            await app.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public void Start_DevelopmentWithoutSecrets_UsesRandomPerProcessSecrets()
    {
        using var a = new Host("Development");
        using var b = new Host("Development");

        var sa = a.Services.GetRequiredService<IOptions<ControlPlaneOptions>>().Value;
        var sb = b.Services.GetRequiredService<IOptions<ControlPlaneOptions>>().Value;

        Assert.Empty(ControlPlaneSecrets.Problems(sa));
        Assert.NotEqual(sa.MediaTokenSecret, sb.MediaTokenSecret);
        Assert.NotEqual(sa.WebhookSecret, sb.WebhookSecret);
    }

    private sealed class Host(string environment, params (string Key, string Value)[] settings) : WebApplicationFactory<Program>
    {
        private readonly string _db = Path.Combine(Path.GetTempPath(), $"cp-secrets-{Guid.NewGuid():N}.db");

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            builder.UseSetting("ControlPlane:SqlitePath", _db);
            builder.UseSetting("ControlPlane:EnableSnapshotWorker", "false");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            foreach (var f in new[] { _db, _db + "-wal", _db + "-shm" }) File.Delete(f);
        }
    }
}
