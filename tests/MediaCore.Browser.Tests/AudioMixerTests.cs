using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using MediaCore.Browser.Tests.Infrastructure;
using MediaCore.Server.Auth;
using Xunit.Abstractions;

namespace MediaCore.Browser.Tests;

/// <summary>
/// The audio MCU with real Chromium (issue 3): publishers whose fake microphones play different sine tones,
/// a listening observer, and each publisher's own received mix (N-1), analysed with a WebAudio FFT in the page.
/// </summary>
public sealed class AudioMixerTests(ITestOutputHelper log)
{
    private const string Room = "mixroom";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Mix_ThreeTonesAndAQuieterFourth_ListenerHearsTopThreeAndEachSpeakerHearsOnlyOthers()
    {
        var dir = Directory.CreateTempSubdirectory("mediacore-tones-").FullName;
        try
        {
            // 440/880/1320 Hz at ffmpeg's default amplitude 1/8 (about -21 dBov RMS); 660 Hz 14 dB quieter.
            var tones = new[] { (Hz: 440, Gain: 0), (Hz: 880, Gain: 0), (Hz: 1320, Gain: 0), (Hz: 660, Gain: -14) };
            foreach (var t in tones) await MakeToneAsync(Path.Combine(dir, $"tone{t.Hz}.wav"), t.Hz, t.Gain);

            await using var server = await BrowserTestServer.StartAsync(null, "--Logging:LogLevel:MediaCore.Server.Sessions=Information");
            var browsers = new List<ChromiumSession>();
            try
            {
                // The quiet one publishes first and takes a free place; the loud three replace it by level. Without
                // a host nobody is forced into the mix (the newest publisher, 1320 Hz, only leads the video program).
                var order = new[] { 660, 440, 880, 1320 };
                var speakers = new Dictionary<int, TonePage>();
                foreach (int hz in order)
                {
                    var chromium = await ChromiumSession.LaunchAsync($"--use-file-for-fake-audio-capture={Path.Combine(dir, $"tone{hz}.wav")}",
                        "--autoplay-policy=no-user-gesture-required");
                    browsers.Add(chromium);
                    var page = new TonePage(await chromium.OpenPageAsync(server.BaseAddress), () => RoomStateAsync(server));
                    await page.PublishAsync($"/whip/{Room}", server.Token(Room, $"site-{hz}", ParticipantRole.Speaker));
                    await WaitServerConnectedAsync(server, page);
                    speakers[hz] = page;
                }
                // Each loud publisher also listens, by WHEP with the same participant id: it must get its N-1 mix.
                foreach (int hz in new[] { 440, 880, 1320 })
                {
                    await speakers[hz].ListenAsync($"/whep/{Room}", server.Token(Room, $"site-{hz}", ParticipantRole.Speaker));
                    await WaitServerConnectedAsync(server, speakers[hz]);
                }

                var listenerBrowser = await ChromiumSession.LaunchAsync("--autoplay-policy=no-user-gesture-required");
                browsers.Add(listenerBrowser);
                var listener = new TonePage(await listenerBrowser.OpenPageAsync(server.BaseAddress), () => RoomStateAsync(server));
                await listener.ListenAsync($"/whep/{Room}", server.Token(Room, "town-observer", ParticipantRole.Observer));
                await WaitServerConnectedAsync(server, listener);

                int[] all = [440, 880, 1320, 660];
                // The observer hears the three loud tones, not the quieter fourth (N = 3).
                await WaitForAsync("listener hears 440+880+1320, not 660", listener, all, present: [440, 880, 1320], absent: [660], server);
                // N-1: each loud speaker hears the other two, never itself.
                await WaitForAsync("440 hears 880+1320 only", speakers[440], all, present: [880, 1320], absent: [440, 660], server);
                await WaitForAsync("880 hears 440+1320 only", speakers[880], all, present: [440, 1320], absent: [880, 660], server);
                await WaitForAsync("1320 hears 440+880 only", speakers[1320], all, present: [440, 880], absent: [1320, 660], server);

                // All four publishers reach the mixer (the quiet one too: it is heard-ready, only not selected).
                await WaitForParticipantAsync(server, "site-660");

                // The mixed track's RTCP sender reports reach the browser (remote-outbound-rtp, RFC 3550 §6.4.1).
                Assert.True(await listener.RemoteOutboundPacketsAsync() > 0, "no sender report for the mixed track");

                // The events feed names the three mixed speakers.
                var speakersNow = await GetAudioAsync(server, "speakers");
                log.WriteLine($"room audio: {speakersNow}");
                Assert.Contains("site-440", speakersNow);
                Assert.DoesNotContain("site-660", speakersNow);

                // 440 Hz stops: the quieter 660 Hz takes its place.
                await speakers[440].StopPublishingAsync();
                await WaitForAsync("listener hears 660 after 440 stopped", listener, all, present: [880, 1320, 660], absent: [440], server);

                // A host mutes 880 Hz server-side: it leaves the mix at once.
                using var host = HostClient(server);
                (await host.PostAsync($"/api/rooms/{Room}/participants/site-880/mute", null)).EnsureSuccessStatusCode();
                await WaitForAsync("listener loses 880 when muted", listener, all, present: [1320, 660], absent: [440, 880]);

                // Forwarded: a receiver that joins now gets the SFU's program audio (the floor holder, 1320 Hz)
                // unmixed; the live listener keeps its mix (a mode change applies to new sessions).
                (await host.PutAsync($"/api/rooms/{Room}/audio", JsonContent("{\"mode\":\"forwarded\"}"))).EnsureSuccessStatusCode();
                var late = new TonePage(await listenerBrowser.OpenPageAsync(server.BaseAddress), () => RoomStateAsync(server));
                await late.ListenAsync($"/whep/{Room}", server.Token(Room, "village-late", ParticipantRole.Audience));
                await WaitForAsync("forwarded: a new receiver hears the floor holder only", late, all, present: [1320], absent: [440, 880, 660]);
                await WaitForAsync("the live listener keeps the mix", listener, all, present: [1320, 660], absent: [440, 880]);
            }
            finally
            {
                foreach (var b in browsers) await b.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task WaitForAsync(string what, TonePage page, int[] all, int[] present, int[] absent)
        => await WaitForAsync(what, page, all, present, absent, null);

    private async Task WaitForAsync(string what, TonePage page, int[] all, int[] present, int[] absent, BrowserTestServer? server)
    {
        var sw = Stopwatch.StartNew();
        ToneLevels? last = null;
        while (sw.Elapsed < Timeout)
        {
            last = await page.MeasureAsync(all);
            if (present.All(last.Present) && absent.All(last.Absent))
            {
                log.WriteLine($"{what}: ok after {sw.Elapsed.TotalSeconds:F1} s: {last}");
                return;
            }
            await Task.Delay(500);
        }
        // What the page's peer connections say (webrtc-internals' view) and, when given, the server's view of the room.
        string state = await page.StatsAsync();
        if (server != null) state += " server: " + await RoomStateAsync(server);
        Assert.Fail($"{what}: not within {Timeout}: {last} {state}");
    }

    /// <summary>
    /// Chromium says connected once it has the server's last DTLS flight; the server's session is connected only once it has
    /// read its handshake's outcome. Both must be, or media does not flow (issue 13: a lost wake-up left the server's side
    /// unconnected for good while the page was connected, and the page heard digital silence).
    /// </summary>
    private static async Task WaitServerConnectedAsync(BrowserTestServer server, TonePage page)
    {
        using var admin = new HttpClient { BaseAddress = server.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token("*", "admin", ParticipantRole.Host));
        var sw = Stopwatch.StartNew();
        string room = "";
        while (sw.Elapsed < TimeSpan.FromSeconds(5))
        {
            room = await admin.GetStringAsync($"/api/rooms/{Room}");
            if (JsonDocument.Parse(room).RootElement.GetProperty("participants").EnumerateArray()
                .All(p => p.GetProperty("transport").GetString()!.StartsWith("Connected", StringComparison.Ordinal)))
                return;
            await Task.Delay(100);
        }
        Assert.Fail($"a session the page sees connected is not connected on the server within 5 s: server: {room} page: {await page.StatsAsync()}");
    }

    /// <summary>The mixer's participants and every session of the room with its transport's join timeline (server side).</summary>
    private static async Task<string> RoomStateAsync(BrowserTestServer server)
    {
        using var admin = new HttpClient { BaseAddress = server.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token("*", "admin", ParticipantRole.Host));
        return "mixer " + await GetAudioAsync(server, "participants") + " room " + await admin.GetStringAsync($"/api/rooms/{Room}");
    }

    private static async Task WaitForParticipantAsync(BrowserTestServer server, string id)
    {
        var sw = Stopwatch.StartNew();
        string participants = "";
        while (sw.Elapsed < Timeout)
        {
            participants = await GetAudioAsync(server, "participants");
            foreach (var p in JsonDocument.Parse(participants).RootElement.EnumerateArray())
                if (p.GetProperty("id").GetString() == id && p.GetProperty("packets").GetInt64() > 0) return;
            await Task.Delay(500);
        }
        Assert.Fail($"{id} sends nothing to the mixer: {participants}");
    }

    private static async Task<string> GetAudioAsync(BrowserTestServer server, string field)
    {
        using var http = HostClient(server);
        var json = await http.GetStringAsync($"/api/rooms/{Room}/audio");
        return JsonDocument.Parse(json).RootElement.GetProperty(field).ToString();
    }

    private static HttpClient HostClient(BrowserTestServer server, ParticipantRole role = ParticipantRole.Host)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token(Room, "host", role));
        return http;
    }

    [Fact]
    public async Task AudioApi_DefaultRoom_MixedWithThreeSpeakers()
    {
        await using var server = await BrowserTestServer.StartAsync();
        using var http = HostClient(server);
        var dto = JsonDocument.Parse(await http.GetStringAsync($"/api/rooms/{Room}/audio")).RootElement;
        Assert.Equal("mixed", dto.GetProperty("mode").GetString());
        Assert.Equal(3, dto.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task AudioApi_ConfiguredDefaultForwarded_Forwarded()
    {
        await using var server = await BrowserTestServer.StartAsync(null, "--MediaServer:Mixer:DefaultMode=Forwarded");
        using var http = HostClient(server);
        var dto = JsonDocument.Parse(await http.GetStringAsync($"/api/rooms/{Room}/audio")).RootElement;
        Assert.Equal("forwarded", dto.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task AudioApi_PutModeNAndControls_Reflected()
    {
        await using var server = await BrowserTestServer.StartAsync();
        using var http = HostClient(server);
        var put = await http.PutAsync($"/api/rooms/{Room}/audio", JsonContent("{\"mode\":\"forwarded\",\"n\":2}"));
        put.EnsureSuccessStatusCode();
        (await http.PostAsync($"/api/rooms/{Room}/participants/site-1/mute", null)).EnsureSuccessStatusCode();
        (await http.PostAsync($"/api/rooms/{Room}/participants/site-2/pin", null)).EnsureSuccessStatusCode();
        (await http.PostAsync($"/api/rooms/{Room}/participants/site-3/mute", null)).EnsureSuccessStatusCode();
        (await http.PostAsync($"/api/rooms/{Room}/participants/site-3/unmute", null)).EnsureSuccessStatusCode();
        var dto = JsonDocument.Parse(await http.GetStringAsync($"/api/rooms/{Room}/audio")).RootElement;
        Assert.Equal("forwarded", dto.GetProperty("mode").GetString());
        Assert.Equal(2, dto.GetProperty("n").GetInt32());
        Assert.Equal(["site-1"], dto.GetProperty("muted").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["site-2"], dto.GetProperty("pinned").EnumerateArray().Select(x => x.GetString()));
    }

    [Theory]
    [InlineData("{\"mode\":\"loud\"}")]
    [InlineData("{\"n\":17}")]
    [InlineData("{\"mode\":\"7\"}")]
    public async Task AudioApi_BadSettings_400(string body)
    {
        await using var server = await BrowserTestServer.StartAsync();
        using var http = HostClient(server);
        var put = await http.PutAsync($"/api/rooms/{Room}/audio", JsonContent(body));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, put.StatusCode);
    }

    [Theory]
    [InlineData(ParticipantRole.Speaker)]
    [InlineData(ParticipantRole.Observer)]
    public async Task AudioApi_NonHostToken_Forbidden(ParticipantRole role)
    {
        await using var server = await BrowserTestServer.StartAsync();
        using var http = HostClient(server, role);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await http.PostAsync($"/api/rooms/{Room}/participants/x/mute", null)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await http.GetAsync($"/api/rooms/{Room}/events")).StatusCode);
    }

    [Fact]
    public async Task AudioApi_NoToken_Unauthorized()
    {
        await using var server = await BrowserTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync($"/api/rooms/{Room}/audio")).StatusCode);
    }

