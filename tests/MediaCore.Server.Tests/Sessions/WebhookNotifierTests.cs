using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using MediaCore.Server.Rooms;
using MediaCore.Server.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCore.Server.Tests.Sessions;

public sealed class WebhookNotifierTests
{
    [Fact]
    public async Task Start_SessionStartedAndEnded_PostsSignedNodeStartedJoinedAndLeftEvents()
    {
        var received = new BlockingCollection<(string Body, string Signature)>();
        var receiver = WebApplication.CreateBuilder();
        receiver.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = receiver.Build();
        app.MapPost("/hook", async (HttpRequest r) =>
        {
            using var reader = new StreamReader(r.Body);
            received.Add((await reader.ReadToEndAsync(), r.Headers["X-MediaCore-Signature"].ToString()));
            return Results.Ok();
        });
        await app.StartAsync();
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";

        const string secret = "webhook-secret-for-tests";
        var notifier = new WebhookNotifier(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { Url = url, Secret = secret, NodeId = "county-1" }),
            NullLogger<WebhookNotifier>.Instance);
        await notifier.StartAsync(default);
        var h = new SessionHarness();
        h.Engine.Events = notifier;
        var (created, _) = await h.PublishAsync("village-3", SessionHarness.Fixture("chromium156-whip-offer.sdp"));
        await h.Sessions.CloseAsync(RoomId.Parse("village-3"), created.SessionId, default);

        var nodeStarted = received.Take(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        var joined = received.Take(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        var left = received.Take(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        foreach (var (body, signature) in new[] { nodeStarted, joined, left })
            Assert.Equal(WebhookNotifier.Sign(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)), signature);
        using var n = JsonDocument.Parse(nodeStarted.Body);
        Assert.Equal("node_started", n.RootElement.GetProperty("event").GetString());
        Assert.Equal("county-1", n.RootElement.GetProperty("nodeId").GetString());
        Assert.Equal(notifier.BootId, n.RootElement.GetProperty("bootId").GetString());
        using var j = JsonDocument.Parse(joined.Body);
        Assert.Equal("participant_joined", j.RootElement.GetProperty("event").GetString());
        Assert.Equal("village-3", j.RootElement.GetProperty("room").GetString());
        Assert.Equal("site-1", j.RootElement.GetProperty("participantId").GetString());
        Assert.Equal("county-1", j.RootElement.GetProperty("nodeId").GetString());
        using var l = JsonDocument.Parse(left.Body);
        Assert.Equal("participant_left", l.RootElement.GetProperty("event").GetString());
        await notifier.StopAsync(default);
    }
}
