using System.Net.Sockets;
using MediaCore.Server.Auth;
using MediaCore.Server.Tcp;

namespace MediaCore.Server.Tests.Tcp;

/// <summary>ICE-TCP (RFC 6544): the passive candidate in answers, and a listener that survives garbage.</summary>
public sealed class IceTcpServerTests : IAsyncLifetime
{
    private TestMediaServer _server = null!;

    public async Task InitializeAsync() => _server = await TestMediaServer.StartAsync(null, "--MediaServer:IceTcpPort=0");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Whip_IceTcpOn_AnswerHasPassiveTcpCandidateBelowUdp()
    {
        int tcpPort = _server.Services.GetRequiredService<IceTcpServer>().LocalEndPoint!.Port;
        var offer = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "chromium156-whip-offer.sdp"));
        using var response = await _server.Client.SendAsync(HttpExtensions.SdpPost("/whip/tcp", _server.Token("tcp", "site:1", ParticipantRole.Speaker), offer));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = await response.Content.ReadAsStringAsync();
        var candidates = answer.Split("\r\n").Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal)).Distinct().ToList();
        var udp = Assert.Single(candidates, c => c.Contains(" udp "));
        var tcp = Assert.Single(candidates, c => c.Contains(" tcp "));
        Assert.EndsWith($" 127.0.0.1 {tcpPort} typ host tcptype passive", tcp);
        Assert.True(uint.Parse(tcp.Split(' ')[3]) < uint.Parse(udp.Split(' ')[3]), "UDP must be preferred over TCP");
    }

    [Fact]
    public async Task Connection_RandomFramesAndTruncatedTail_ServerKeepsServing()
    {
        var tcp = _server.Services.GetRequiredService<IceTcpServer>();
        var rng = new Random(6544);
        for (int c = 0; c < 5; c++)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(tcp.LocalEndPoint!);
            for (int i = 0; i < 200; i++)
            {
                // Random datagrams of every kind the demux knows (STUN 0-3, DTLS 20-63, RTP/RTCP 128-191) and none.
                var payload = new byte[rng.Next(0, 300)];
                rng.NextBytes(payload);
                var frame = new byte[payload.Length + 2];
                MediaCore.Protocol.Framing.Rfc4571Framing.Write(frame, payload);
                await client.SendAsync(frame);
            }
            await client.SendAsync(new byte[] { 0x40, 0x00, 1, 2, 3 }); // announces 16 KiB, then the peer leaves
            client.Shutdown(SocketShutdown.Both);
        }
        using var health = await _server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await again.ConnectAsync(tcp.LocalEndPoint!);
        Assert.True(again.Connected);
    }
}