    [Fact]
    public async Task Events_HostSubscribes_FirstEventListsSpeakers()
    {
        await using var server = await BrowserTestServer.StartAsync();
        using var http = HostClient(server);
        using var response = await http.GetAsync($"/api/rooms/{Room}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: speakers", await reader.ReadLineAsync());
        var data = await reader.ReadLineAsync();
        Assert.StartsWith("data: ", data);
        var json = JsonDocument.Parse(data!["data: ".Length..]).RootElement;
        Assert.Equal(Room, json.GetProperty("room").GetString());
        Assert.Equal(0, json.GetProperty("speakers").GetArrayLength());
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task MakeToneAsync(string path, int hz, int gainDb)
    {
        var psi = new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
            $"sine=frequency={hz}:sample_rate=48000:duration=120", "-af", $"volume={gainDb}dB", "-ac", "1", path])
        {
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"ffmpeg failed: {err}");
    }
}

/// <summary>Spectrum levels (dB) at the probed frequencies, with the median as the noise floor.</summary>
public sealed record ToneLevels(Dictionary<int, double> Levels, double Floor, double Peak)
{
    /// <summary>Clearly above the floor.</summary>
    public bool Present(int hz) => Levels[hz] > Floor + 25 && Levels[hz] > -80;

    /// <summary>Far below the loudest tone and near the floor.</summary>
    public bool Absent(int hz) => Levels[hz] < Peak - 35 || Levels[hz] < Floor + 12;

