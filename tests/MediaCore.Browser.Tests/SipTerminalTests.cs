using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Protocol.Codecs;
using MediaCore.Server.Auth;
using MediaCore.Server.Sip;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.Browser.Tests;

/// <summary>
/// SIP terminals in a meeting, each a sipp (Debian's sip-tester) calling <c>sip:{room}@host</c> with digest. One plays a
/// G.711 A-law 600 Hz tone; a video terminal offers H.264 and plays its camera (RTP from a pcap of ffmpeg's libx264
/// output). A Chromium WHEP subscriber in the room hears the tone (FFT) in the room's mix and decodes the camera as H.264.
/// A third terminal (its video m-line points at this test's socket) receives the program video: H.264 RTP whose NAL
/// units include SPS and an IDR picture (a key frame it can start decoding at).
/// </summary>
public sealed class SipTerminalTests
{
    [Fact]
    public async Task SippTerminals_ToneAndH264Camera_ChromiumHearsAndDecodes_ThirdTerminalGetsH264Program()
    {
        Assert.True(File.Exists("/usr/bin/sipp"), "sipp is missing: apt-get install sip-tester (scripts/install-deps.sh)");
        await using var server = await BrowserTestServer.StartAsync(null, "--MediaServer:Sip:Port=0");
        var sip = server.Services.GetRequiredService<SipServer>();

        var dir = Path.Combine(Path.GetTempPath(), $"mc-sip-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var processes = new List<(Process Process, Task<string> Output)>();
        try
        {
            var pcap = Path.Combine(dir, "tone.pcap");
            File.WriteAllBytes(pcap, G711TonePcap(600, seconds: 30));
            var videoPcap = Path.Combine(dir, "video.pcap");
            await WriteH264PcapAsync(videoPcap, seconds: 15);
            // sipp plays one pcap at a time per call (a second play_pcap cancels the first), so the tone and the camera are two
            // terminals: the tone's call offers audio only (call.xml), the camera's offers audio and H.264 and plays video only.
            File.WriteAllText(Path.Combine(dir, "tone.xml"), File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Sip", "Scenarios", "call.xml"))
                .Replace("/usr/share/sip-tester/g711a.pcap", pcap, StringComparison.Ordinal));
            var template = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Sip", "Scenarios", "call-video.xml"))
                .Replace("play_pcap_video=\"video.pcap\"", $"play_pcap_video=\"{videoPcap}\"", StringComparison.Ordinal);
            Assert.DoesNotContain("play_pcap_audio", template, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, "camera.xml"), template);

            // Terminal B only listens: its video m-line names our socket, and it plays nothing.
            using var program = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            int programPort = ((IPEndPoint)program.Client.LocalEndPoint!).Port;
            File.WriteAllText(Path.Combine(dir, "viewer.xml"), template
                .Replace("m=video [media_port+2]", $"m=video {programPort}", StringComparison.Ordinal)
                .Replace($"<exec play_pcap_video=\"{videoPcap}\"/>", "<log message=\"viewer up\"/>", StringComparison.Ordinal));

            processes.Add(StartSipp(sip.Port, dir, "tone.xml", SipAccounts.Username(4, 9), "16400"));
            processes.Add(StartSipp(sip.Port, dir, "camera.xml", SipAccounts.Username(6, 1), "16600"));
            await WaitAsync(() => sip.Calls.Any(c => c.Video?.Producer != null), TimeSpan.FromSeconds(15), "the camera terminal's call with its camera");
            processes.Add(StartSipp(sip.Port, dir, "viewer.xml", SipAccounts.Username(5, 2), "16500"));
            // Collected from now on, while the camera plays (a loaded machine may take long to start Chromium).
            var viewing = ReceiveProgramAsync(program, TimeSpan.FromSeconds(30));

            await using var chromium = await ChromiumSession.LaunchAsync();
            var page = await chromium.OpenPageAsync(server.BaseAddress);
            var watch = await page.SubscribeAsync("/whep/siproom", server.Token("siproom", "county", ParticipantRole.Audience));
            Assert.True(watch.Succeeded, $"WHEP failed: {watch.Status} {watch.Detail}");
            StatsSummary stats;
            try
            {
                stats = await page.WaitForStatsAsync(watch.Handle,
                    s => s.Inbound.Any(x => x.Kind == "audio" && x.PacketsReceived > 50) && s.Inbound.Any(x => x.Kind == "video" && x.FramesDecoded > 20),
                    TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException e)
            {
                var calls = string.Join("; ", sip.Calls.Select(c => $"{c.Call.Account.Username}: audio in {c.PacketsReceived} ({c.DatagramsReceived} datagrams, port {c.Port}, remote {c.Session.RemoteRtp}) out {c.PacketsSent}, video in {c.Video?.PacketsReceived} ({c.Video?.DatagramsReceived} datagrams) out {c.Video?.PacketsSent}"));
                var logs = string.Join("\n", Directory.GetFiles(dir, "*messages.log").Select(File.ReadAllText));
                throw new TimeoutException(e.Message + "\ncalls: " + calls + "\nLOG:\n" + logs, e);
            }
            Assert.Contains(stats.Inbound, x => x.Kind == "video" && x.FramesDecoded > 20);
            Assert.Equal("video/H264", await page.Page.EvaluateAsync<string>("""
                async (h) => {
                  const report = await window.__mc.sessions.get(h).pc.getStats();
                  let mime = '';
                  report.forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'video') mime = report.get(r.codecId)?.mimeType ?? ''; });
                  return mime;
                }
                """, watch.Handle));
            var peak = await page.MeasureAudioFrequencyAsync(watch.Handle);
            Assert.InRange(peak.Hz, 580, 620);

            // Terminal B's video: H.264 RTP (RFC 6184) with the payload type it offered, an SPS and an IDR among its NAL units.
            var (nalTypes, packets) = await viewing;
            Assert.True(nalTypes.ContainsKey(5) && nalTypes.ContainsKey(7), "NAL unit types received: " + string.Join(",", nalTypes.Keys));
            Assert.True(packets > 20, $"{packets} RTP packets of program video reached terminal B");
            Assert.Equal(3, sip.Calls.Count);
        }
        finally
        {
            foreach (var (p, output) in processes)
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
                _ = await output;
                p.Dispose();
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Program video reaching terminal B: NAL unit types counted until an SPS, an IDR and 60 NAL units came.</summary>
    private static async Task<(Dictionary<int, int> NalTypes, int Packets)> ReceiveProgramAsync(UdpClient program, TimeSpan timeout)
    {
        var nalTypes = new Dictionary<int, int>();
        int packets = 0;
        using var receiving = new CancellationTokenSource(timeout);
        try
        {
            while (!(nalTypes.ContainsKey(5) && nalTypes.ContainsKey(7) && nalTypes.Values.Sum() > 60))
            {
                var rtp = (await program.ReceiveAsync(receiving.Token)).Buffer;
                Assert.Equal(2, rtp[0] >> 6);
                Assert.Equal(96, rtp[1] & 0x7F);
                packets++;
                int header = 12 + 4 * (rtp[0] & 0x0F);
                if ((rtp[0] & 0x10) != 0) header += 4 + 4 * BinaryPrimitives.ReadUInt16BigEndian(rtp.AsSpan(header + 2));
                foreach (int type in NalUnitTypes(rtp.AsSpan(header))) nalTypes[type] = nalTypes.GetValueOrDefault(type) + 1;
            }
        }
        catch (OperationCanceledException)
        {
            // Reported by the caller with what did arrive.
        }
        return (nalTypes, packets);
    }

    private static (Process, Task<string>) StartSipp(int port, string dir, string scenario, string user, string mediaPort)
    {
        var psi = new ProcessStartInfo("sipp") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in (string[])[$"127.0.0.1:{port}", "-sf", Path.Combine(dir, scenario), "-s", "siproom", "-au", user,
            "-ap", SipAccounts.Password(BrowserTestServer.Secret, user), "-i", "127.0.0.1", "-p", "0", "-mp", mediaPort, "-m", "1", "-d", "30000",
            "-nostdin", "-timeout", "40", "-timeout_error", "-trace_msg"])
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        return (p, Task.WhenAll(stdout, stderr).ContinueWith(t => string.Concat(t.Result), TaskScheduler.Default));
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>NAL unit types in one RTP payload (RFC 6184 §5.6-5.8): a single NAL unit, each unit of a STAP-A, a FU-A's first fragment.</summary>
    internal static IEnumerable<int> NalUnitTypes(ReadOnlySpan<byte> payload)
    {
        var types = new List<int>();
        if (payload.IsEmpty) return types;
        int type = payload[0] & 0x1F;
        if (type is >= 1 and <= 23) types.Add(type);
        else if (type == 24)
        {
            for (int pos = 1; pos + 2 < payload.Length;)
            {
                int size = BinaryPrimitives.ReadUInt16BigEndian(payload[pos..]);
                if (size == 0 || pos + 2 + size > payload.Length) break;
                types.Add(payload[pos + 2] & 0x1F);
                pos += 2 + size;
            }
        }
        else if (type == 28 && payload.Length > 1 && (payload[1] & 0x80) != 0) types.Add(payload[1] & 0x1F);
        return types;
    }

    /// <summary>
    /// Records ffmpeg's H.264 RTP (libx264 Constrained Baseline, 320x240 at 15 fps, a key frame every second, payload type 96,
    /// packetization-mode 1) from a loopback socket into a pcap for sipp's play_pcap_video, timed by the RTP timestamps.
    /// </summary>
    private static async Task WriteH264PcapAsync(string path, int seconds)
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Client.ReceiveBufferSize = 4 << 20;
        int port = ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-readrate", "4", "-f", "lavfi", "-i", $"testsrc2=size=320x240:rate=15:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-g", "15", "-bf", "0",
            "-f", "rtp", "-payload_type", "96", $"rtp://127.0.0.1:{port}?pkt_size=1200"])
            psi.ArgumentList.Add(a);
        using var ffmpeg = Process.Start(psi)!;
        var errors = ffmpeg.StandardError.ReadToEndAsync();
        _ = ffmpeg.StandardOutput.ReadToEndAsync();
        var packets = new List<byte[]>();
        var exited = ffmpeg.WaitForExitAsync();
        while (true)
        {
            var receive = socket.ReceiveAsync();
            if (await Task.WhenAny(receive, exited) == exited && !receive.IsCompleted)
            {
                // Drain what is queued after ffmpeg ended.
                await Task.Delay(200);
                if (!receive.IsCompleted) break;
            }
            packets.Add((await receive).Buffer);
        }
        Assert.True(ffmpeg.ExitCode == 0, "ffmpeg failed: " + await errors);
        Assert.True(packets.Count > seconds * 15, $"ffmpeg sent {packets.Count} RTP packets for {seconds} s of video");
        for (int i = 1; i < packets.Count; i++)
            Assert.Equal((ushort)(BinaryPrimitives.ReadUInt16BigEndian(packets[i - 1].AsSpan(2)) + 1), BinaryPrimitives.ReadUInt16BigEndian(packets[i].AsSpan(2)));
        var types = packets.SelectMany(p => NalUnitTypes(p.AsSpan(12))).ToHashSet();
        Assert.True(types.Contains(7) && types.Contains(5), "ffmpeg's stream lacks in-band SPS or IDR: " + string.Join(",", types));
        uint first = BinaryPrimitives.ReadUInt32BigEndian(packets[0].AsSpan(4));
        File.WriteAllBytes(path, Pcap(packets.Select(p => ((long)(uint)(BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4)) - first) * 1_000_000 / 90_000, p))));
    }

    /// <summary>
    /// A libpcap file (Ethernet, IPv4, UDP 127.0.0.1:6000 -> :6001) of RTP packets (RFC 3550) carrying a G.711 A-law tone,
    /// 20 ms (160 samples) per packet, payload type 8 (RFC 3551): what sipp's play_pcap_audio sends.
    /// </summary>
    internal static byte[] G711TonePcap(double hz, int seconds)
    {
        var packets = new List<(long, byte[])>();
        for (int n = 0; n < seconds * 50; n++)
        {
            var rtp = new byte[12 + 160];
            rtp[0] = 0x80;
            rtp[1] = 8;
            BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), (ushort)n);
            BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(4), (uint)(n * 160));
            BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(8), 0x5151);
            for (int i = 0; i < 160; i++)
            {
                double t = (n * 160 + i) / 8000.0;
                rtp[12 + i] = G711.LinearToALaw((short)(12000 * Math.Sin(2 * Math.PI * hz * t)));
            }
            packets.Add((n * 20_000L, rtp));
        }
        return Pcap(packets);
    }

    /// <summary>A libpcap file (LINKTYPE_ETHERNET) with each datagram in IPv4/UDP 127.0.0.1:6000 -> :6001, at its time in microseconds.</summary>
    internal static byte[] Pcap(IEnumerable<(long Micros, byte[] Datagram)> datagrams)
    {
        using var ms = new MemoryStream();
        var global = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(global, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(global.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(global.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(global.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(global.AsSpan(20), 1); // LINKTYPE_ETHERNET
        ms.Write(global);
        var record = new byte[16];
        foreach (var (micros, datagram) in datagrams)
        {
            var frame = new byte[14 + 20 + 8 + datagram.Length];
            frame[12] = 0x08; // EtherType IPv4
            var ip = frame.AsSpan(14);
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + datagram.Length));
            ip[8] = 64;
            ip[9] = 17; // UDP
            ip[12] = 127; ip[15] = 1;
            ip[16] = 127; ip[19] = 1;
            var udp = ip[20..];
            BinaryPrimitives.WriteUInt16BigEndian(udp, 6000);
            BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 6001);
            BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + datagram.Length));
            datagram.CopyTo(udp[8..]);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(micros / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), (uint)(micros % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), (uint)frame.Length);
            ms.Write(record);
            ms.Write(frame);
        }
        return ms.ToArray();
    }
}
