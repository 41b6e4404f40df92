using Microsoft.Extensions.Configuration;
using MediaCore.Server.Options;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Tests.Options;

public sealed class MediaServerOptionsTests
{
    private static WebApplication Build(params string[] args)
        => MediaServerApp.Build(["--urls=http://127.0.0.1:0", "--MediaServer:UdpPort=0", "--Logging:LogLevel:Default=None", .. args]);

    [Fact]
    public async Task Start_NoSecretOutsideDemoMode_FailsNamingTheSetting()
    {
        await using var app = Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("MediaServer:TokenSecret", e.Message);
        Assert.Contains("MediaServer__TokenSecret", e.Message);
    }

    [Fact]
    public async Task Start_ShortSecret_Fails()
    {
        await using var app = Build("--MediaServer:TokenSecret=tooshort");
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("too short", e.Message);
    }

    [Fact]
    public async Task Start_DemoModeWithoutSecret_UsesRandomSecret()
    {
        await using var app = Build("--MediaServer:DemoMode=true");
        await app.StartAsync();
        var secret = app.Services.GetRequiredService<IOptions<MediaServerOptions>>().Value.TokenSecret;
        Assert.True(secret!.Length >= MediaServerOptions.MinTokenSecretBytes);
        await app.StopAsync();
    }

    [Theory]
    // (MediaServer:NodeId, deprecated MediaServer:Webhooks:NodeId) -> the one id, and whether start-up warns about the alias
    [InlineData("town-1", null, "town-1", null)]
    [InlineData(null, "media-old", "media-old", "deprecated")]
    [InlineData("town-1", "town-1", "town-1", "redundant")]
    [InlineData("town-1", "media-old", "town-1", "differs")]
    public async Task NodeId_WebhooksNodeIdIsADeprecatedAlias_OneIdEverywhere(string? nodeId, string? webhooksNodeId, string expected, string? warning)
    {
        var args = new List<string> { $"--MediaServer:TokenSecret={TestMediaServer.Secret}" };
        if (nodeId is not null) args.Add($"--MediaServer:NodeId={nodeId}");
        if (webhooksNodeId is not null) args.Add($"--MediaServer:Webhooks:NodeId={webhooksNodeId}");
        await using var app = Build([.. args]);
        var sp = app.Services;
        Assert.Equal(expected, sp.GetRequiredService<IOptions<MediaServerOptions>>().Value.NodeId);
        Assert.Equal(expected, sp.GetRequiredService<IOptions<MediaCore.Server.Webhooks.WebhookOptions>>().Value.NodeId);
        string? said = sp.GetRequiredService<NodeIdAlias>().Warning();
        if (warning is null) Assert.Null(said);
        else Assert.Contains(warning, said);
    }

    [Fact]
    public void Defaults_AreLoopbackAndPort40000()
    {
        var o = new MediaServerOptions();
        Assert.Equal((40000, "127.0.0.1", "127.0.0.1", false), (o.UdpPort, o.BindAddress, o.AdvertisedAddress, o.DemoMode));
    }

    [Fact]
    public void Configuration_AppSettingsAndEnvironmentStyleKeys_Bind()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MediaServer:UdpPort"] = "41000",
            ["MediaServer:AdvertisedAddress"] = "10.0.0.5",
            ["MediaServer:TokenSecret"] = TestMediaServer.Secret,
        });
        MediaServerApp.AddMediaServer(builder.Services);
        using var app = builder.Build();
        var o = app.Services.GetRequiredService<IOptions<MediaServerOptions>>().Value;
        Assert.Equal((41000, "10.0.0.5"), (o.UdpPort, o.AdvertisedAddress));
        Assert.Equal("http://127.0.0.1:8080", app.Configuration["Urls"]);
    }

    [Theory]
    [InlineData("UdpPort", "70000", "UdpPort")]
    [InlineData("BindAddress", "localhost", "BindAddress")]
    [InlineData("AdvertisedAddress", "0.0.0.0", "AdvertisedAddress")]
    [InlineData("TimerResolution", "00:00:05", "TimerResolution")]
    public void Validate_BadValue_NamesTheSetting(string key, string value, string expected)
    {
        var o = new MediaServerOptions { TokenSecret = TestMediaServer.Secret };
        typeof(MediaServerOptions).GetProperty(key)!.SetValue(o,
            key == "UdpPort" ? int.Parse(value) : key == "TimerResolution" ? TimeSpan.Parse(value) : value);
        var result = new MediaServerOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage);
    }

    [Theory]
    [InlineData("http://turn.example:3478")]
    [InlineData("turn:a, turn:b")]
    [InlineData("turn:x\"y")]
    public void Validate_BadTurnUrl_NamesTheSetting(string url)
    {
        var o = new MediaServerOptions { TokenSecret = TestMediaServer.Secret };
        o.Turn.Urls.Add(url);
        var result = new MediaServerOptionsValidator().Validate(null, o);
        Assert.True(result.Failed);
        Assert.Contains("MediaServer:Turn:Urls", result.FailureMessage);
    }

    [Fact]
    public async Task Configuration_EnvironmentVariable_OverridesAppSettings()
    {
        // Only this test uses this key, so the process-wide variable cannot disturb other tests.
        Environment.SetEnvironmentVariable("MediaServer__DemoTokenLifetime", "00:05:00");
        try
        {
            await using var server = await TestMediaServer.StartAsync();
            Assert.Equal(TimeSpan.FromMinutes(5), server.Services.GetRequiredService<IOptions<MediaServerOptions>>().Value.DemoTokenLifetime);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MediaServer__DemoTokenLifetime", null);
        }
    }

    [Fact]
    public void Validate_IPv6AdvertisedOnIPv4Bind_Fails()
    {
        var o = new MediaServerOptions { TokenSecret = TestMediaServer.Secret, BindAddress = "0.0.0.0", AdvertisedAddress = "2001:db8::1" };
        Assert.Contains("dual-stack", new MediaServerOptionsValidator().Validate(null, o).FailureMessage);
    }

    [Fact]
    public void Validate_Defaults_WithSecret_Succeed()
        => Assert.True(new MediaServerOptionsValidator().Validate(null, new MediaServerOptions { TokenSecret = TestMediaServer.Secret }).Succeeded);
}