    public override string ToString()
        => $"floor {Floor:F0} dB, " + string.Join(", ", Levels.Select(kv => $"{kv.Key} Hz {kv.Value:F0} dB"));
}

/// <summary>A page that publishes its fake microphone (no audio processing) and analyses what it receives.</summary>
internal sealed class TonePage(MediaPage page, Func<Task<string>>? serverState = null)
{
    /// <summary>
    /// The page's peer connections as chrome://webrtc-internals shows them: connection/ICE/DTLS states, the candidate
    /// pairs with their check counts, local and remote candidates, and the RTP streams' counters.
    /// </summary>
    public async Task<string> StatsAsync()
        => await page.Page.EvaluateAsync<string>(StatsScript);

    private const string StatsScript = """
        async () => {
          const mc = window.__mc;
          const pcs = [['publisher', mc.publisher?.pc], ['listener', mc.listen?.s?.pc]].filter(([, pc]) => pc);
          const out = [];
          for (const [name, pc] of pcs) {
            const lines = [`${name}: connection ${pc.connectionState}, ice ${pc.iceConnectionState}, gathering ${pc.iceGatheringState}, signaling ${pc.signalingState}`];
            (await pc.getStats()).forEach(s => {
              if (s.type === 'transport')
                lines.push(`transport dtls ${s.dtlsState} ice ${s.iceState} role ${s.iceRole} pair ${s.selectedCandidatePairId} changes ${s.selectedCandidatePairChanges} sent ${s.packetsSent}/${s.bytesSent}B recv ${s.packetsReceived}/${s.bytesReceived}B srtp ${s.srtpCipher}`);
              else if (s.type === 'candidate-pair')
                lines.push(`pair ${s.id} ${s.state}${s.nominated ? ' nominated' : ''} req sent ${s.requestsSent} resp recv ${s.responsesReceived} req recv ${s.requestsReceived} consent ${s.consentRequestsSent} sent ${s.bytesSent}B recv ${s.bytesReceived}B rtt ${s.currentRoundTripTime}`);
              else if (s.type === 'local-candidate' || s.type === 'remote-candidate')
                lines.push(`${s.type} ${s.id} ${s.candidateType} ${s.protocol} ${s.address}:${s.port}`);
              else if (s.type === 'inbound-rtp' || s.type === 'outbound-rtp')
                lines.push(`${s.type} ${s.kind} ssrc ${s.ssrc} packets ${s.packetsReceived ?? s.packetsSent} bytes ${s.bytesReceived ?? s.bytesSent}` +
                  (s.type === 'inbound-rtp' ? ` lost ${s.packetsLost} samples ${s.totalSamplesReceived} concealed ${s.concealedSamples} level ${s.audioLevel}` : ''));
            });
            out.push(lines.join('; '));
          }
          return out.join(' | ');
        }
        """;

