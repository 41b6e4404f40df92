using System.Text.Json;
using Microsoft.Playwright;

namespace MediaCore.Browser.Tests.Infrastructure;

/// <summary>
/// A browser page driven through the server's own <c>/js/whip-client.js</c> (the demo page's client), so
/// tests exercise the code users run. Sessions live in <c>window.__mc.sessions</c> under a numeric handle.
/// </summary>
public sealed class MediaPage
{
    private const string Bootstrap = """
        async () => {
          if (!window.__mc) {
            const client = await import('/js/whip-client.js');
            window.__mc = { client, sessions: new Map(), next: 1 };
            window.__mcFlashBeep = async () => {
              const ctx = new AudioContext({ sampleRate: 48000 });
              await ctx.resume();
              const osc = ctx.createOscillator(); osc.frequency.value = 1000;
              const gain = ctx.createGain(); gain.gain.value = 0;
              const dest = ctx.createMediaStreamDestination();
              osc.connect(gain).connect(dest); osc.start();
              const t0 = ctx.currentTime + 0.5;
              for (let k = 0; k < 60; k++) { gain.gain.setValueAtTime(0.7, t0 + 2 * k); gain.gain.setValueAtTime(0, t0 + 2 * k + 0.1); }
              const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
              const g = canvas.getContext('2d');
              // Redrawn every 4 ms (a changed canvas is captured at up to 30 fps), white while the beep sounds.
              const draw = () => {
                const t = ctx.currentTime - t0;
                g.fillStyle = t >= 0 && (t % 2) < 0.1 ? '#fff' : '#000';
                g.fillRect(0, 0, 320, 240);
              };
              draw(); setInterval(draw, 4);
              const video = canvas.captureStream(30).getVideoTracks()[0];
              return new MediaStream([dest.stream.getAudioTracks()[0], video]);
            };
          }
          return true;
        }
        """;

    private MediaPage(IPage page) => Page = page;

    public IPage Page { get; }

    internal static async Task<MediaPage> InitializeAsync(IPage page)
    {
        await page.EvaluateAsync(Bootstrap);
        return new MediaPage(page);
    }

    /// <summary>
    /// getUserMedia (fake devices) + WHIP publish. Returns the session handle, or the HTTP status of a
    /// WHIP/WHEP failure in <see cref="SessionStart.Status"/>.
    /// </summary>
    public Task<SessionStart> PublishAsync(string whipUrl, string token, PublishOptions? options = null)
    {
        options ??= new PublishOptions();
        return StartAsync("""
            async ([url, token, optionsJson]) => {
              const mc = window.__mc;
              const o = JSON.parse(optionsJson);
              const video = o.video ? (o.width ? { width: { exact: o.width }, height: { exact: o.height } } : true) : false;
              const audio = o.audio;
              // flashBeep: a picture and a sound made in the page from one clock (the AudioContext's): a white flash and a
              // 1 kHz beep start together every 2 s (canvas captureStream + WebAudio), the A/V sync reference.
              const stream = o.flashBeep ? await window.__mcFlashBeep() : await navigator.mediaDevices.getUserMedia({ audio, video });
              // content: a screen share (getDisplayMedia) or a canvas (courseware) on the content m-line (a=content:slides).
              let content = false;
              if (o.content === 'display') {
                content = (await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })).getVideoTracks()[0];
              } else if (o.content === 'canvas') {
                const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
                const g = canvas.getContext('2d');
                let n = 0;
                setInterval(() => { g.fillStyle = '#10a040'; g.fillRect(0, 0, 640, 360); g.fillStyle = '#fff'; g.fillRect(n++ % 600, 150, 40, 60); }, 66);
                content = canvas.captureStream(15).getVideoTracks()[0];
              }
              try {
                const s = await mc.client.publish(url, token, stream, { simulcast: o.simulcast, codec: o.codec, iceTransportPolicy: o.iceTransportPolicy ?? 'all', content });
                s.stream = stream;
                s.contentSource = content || null;
                const id = mc.next++; mc.sessions.set(id, s);
                return { handle: id, status: 201, detail: null, offer: null };
              } catch (e) {
                stream.getTracks().forEach(t => t.stop());
                if (content) content.stop();
                if (e instanceof mc.client.WhipError) return { handle: 0, status: e.status, detail: e.detail, offer: e.offer };
                throw e;
              }
            }
            """, [whipUrl, token, JsonSerializer.Serialize(options, Json.Options)]);
    }

