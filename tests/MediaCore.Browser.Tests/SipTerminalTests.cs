using System.Buffers.Binary;
using System.Diagnostics;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Protocol.Codecs;
using MediaCore.Server.Auth;
using MediaCore.Server.Sip;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.Browser.Tests;

/// <summary>
/// A SIP terminal in a meeting: sipp (Debian's sip-tester) calls <c>sip:{room}@host</c> with digest
/// and plays a G.711 A-law 600 Hz tone from a pcap as RTP; a Chromium WHEP subscriber in the room hears the tone
/// (FFT) in the room's mix.
/// </summary>
public sealed class SipTerminalTests
{
    [Fact]
    public async Task SippCall_G711ToneFromPcap_ChromiumSubscriberHearsIt()
    {
        Assert.True(File.Exists("/usr/bin/sipp"), "sipp is missing: apt-get install sip-tester (scripts/install-deps.sh)");
        await using var server = await BrowserTestServer.StartAsync(null, "--MediaServer:Sip:Port=0");
        var sip = server.Services.GetRequiredService<SipServer>();
        var user = SipAccounts.Username(4, 9);
        var password = SipAccounts.Password(BrowserTestServer.Secret, user);

        var dir = Path.Combine(Path.GetTempPath(), $"mc-sip-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var pcap = Path.Combine(dir, "tone.pcap");
            File.WriteAllBytes(pcap, G711TonePcap(600, seconds: 15));
            var scenario = Path.Combine(dir, "call.xml");
            File.WriteAllText(scenario, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Sip", "Scenarios", "call.xml"))
                .Replace("/usr/share/sip-tester/g711a.pcap", pcap, StringComparison.Ordinal));
            var psi = new ProcessStartInfo("sipp") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
            foreach (var a in (string[])[$"127.0.0.1:{sip.Port}", "-sf", scenario, "-s", "siproom", "-au", user, "-ap", password, "-i", "127.0.0.1",
                "-p", "0", "-mp", "16400", "-m", "1", "-d", "15000", "-nostdin", "-timeout", "40", "-timeout_error"])
                psi.ArgumentList.Add(a);
            using var sipp = Process.Start(psi)!;
            var output = sipp.StandardOutput.ReadToEndAsync();
            var errors = sipp.StandardError.ReadToEndAsync();
            try
            {
                await using var chromium = await ChromiumSession.LaunchAsync();
                var page = await chromium.OpenPageAsync(server.BaseAddress);
                var watch = await page.SubscribeAsync("/whep/siproom", server.Token("siproom", "county", ParticipantRole.Audience));
                Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");
                await page.WaitForStatsAsync(watch.Handle, s => s.Inbound.Any(x => x.Kind == "audio" && x.PacketsReceived > 50), TimeSpan.FromSeconds(20));
                var peak = await page.MeasureAudioFrequencyAsync(watch.Handle);
                Assert.InRange(peak.Hz, 580, 620);
                Assert.Single(sip.Calls);
            }
            finally
            {
                if (!sipp.HasExited) sipp.Kill(entireProcessTree: true);
                await sipp.WaitForExitAsync();
                _ = await output + await errors;
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A libpcap file (Ethernet, IPv4, UDP 127.0.0.1:6000 -> :6001) of RTP packets (RFC 3550) carrying a G.711 A-law tone,
    /// 20 ms (160 samples) per packet, payload type 8 (RFC 3551): what sipp's play_pcap_audio sends.
    /// </summary>
    internal static byte[] G711TonePcap(double hz, int seconds)
    {
        using var ms = new MemoryStream();
        Span<byte> global = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(global, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(global[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(global[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(global[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(global[20..], 1); // LINKTYPE_ETHERNET
        ms.Write(global);
        int packets = seconds * 50;
        var frame = new byte[14 + 20 + 8 + 12 + 160];
        for (int n = 0; n < packets; n++)
        {
            Array.Clear(frame);
            frame[12] = 0x08; // EtherType IPv4
            var ip = frame.AsSpan(14);
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + 12 + 160));
            ip[8] = 64;
            ip[9] = 17; // UDP
            ip[12] = 127; ip[15] = 1;
            ip[16] = 127; ip[19] = 1;
            var udp = ip[20..];
            BinaryPrimitives.WriteUInt16BigEndian(udp, 6000);
            BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 6001);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], 8 + 12 + 160);
            var rtp = udp[8..];
            rtp[0] = 0x80;
            rtp[1] = 8;
            BinaryPrimitives.WriteUInt16BigEndian(rtp[2..], (ushort)n);
            BinaryPrimitives.WriteUInt32BigEndian(rtp[4..], (uint)(n * 160));
            BinaryPrimitives.WriteUInt32BigEndian(rtp[8..], 0x5151);
            for (int i = 0; i < 160; i++)
            {
                double t = (n * 160 + i) / 8000.0;
                rtp[12 + i] = G711.LinearToALaw((short)(12000 * Math.Sin(2 * Math.PI * hz * t)));
            }
            Span<byte> record = stackalloc byte[16];
            long micros = n * 20_000L;
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(micros / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(micros % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)frame.Length);
            ms.Write(record);
            ms.Write(frame);
        }
        return ms.ToArray();
    }
}