    private async Task<string> DiagnosisAsync()
        => $"page: {await StatsAsync()}" + (serverState is null ? "" : $" server: {await serverState()}");

    public async Task PublishAsync(string url, string token)
    {
        var r = await page.Page.EvaluateAsync<JsonElement>("""
            async ([url, token]) => {
              const mc = window.__mc;
              // No echo cancellation, noise suppression or AGC: a steady tone is exactly what they would remove.
              const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false }, video: false });
              try {
                mc.publisher = await mc.client.publish(url, token, stream);
                mc.publisher.stream = stream;
              } catch (e) {
                stream.getTracks().forEach(t => t.stop());
                return { ok: false, connected: false, detail: String(e) };
              }
              const pc = mc.publisher.pc;
              for (let i = 0; i < 150 && pc.connectionState !== 'connected'; i++) await new Promise(r => setTimeout(r, 100));
              return { ok: true, connected: pc.connectionState === 'connected',
                       detail: `connection ${pc.connectionState}, ice ${pc.iceConnectionState}, dtls ${pc.sctp?.transport?.state ?? 'n/a'}` };
            }
            """, new object[] { url, token });
        Assert.True(r.GetProperty("ok").GetBoolean(), $"WHIP failed: {r}");
        if (!r.GetProperty("connected").GetBoolean())
            Assert.Fail($"WHIP session did not connect within 15 s: {r} {await DiagnosisAsync()}");
    }