    /// <summary>WHEP subscribe with <paramref name="videoCount"/> receive-only video m-lines (+ one audio).</summary>
    /// <param name="iceTransportPolicy">"all", or "relay" to connect through TURN only.</param>
    /// <param name="content">One more video m-line marked <c>a=content:slides</c>: the room's screen/courseware share.</param>
    public Task<SessionStart> SubscribeAsync(string whepUrl, string token, int videoCount = 1, string iceTransportPolicy = "all", bool content = false)
        => StartAsync("""
            async ([url, token, videoCount, iceTransportPolicy, content]) => {
              const mc = window.__mc;
              try {
                const s = await mc.client.subscribe(url, token, { videoCount, iceTransportPolicy, content });
                const id = mc.next++; mc.sessions.set(id, s);
                return { handle: id, status: 201, detail: null, offer: null };
              } catch (e) {
                if (e instanceof mc.client.WhipError) return { handle: 0, status: e.status, detail: e.detail, offer: e.offer };
                throw e;
              }
            }
            """, [whepUrl, token, videoCount, iceTransportPolicy, content]);

    private async Task<SessionStart> StartAsync(string script, object[] args)
    {
        var json = await Page.EvaluateAsync<JsonElement>(script, args);
        return json.Deserialize<SessionStart>(Json.Options)!;
    }

    /// <summary>The flattened <c>getStats()</c> of a session (see <c>collectStats</c> in whip-client.js).</summary>
    public async Task<StatsSummary> GetStatsAsync(int handle)
    {
        var json = await Page.EvaluateAsync<JsonElement>(
            "async (h) => await window.__mc.client.collectStats(window.__mc.sessions.get(h).pc)", handle);
        return json.Deserialize<StatsSummary>(Json.Options)!;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the session's stats, polling every 250 ms.</summary>
    public async Task<StatsSummary> WaitForStatsAsync(int handle, Func<StatsSummary, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var stats = await GetStatsAsync(handle);
            if (condition(stats)) return stats;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"stats condition not met within {timeout}: {JsonSerializer.Serialize(stats, Json.Options)}");
            await Task.Delay(250);
        }
    }

    /// <summary>Captures the fake devices without publishing (a handle for <see cref="MeasureAudioFrequencyAsync"/> on local audio).</summary>
    public Task<int> CaptureAsync(bool audio = true, bool video = false)
        => Page.EvaluateAsync<int>("""
            async ([audio, video]) => {
              const mc = window.__mc;
              const stream = await navigator.mediaDevices.getUserMedia({ audio, video });
              const id = mc.next++;
              mc.sessions.set(id, { stream, stop: async () => 0 });
              return id;
            }
            """, new object[] { audio, video });

    /// <summary>
    /// The dominant frequency (Hz) of a session's audio: the received track of a WHEP session, else the captured
    /// track: the peak of the power spectrum averaged over <paramref name="listenMs"/> (AnalyserNode, fftSize 8192: 5.9 Hz bins at 48 kHz).
    /// </summary>
    public async Task<AudioPeak> MeasureAudioFrequencyAsync(int handle, int listenMs = 1000)
    {
        var json = await Page.EvaluateAsync<JsonElement>("""
            async ([h, ms]) => {
              const s = window.__mc.sessions.get(h);
              const track = s.audioTrack ?? s.stream?.getAudioTracks()[0];
              const stream = new MediaStream([track]);
              // Chromium only pulls remote WebRTC audio into WebAudio while a media element plays it.
              const sink = new Audio(); sink.muted = true; sink.srcObject = stream; await sink.play().catch(() => {});
              const ctx = new AudioContext();
              await ctx.resume();
              const analyser = ctx.createAnalyser();
              analyser.fftSize = 8192;
              analyser.smoothingTimeConstant = 0;
              ctx.createMediaStreamSource(stream).connect(analyser);
              // The spectrum averaged (in power) over the whole listen window, one FFT window (170 ms) at a time, so a
              // single concealed or time-stretched packet does not decide the peak.
              const bins = new Float32Array(analyser.frequencyBinCount);
              const power = new Float64Array(analyser.frequencyBinCount);
              const windowMs = 1000 * analyser.fftSize / ctx.sampleRate;
              await new Promise(r => setTimeout(r, windowMs));
              let n = 0;
              for (const end = performance.now() + ms; ; ) {
                analyser.getFloatFrequencyData(bins);
                for (let i = 0; i < bins.length; i++) power[i] += Math.pow(10, bins[i] / 10);
                n++;
                if (performance.now() + windowMs > end) break;
                await new Promise(r => setTimeout(r, windowMs));
              }
              let best = 1;
              for (let i = 1; i < power.length; i++) if (power[i] > power[best]) best = i;
              const result = { hz: best * ctx.sampleRate / analyser.fftSize, db: 10 * Math.log10(power[best] / n) };
              await ctx.close();
              sink.srcObject = null;
              return result;
            }
            """, new object[] { handle, listenMs });
        return json.Deserialize<AudioPeak>(Json.Options)!;
    }

    /// <summary>DELETEs the session resource and closes its RTCPeerConnection; returns the DELETE status.</summary>
    public Task<int> StopAsync(int handle)
        => Page.EvaluateAsync<int>("""
            async (h) => {
              const s = window.__mc.sessions.get(h);
              window.__mc.sessions.delete(h);
              s.stream?.getTracks().forEach(t => t.stop());
              s.contentSource?.stop();
              return await s.stop();
            }
            """, handle);
}

