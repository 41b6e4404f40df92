using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;
using MediaCore.Server.Sessions;
using MediaCore.Server.Udp;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.Browser.Tests;

/// <summary>The media port under a flood of garbage while Chromium plays a room through it.</summary>
public sealed class DatagramFloodTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Datagrams = 1_000_000;

    [Fact]
    public async Task MediaPort_MillionRandomDatagramsAtFullRate_PlaybackNeverFreezesLongerThanOneSecond()
    {
        await using var server = await BrowserTestServer.StartAsync();
        await using var chromium = await ChromiumSession.LaunchAsync();
        var pages = await chromium.OpenPagesAsync(server.BaseAddress, 2);
        var publish = await pages[0].PublishAsync("/whip/flood", server.Token("flood", "county", ParticipantRole.Host));
        Assert.True(publish.Succeeded, $"WHIP failed: {publish.Status} {publish.Detail}");
        var watch = await pages[1].SubscribeAsync("/whep/flood", server.Token("flood", "village", ParticipantRole.Audience));
        Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");
        var before = Video(await pages[1].WaitForStatsAsync(watch.Handle,
            s => s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 40), TimeSpan.FromSeconds(15)));
        Assert.NotNull(before.TotalFreezesDuration); // Chromium reports freezes: an absent figure must not pass as zero

        var engine = server.Services.GetRequiredService<MediaEngine>();
        long unroutableBefore = engine.UnroutableDatagrams;
        int port = server.Services.GetRequiredService<UdpEndpoint>().LocalEndPoint.Port;
        var flood = Stopwatch.StartNew();
        var sending = Task.Run(() => Flood(new IPEndPoint(IPAddress.Loopback, port), Datagrams, seed: 13));
        // Chromium counts a freeze when it ends (freezeCount, totalFreezesDuration): the growth of the total between
        // two samples is the length of the freezes that ended between them, an upper bound of the longest one.
        double longest = 0;
        var previous = before;
        var end = DateTime.MaxValue;
        while (DateTime.UtcNow < end)
        {
            await Task.Delay(200);
            if (sending.IsCompleted && end == DateTime.MaxValue)
            {
                flood.Stop();
                end = DateTime.UtcNow.AddSeconds(1.5); // let the last of it drain and a freeze still in progress end
            }
            var current = Video(await pages[1].GetStatsAsync(watch.Handle));
            longest = Math.Max(longest, current.TotalFreezesDuration!.Value - previous.TotalFreezesDuration!.Value);
            previous = current;
        }
        long sent = await sending;
        var after = previous;

        long reached = engine.UnroutableDatagrams - unroutableBefore;
        Assert.True(sent == Datagrams, $"sent {sent} of {Datagrams}");
        Assert.True(reached > Datagrams / 10, $"only {reached} of the flood's datagrams reached the server (the rest the kernel dropped): the test did not load it");
        double frozen = after.TotalFreezesDuration!.Value - before.TotalFreezesDuration!.Value;
        string figures = $"a {flood.Elapsed.TotalSeconds:0.0} s flood of {sent} datagrams ({sent / flood.Elapsed.TotalSeconds:0}/s, {reached} reached the server): " +
            $"{after.FreezeCount - before.FreezeCount} freezes, {frozen:0.00} s in total, the longest at most {longest:0.00} s; frames {before.FramesDecoded} -> {after.FramesDecoded}";
        output.WriteLine(figures);
        Assert.True(longest < 1.0, "a freeze longer than 1 s: " + figures);
        Assert.True(after.FramesDecoded > before.FramesDecoded + 20, $"decoding stalled: {before.FramesDecoded} -> {after.FramesDecoded} frames");
    }

    private static InboundStats Video(StatsSummary s) => s.Inbound.First(x => x.Kind == "video");

    /// <summary>
    /// Random datagrams of 1-1,400 bytes (every first byte, so STUN-, DTLS- and RTP-looking ones too) from 32 source
    /// ports, as fast as one thread can send them.
    /// </summary>
    private static long Flood(IPEndPoint target, int count, int seed)
    {
        var random = new Random(seed);
        var payload = new byte[1400 * 64];
        random.NextBytes(payload);
        var sockets = new Socket[32];
        for (int i = 0; i < sockets.Length; i++)
        {
            sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
            sockets[i].Connect(target);
        }
        long sent = 0;
        try
        {
            for (int i = 0; i < count; i++)
            {
                int length = 1 + random.Next(1400);
                int offset = random.Next(payload.Length - length);
                // A refused send (ECONNREFUSED from an earlier ICMP, ENOBUFS) is the flood's problem, not the server's: retry.
                while (sockets[i & 31].Send(payload.AsSpan(offset, length), SocketFlags.None, out var error) < 0 || error != SocketError.Success) { }
                sent++;
            }
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
        return sent;
    }
}
