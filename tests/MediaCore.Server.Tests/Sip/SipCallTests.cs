using System.Diagnostics;
using MediaCore.Server.Sip;
using MediaCore.Server.Tests.Infrastructure;

namespace MediaCore.Server.Tests.Sip;

/// <summary>
/// The real MediaServer against the real sipp (Debian's sip-tester): REGISTER with digest, a call into a room
/// that plays Debian's g711a.pcap as RTP, our mix sent back (sipp's -rtp_echo returns what it receives, so
/// echoed packets prove sipp got ours), BYE ends the call.
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
        await using var server = await TestMediaServer.StartAsync(null, "--MediaServer:Sip:Port=0");
        var sip = server.Services.GetRequiredService<SipServer>();
        Assert.True(sip.Enabled);
        var user = SipAccounts.Username(7, 3);
        var password = SipAccounts.Password(TestMediaServer.Secret, user);

        var register = await RunSippAsync(sip.Port, "register.xml", user, user, password, 0, "-m", "1");
        Assert.True(register.ExitCode == 0, "REGISTER scenario failed:\n" + register.Output);
        var wrong = await RunSippAsync(sip.Port, "register.xml", user, user, "wrong-password", 0, "-m", "1");
        Assert.NotEqual(0, wrong.ExitCode);

        int pcapPackets = CountPcapRecords(Pcap);
        var call = RunSippAsync(sip.Port, "call.xml", "sipproom", user, password, 0, "-m", "1", "-d", "6000", "-rtp_echo");
        long received = 0, sent = 0;
        for (int i = 0; i < 100 && !call.IsCompleted; i++)
        {
            await Task.Delay(100);
            if (sip.Calls.FirstOrDefault() is { } media && media.Room.Id.Value == "sipproom")
            {
                received = media.PacketsReceived;
                sent = media.PacketsSent;
                if (received > pcapPackets + 50) break;
            }
        }
        var result = await call;
        Assert.True(result.ExitCode == 0, "call scenario failed:\n" + result.Output);
        Assert.True(sent > 50, $"MediaServer sent {sent} RTP packets of mix to the terminal");
        // The pcap's packets plus sipp's echo of ours: sipp received our RTP.
        Assert.True(received > pcapPackets + 20, $"received {received} RTP packets, the pcap has {pcapPackets}: sipp echoed none of ours");
        Assert.Empty(sip.Calls);
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

    internal static async Task<(int ExitCode, string Output)> RunSippAsync(int port, string scenario, string service, string user, string password,
        int unused, params string[] extra)
    {
        _ = unused;
        var psi = new ProcessStartInfo("sipp")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in (string[])["127.0.0.1:" + port, "-sf", Path.Combine(Scenarios, scenario), "-s", service, "-au", user, "-ap", password,
            "-i", "127.0.0.1", "-p", "0", "-mp", FreeEvenPort().ToString(System.Globalization.CultureInfo.InvariantCulture), "-nostdin", "-timeout", "30", "-timeout_error", "-trace_err", .. extra])
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
