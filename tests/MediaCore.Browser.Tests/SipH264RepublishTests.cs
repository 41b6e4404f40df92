using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Protocol.Sip;
using MediaCore.Server.Auth;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sip;
using MediaCore.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCore.Browser.Tests;

/// <summary>
/// A village terminal (the Portal's /terminal page in Chromium) publishes its own meeting as VP8; then a SIP video terminal,
/// which decodes H.264 only, calls the meeting's room. MediaServer tells the publisher over its WHIP session's event stream
/// that the room wants H.264, the Portal's publisher publishes again, and the terminal receives H.264 that the ffmpeg program
/// decodes. Runs on the live pages' shared stack.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed class SipH264RepublishTests(LiveStackFixture fixture)
{
    [Fact]
    public async Task Vp8Publisher_VideoTerminalCalls_PublisherSwitchesToH264_TerminalDecodesIt()
    {
        var stack = fixture.Stack;
        var village = await stack.VillageOperatorAsync(11);
        var (_, room) = await stack.ScheduleAsync(village.User, village.SiteId, "themeDay", "主题党日：SIP 终端收看");
        await using var chromium = await ChromiumSession.LaunchAsync();
        var terminal = await stack.OpenAsync(chromium, 1, village.User, "/terminal");
        await stack.WaitAsync(async () => await terminal.Locator("[data-testid=terminal-state]").GetAttributeAsync("data-publish") == "connected",
            TimeSpan.FromSeconds(30), "the village terminal publishing its meeting");
        Assert.Equal("VP8", await VideoCodecAsync(stack, room, village.SiteId));

        // The SIP terminal of another village: H.264 video it only receives, on a socket of this test.
        var (_, otherSite, _) = await stack.VillageOperatorAsync(12);
        var device = await stack.PostAsync("admin", $"/api/sites/{otherSite}/devices", new { kind = "terminal", name = "会议终端", code = "SIP-H264-1" });
        var sip = await stack.GetAsync("admin", $"/api/sites/{otherSite}/devices/{(int)device["device"]!["id"]!}/sip");
        using var signalling = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var audio = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var video = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var server = new IPEndPoint(IPAddress.Loopback, stack.Media.Services.GetRequiredService<SipServer>().Port);
        var offer = $"v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {Port(audio)} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
            + $"m=video {Port(video)} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n"
            + "a=rtcp-fb:96 nack pli\r\na=recvonly\r\n";
        var call = await TestSipCall.StartAsync(signalling, server, $"sip:{room}@127.0.0.1", (string)sip["username"]!, (string)sip["password"]!, offer);

        // The publisher hears the room's wish and publishes again: its video becomes H.264.
        await stack.WaitAsync(async () => await VideoCodecAsync(stack, room, village.SiteId) == "H264", TimeSpan.FromSeconds(30),
            "the village terminal publishing again with H.264");

        // What the SIP terminal receives decodes: RTP (RFC 6184) to Annex B, then ffprobe counts the frames.
        var stream = await ReceiveAnnexBAsync(video, TimeSpan.FromSeconds(4));
        var file = Path.Combine(Path.GetTempPath(), $"mc-sip-h264-{Guid.NewGuid():N}.h264");
        try
        {
            await File.WriteAllBytesAsync(file, stream);
            var (frames, probe) = await CountFramesAsync(file);
            Assert.True(frames >= 20, $"ffprobe decoded {frames} H.264 frames of the program ({stream.Length} bytes): {probe}");
        }
        finally
        {
            File.Delete(file);
        }
        await call.ByeAsync();
        await LiveStack.LeaveAsync(terminal);
    }

    private static int Port(UdpClient client) => ((IPEndPoint)client.Client.LocalEndPoint!).Port;

    /// <summary>The codec of <paramref name="siteId"/>'s published video in the room (MediaServer's room API), or null.</summary>
    private static async Task<string?> VideoCodecAsync(LiveStack stack, string room, int siteId)
    {
        using var http = new HttpClient { BaseAddress = stack.Media.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", stack.Media.Token(MediaToken.AllRooms, "controlplane", ParticipantRole.Host));
        using var resp = await http.GetAsync($"/api/rooms/{room}");
        if (!resp.IsSuccessStatusCode) return null;
        var details = await resp.Content.ReadFromJsonAsync<RoomDetailsDto>();
        return details!.Participants.Where(p => p.Id == $"site:{siteId}" && p.Kind == "publisher")
            .SelectMany(p => p.Tracks).FirstOrDefault(t => t.Kind == "video" && !t.Content)?.Codec.ToUpperInvariant();
    }

    /// <summary>H.264 RTP (single NAL unit, STAP-A, FU-A; RFC 6184 §5.6-5.8) received for <paramref name="duration"/> after the
    /// first SPS, as an Annex B byte stream.</summary>
    private static async Task<byte[]> ReceiveAnnexBAsync(UdpClient video, TimeSpan duration)
    {
        var output = new MemoryStream();
        bool started = false;
        using var first = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        CancellationTokenSource? window = null;
        try
        {
            while (true)
            {
                var token = window?.Token ?? first.Token;
                var rtp = (await video.ReceiveAsync(token)).Buffer;
                int header = 12 + 4 * (rtp[0] & 0x0F);
                if ((rtp[0] & 0x10) != 0) header += 4 + 4 * BinaryPrimitives.ReadUInt16BigEndian(rtp.AsSpan(header + 2));
                int end = rtp.Length - ((rtp[0] & 0x20) != 0 ? rtp[^1] : 0);
                if (header >= end) continue;
                var payload = rtp.AsSpan(header, end - header);
                int type = payload[0] & 0x1F;
                if (!started)
                {
                    bool sps = type == 7 || (type == 24 && payload.Length > 3 && (payload[3] & 0x1F) == 7);
                    if (!sps) continue;
                    started = true;
                    window = new CancellationTokenSource(duration);
                }
                if (type is >= 1 and <= 23) Write(output, payload);
                else if (type == 24)
                {
                    for (int i = 1; i + 2 <= payload.Length;)
                    {
                        int size = BinaryPrimitives.ReadUInt16BigEndian(payload[i..]);
                        if (i + 2 + size > payload.Length) break;
                        Write(output, payload.Slice(i + 2, size));
                        i += 2 + size;
                    }
                }
                else if (type == 28 && payload.Length > 2)
                {
                    if ((payload[1] & 0x80) != 0)
                    {
                        output.Write([0, 0, 0, 1, (byte)((payload[0] & 0xE0) | (payload[1] & 0x1F))]);
                    }
                    output.Write(payload[2..]);
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.True(started, "no SPS of the program reached the SIP terminal within 20 s");
        }
        finally
        {
            window?.Dispose();
        }
        return output.ToArray();

        static void Write(MemoryStream output, ReadOnlySpan<byte> nal)
        {
            output.Write([0, 0, 0, 1]);
            output.Write(nal);
        }
    }

    private static async Task<(int Frames, string Output)> CountFramesAsync(string file)
    {
        var psi = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-v", "error", "-f", "h264", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", file])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = await p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var fields = stdout.Trim().Split(',');
        int frames = fields.Length == 4 && fields[0] == "h264" && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0;
        return (frames, stdout + stderr);
    }

    /// <summary>One call of a minimal SIP terminal over UDP: INVITE with digest, ACK, BYE.</summary>
    private sealed class TestSipCall(UdpClient signalling, IPEndPoint server, string uri, string user, string callId, string toTag)
    {
        public static async Task<TestSipCall> StartAsync(UdpClient signalling, IPEndPoint server, string uri, string user, string password, string offer)
        {
            var callId = "h264-" + Guid.NewGuid().ToString("N");
            var challenge = await RequestAsync(signalling, server, Invite(signalling, uri, user, callId, 1, offer, null));
            Assert.Equal(401, challenge.StatusCode);
            var www = challenge.Get(SipHeaderNames.WwwAuthenticate)!;
            var nonce = www.Split("nonce=\"")[1].Split('"')[0];
            var realm = www.Split("realm=\"")[1].Split('"')[0];
            var response = SipDigest.Response(SipDigest.Ha1(user, realm, password), nonce, "00000001", "0a4f113b", "auth", "INVITE", uri);
            var authorization = $"Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", "
                + "algorithm=MD5, cnonce=\"0a4f113b\", qop=auth, nc=00000001";
            var ok = await RequestAsync(signalling, server, Invite(signalling, uri, user, callId, 2, offer, authorization));
            Assert.True(ok.StatusCode == 200, $"INVITE got {ok.StatusCode} {ok.ReasonPhrase}");
            SipNameAddress.TryParse(ok.Get(SipHeaderNames.To), out var to);
            var call = new TestSipCall(signalling, server, uri, user, callId, to!.Tag!);
            await call.SendAsync("ACK", 2);
            return call;
        }

        public async Task ByeAsync() => await SendAsync("BYE", 3);

        private async Task SendAsync(string method, int cseq)
        {
            int port = ((IPEndPoint)signalling.Client.LocalEndPoint!).Port;
            await signalling.SendAsync(Encoding.UTF8.GetBytes(
                $"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{Guid.NewGuid():N}\r\nFrom: <sip:{user}@127.0.0.1>;tag=t1\r\n"
                + $"To: <{uri}>;tag={toTag}\r\nCall-ID: {callId}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"), server);
        }

        private static string Invite(UdpClient signalling, string uri, string user, string callId, int cseq, string sdp, string? authorization)
        {
            int port = ((IPEndPoint)signalling.Client.LocalEndPoint!).Port;
            return $"INVITE {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{Guid.NewGuid():N};rport\r\n"
                + $"From: <sip:{user}@127.0.0.1>;tag=t1\r\nTo: <{uri}>\r\nCall-ID: {callId}\r\nCSeq: {cseq} INVITE\r\nMax-Forwards: 70\r\n"
                + $"Contact: <sip:{user}@127.0.0.1:{port}>\r\n" + (authorization != null ? $"Authorization: {authorization}\r\n" : "")
                + $"Content-Type: application/sdp\r\nContent-Length: {Encoding.UTF8.GetByteCount(sdp)}\r\n\r\n{sdp}";
        }

        private static Task<SipMessage> RequestAsync(UdpClient client, IPEndPoint to, string request) =>
            SipUdpRequests.RequestAsync(client, to, request);
    }
}