/// <summary>Loudest frequency bin of an audio track.</summary>
public sealed record AudioPeak(double Hz, double Db);

/// <summary>Options of <see cref="MediaPage.PublishAsync"/>.</summary>
/// <param name="IceTransportPolicy">"all", or "relay" to connect through TURN only.</param>
/// <param name="Content">A share on the content m-line (a=content:slides): "display" (getDisplayMedia) or "canvas" (a drawn page).</param>
/// <param name="FlashBeep">Instead of the fake camera and microphone, a flash and a beep made together every 2 s from the page's AudioContext clock.</param>
public sealed record PublishOptions(bool Audio = true, bool Video = true, bool Simulcast = false, string? Codec = null, int? Width = null, int? Height = null,
    string IceTransportPolicy = "all", string? Content = null, bool FlashBeep = false);

/// <summary>Result of starting a WHIP/WHEP session in the page.</summary>
/// <param name="Handle">Session handle for stats/stop (0 on failure).</param>
/// <param name="Status">HTTP status of the POST.</param>
/// <param name="Offer">The SDP offer, on failure.</param>
public sealed record SessionStart(int Handle, int Status, string? Detail, string? Offer)
{
    public bool Succeeded => Status == 201;
}

/// <summary>The shape <c>collectStats</c> returns.</summary>
public sealed record StatsSummary(IReadOnlyList<InboundStats> Inbound, IReadOnlyList<OutboundStats> Outbound, CandidatePairStats? CandidatePair, string ConnectionState);

public sealed record InboundStats(string Kind, string? Mid, long Ssrc, long PacketsReceived, long PacketsLost, long BytesReceived,
    long FramesDecoded, double FramesPerSecond, int FrameWidth, int FrameHeight, long NackCount, long PliCount, long FirCount, double Jitter,
    long? FreezeCount = null, double? TotalFreezesDuration = null, long? RetransmittedPacketsReceived = null);

public sealed record OutboundStats(string Kind, string? Mid, string? Rid, long Ssrc, long PacketsSent, long BytesSent, long RetransmittedPacketsSent,
    long FramesEncoded, double FramesPerSecond, int FrameWidth, int FrameHeight, long NackCount, long PliCount, long FirCount,
    string? QualityLimitationReason, double? TargetBitrate);

/// <param name="LocalCandidateType">host, srflx, prflx or relay.</param>
/// <param name="Protocol">udp or tcp (the local candidate's transport).</param>
public sealed record CandidatePairStats(string? LocalCandidateType, string? Protocol, string? RelayProtocol, string State, double? AvailableOutgoingBitrate, double? AvailableIncomingBitrate, double? CurrentRoundTripTime, long BytesSent, long BytesReceived);

internal static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