    public async Task StopPublishingAsync()
        => await page.Page.EvaluateAsync("""
            async () => {
              const p = window.__mc.publisher;
              p.stream.getTracks().forEach(t => t.stop());
              await p.stop();
            }
            """);

    public async Task ListenAsync(string url, string token)
    {
        var r = await page.Page.EvaluateAsync<JsonElement>("""
            async ([url, token]) => {
              const mc = window.__mc;
              try {
                const s = await mc.client.subscribe(url, token, { videoCount: 0 });
                const stream = new MediaStream([s.audioTrack]);
                // Chromium pulls remote audio into WebAudio only while a media element plays it.
                const el = new Audio();
                el.muted = true;
                el.srcObject = stream;
                el.play().catch(() => {});
                const ctx = new AudioContext({ sampleRate: 48000 });
                await ctx.resume();
                const analyser = ctx.createAnalyser();
                analyser.fftSize = 8192;
                analyser.smoothingTimeConstant = 0;
                ctx.createMediaStreamSource(stream).connect(analyser);
                mc.listen = { s, el, ctx, analyser };
                const pc = s.pc;
                for (let i = 0; i < 150 && pc.connectionState !== 'connected'; i++) await new Promise(r => setTimeout(r, 100));
                return { ok: true, connected: pc.connectionState === 'connected', context: ctx.state,
                         detail: `connection ${pc.connectionState}, ice ${pc.iceConnectionState}, audio context ${ctx.state}` };
              } catch (e) {
                return { ok: false, detail: String(e) };
              }
            }
            """, new object[] { url, token });
        Assert.True(r.GetProperty("ok").GetBoolean(), $"WHEP failed: {r}");
        if (!r.GetProperty("connected").GetBoolean())
            Assert.Fail($"WHEP session did not connect within 15 s: {r} {await DiagnosisAsync()}");
    }

    /// <summary>packetsSent of the audio remote-outbound-rtp stats (from our sender reports), 0 if none yet.</summary>
    public async Task<long> RemoteOutboundPacketsAsync()
        => await page.Page.EvaluateAsync<long>("""
            async () => {
              for (let i = 0; i < 30; i++) {
                let sent = 0;
                (await window.__mc.listen.s.pc.getStats()).forEach(s => {
                  if (s.type === 'remote-outbound-rtp' && s.kind === 'audio') sent = s.packetsSent ?? 0;
                });
                if (sent > 0) return sent;
                await new Promise(r => setTimeout(r, 200));
              }
              return 0;
            }
            """);

    /// <summary>Averages 8 spectra over about 0.8 s; the level of a tone is the highest bin within ±10 Hz.</summary>
    public async Task<ToneLevels> MeasureAsync(int[] frequencies)
    {
        var r = await page.Page.EvaluateAsync<JsonElement>("""
            async (freqs) => {
              const { analyser, ctx } = window.__mc.listen;
              const n = analyser.frequencyBinCount;
              const sum = new Float64Array(n);
              const bins = new Float32Array(n);
              const rounds = 8;
              for (let i = 0; i < rounds; i++) {
                analyser.getFloatFrequencyData(bins);
                for (let k = 0; k < n; k++) sum[k] += Math.max(bins[k], -160);
                await new Promise(r => setTimeout(r, 100));
              }
              const avg = Array.from(sum, v => v / rounds);
              const hzPerBin = ctx.sampleRate / analyser.fftSize;
              const levels = {};
              for (const f of freqs) {
                const c = Math.round(f / hzPerBin);
                let best = -200;
                for (let k = c - 2; k <= c + 2; k++) best = Math.max(best, avg[k]);
                levels[f] = best;
              }
              const upTo4k = avg.slice(1, Math.round(4000 / hzPerBin)).sort((a, b) => a - b);
              return { levels, floor: upTo4k[Math.floor(upTo4k.length / 2)], peak: Math.max(...Object.values(levels)) };
            }
            """, frequencies);
        var levels = new Dictionary<int, double>();
        foreach (var f in frequencies) levels[f] = r.GetProperty("levels").GetProperty(f.ToString()).GetDouble();
        return new ToneLevels(levels, r.GetProperty("floor").GetDouble(), r.GetProperty("peak").GetDouble());
    }
}
