using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sip;
using MediaCore.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace MediaCore.Server.Tests.Sip;

/// <summary>
/// The real MediaServer against the real sipp (Debian's sip-tester): REGISTER with digest, a call into a room
/// that plays Debian's g711a.pcap as RTP, our mix sent back (sipp's -rtp_echo returns what it receives, so
/// echoed packets prove sipp got ours), BYE ends the call. While the call is up the room API lists it as the
/// site's publishing session, and the webhook receiver gets participant_joined and participant_left for it.
/// </summary>
public class SipCallTests
{
    private const string Pcap = "/usr/share/sip-tester/g711a.pcap";
    private static readonly string Scenarios = Path.Combine(AppContext.BaseDirectory, "Sip", "Scenarios");

    [Fact]
    public async Task Sipp_RegisterAndCall_AudioBothWaysAndByeEnds()
    {
        Assert.True(File.Exists("/usr/bin/sipp"), "sipp is missing: apt-get install sip-tester (scripts/install-deps.sh)");
        Assert.True(File.Exists(Pcap), Pcap + " is missing (sip-tester package)");
        var hooks = new BlockingCollection<string>();
        var receiver = WebApplication.CreateBuilder();
        receiver.WebHost.UseUrls("http://127.0.0.1:0");
        await using var hookApp = receiver.Build();
        hookApp.MapPost("/hook", async (HttpRequest r) =>
        {
            using var reader = new StreamReader(r.Body);
            hooks.Add(await reader.ReadToEndAsync());
            return Results.Ok();
        });
        await hookApp.StartAsync();
        string hookUrl = hookApp.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
        await using var server = await TestMediaServer.StartAsync(null, "--MediaServer:Sip:Port=0", $"--MediaServer:Webhooks:Url={hookUrl}",
            "--MediaServer:Webhooks:Secret=webhook-secret-for-sip-tests", "--MediaServer:Webhooks:NodeId=sip-node");
        var sip = server.Services.GetRequiredService<SipServer>();
        Assert.True(sip.Enabled);
        var user = SipAccounts.Username(7, 3);
        var password = SipAccounts.Password(TestMediaServer.Secret, user);

        var register = await RunSippAsync(sip.Port, "register.xml", user, user, password, 0, "-m", "1");
        Assert.True(register.ExitCode == 0, "REGISTER scenario failed:\n" + register.Output);
        var wrong = await RunSippAsync(sip.Port, "register.xml", user, user, "wrong-password", 0, "-m", "1");
        Assert.NotEqual(0, wrong.ExitCode);

        int pcapPackets = CountPcapRecords(Pcap);
        // RTCP goes to the terminal's RTP port + 1 (RFC 3550 §11), which sipp leaves free: this test listens there.
        int mediaPort = FreeEvenPort();
        using var rtcp = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, mediaPort + 1));
        var call = RunSippAsync(sip.Port, "call.xml", "sipproom", user, password, mediaPort, "-m", "1", "-d", "6000", "-rtp_echo");
        long received = 0, sent = 0;
        RoomDetailsDto? listed = null;
        for (int i = 0; i < 100 && !call.IsCompleted; i++)
        {
            await Task.Delay(100);
            if (sip.Calls.FirstOrDefault() is { } media && media.Room.Id.Value == "sipproom")
            {
                received = media.PacketsReceived;
                sent = media.PacketsSent;
                if (listed == null && received > 20)
                {
                    using var response = await server.Client.SendAsync(HttpExtensions.WithToken(HttpMethod.Get, "/api/rooms/sipproom",
                        server.Token("*", "controlplane", ParticipantRole.Host)));
                    listed = await response.Content.ReadFromJsonAsync<RoomDetailsDto>();
                }
                if (received > pcapPackets + 50) break;
            }
        }
        var result = await call;
        Assert.True(result.ExitCode == 0, "call scenario failed:\n" + result.Output);
        Assert.True(sent > 50, $"MediaServer sent {sent} RTP packets of mix to the terminal");
        // The pcap's packets plus sipp's echo of ours: sipp received our RTP.
        Assert.True(received > pcapPackets + 20, $"received {received} RTP packets, the pcap has {pcapPackets}: sipp echoed none of ours");
        Assert.Empty(sip.Calls);

        // An RTCP sender report (RFC 3550 §6.4.1) for our audio came, compound with an SDES (§6.1).
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            var report = (await rtcp.ReceiveAsync(wait.Token)).Buffer;
            Assert.Equal(200, report[1]);
            Assert.True(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(report.AsSpan(20)) > 50, "sender's packet count");
            int srLength = 4 * (System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(report.AsSpan(2)) + 1);
            Assert.Equal(202, report[srLength + 1]);
        }

        // The room API listed the call as site 7's publishing session, named by its SIP user, with its audio track.
        Assert.NotNull(listed);
        var participant = Assert.Single(listed.Participants);
        Assert.Equal("site:7", participant.Id);
        Assert.Equal("publisher", participant.Kind);
        Assert.Equal("speaker", participant.Role);
        Assert.Equal(user, participant.SipUser);
        Assert.StartsWith("sip-", participant.SessionId, StringComparison.Ordinal);
        var track = Assert.Single(participant.Tracks);
        Assert.Equal("audio", track.Kind);
        Assert.Equal("PCMA", track.Codec);
        Assert.True(track.Packets > 20);

        // Webhooks: node_started, then the call's join and leave under its session id, so the ControlPlane counts the site.
        var events = new List<JsonElement>();
        while (events.Count < 3 && hooks.TryTake(out var body, TimeSpan.FromSeconds(10))) events.Add(JsonDocument.Parse(body).RootElement);
        Assert.Equal(new[] { "node_started", "participant_joined", "participant_left" }, events.Select(e => e.GetProperty("event").GetString()));
        foreach (var e in events.Skip(1))
        {
            Assert.Equal("sipproom", e.GetProperty("room").GetString());
            Assert.Equal("site:7", e.GetProperty("participantId").GetString());
            Assert.Equal("publisher", e.GetProperty("kind").GetString());
            Assert.Equal(participant.SessionId, e.GetProperty("sessionId").GetString());
        }
    }

    internal static int CountPcapRecords(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int count = 0;
        // libpcap format: 24-byte global header, then per record a 16-byte header whose incl_len (offset 8) gives the length.
        for (int pos = 24; pos + 16 <= bytes.Length; count++)
            pos += 16 + BitConverter.ToInt32(bytes, pos + 8);
        return count;
    }

    /// <param name="mediaPort">sipp's RTP port (-mp); 0: any free even port.</param>
    internal static async Task<(int ExitCode, string Output)> RunSippAsync(int port, string scenario, string service, string user, string password,
        int mediaPort, params string[] extra)
    {
        var psi = new ProcessStartInfo("sipp")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in (string[])["127.0.0.1:" + port, "-sf", Path.Combine(Scenarios, scenario), "-s", service, "-au", user, "-ap", password,
            "-i", "127.0.0.1", "-p", "0", "-mp", (mediaPort != 0 ? mediaPort : FreeEvenPort()).ToString(System.Globalization.CultureInfo.InvariantCulture), "-nostdin", "-timeout", "30", "-timeout_error", "-trace_err", .. extra])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }

    private static int FreeEvenPort()
    {
        for (int i = 0; i < 50; i++)
        {
            using var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            int port = ((System.Net.IPEndPoint)s.LocalEndPoint!).Port;
            if (port % 2 == 0 && port < 65000) return port;
        }
        return 31000;
    }
}
