using System.Diagnostics;
using System.Net;
using MediaCore.Protocol.Codecs;
using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtp;
using MediaCore.Routing;
using MediaCore.Routing.Audio;
using MediaCore.Server.Auth;
using MediaCore.Server.Cluster;
using MediaCore.Server.Mixing;
using MediaCore.Server.Rooms;
using MediaCore.Server.Sessions;
using MediaCore.Server.Tests.Infrastructure;
using SdpMediaKind = MediaCore.Protocol.Sdp.MediaKind;

namespace MediaCore.Server.Tests.Cluster;

/// <summary>
/// Top-N audio up the tree, on real nodes and a real redis-server: six villages on a town node speak at once (Opus tones
/// with RFC 6464 levels); the town sends the county only its N loudest (N = 3, the default) over the relay link, and a
/// listener in the county's mix hears exactly those three tones.
/// </summary>
// Node ids ("county", "town-1") label the process-wide relay metrics: cluster tests run one at a time.
[Collection("cluster")]
public sealed class ClusterAudioTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>A village's microphone: a producer in the town's room (as a WHIP session's audio would be) fed Opus frames of a tone.</summary>
    private sealed class Tone : IDisposable
    {
        private readonly MediaEngine _engine;
        private readonly IOpusFrameEncoder _encoder;
        private readonly RtpPacketWriter _writer = new() { PayloadType = new PayloadType(111) };
        private readonly float[] _pcm = new float[AudioMixerOptions.FrameSamples];
        private readonly byte[] _opus = new byte[1500];
        private long _sample;

        public Tone(MediaEngine engine, RoomId room, string participant, double frequency, float amplitude)
        {
            _engine = engine;
            Participant = participant;
            Frequency = frequency;
            Amplitude = amplitude;
            _encoder = engine.Mixing.Codecs.CreateEncoder(new OpusEncoderSettings(Bitrate: 48_000, Complexity: 5, InbandFec: true, LowDelay: false));
            uint ssrc = (uint)Random.Shared.Next(1, int.MaxValue);
            _writer.Ssrc = new Ssrc(ssrc);
            _writer.SequenceNumber = (ushort)Random.Shared.Next(0, 0x8000);
            lock (engine.Gate)
            {
                var r = engine.FindRoom(room)!;
                Producer = r.Router.CreateProducer(engine.Clock.NowTicks, new ProducerOptions
                {
                    Id = "tone-" + participant, ParticipantId = participant, Kind = SdpMediaKind.Audio, Codec = CodecKind.Opus, ClockRate = 48000,
                    PayloadType = new PayloadType(111), Extensions = new RtpExtensionMap().Add(1, RtpExtensionKind.AudioLevel),
                    Encodings = [new ProducerEncodingOptions { Ssrc = ssrc }],
                });
            }
        }

        public string Participant { get; }
        public double Frequency { get; }
        public float Amplitude { get; }
        public Producer Producer { get; }
        /// <summary>RFC 6464 level: -dBov of the tone's RMS.</summary>
        public int Level => (int)Math.Round(-20 * Math.Log10(Amplitude / Math.Sqrt(2)));

        public void SendFrame()
        {
            for (int i = 0; i < _pcm.Length; i++, _sample++) _pcm[i] = Amplitude * (float)Math.Sin(2 * Math.PI * Frequency * _sample / 48_000);
            int n = _encoder.Encode(_pcm, _opus);
            _writer.Payload = _opus.AsMemory(0, n);
            _writer.SetExtension(1, [RtpExtensionValues.EncodeAudioLevel(voice: true, Level)]);
            var packet = new byte[_writer.GetSerializedSize()];
            _writer.WriteTo(packet);
            _writer.SequenceNumber++;
            _writer.Timestamp = _writer.Timestamp.Add(960);
            lock (_engine.Gate) Producer.Router.OnRtp(_engine.Clock.NowTicks, Producer, packet);
        }

        public void Dispose() => _encoder.Dispose();
    }

    /// <summary>Someone listening to the county's mix (the PCM the mixer encodes for its listeners).</summary>
    private sealed class Ear : IMixListener
    {
        private readonly List<float[]> _frames = [];
        public MixParticipant Participant { get; set; } = null!;
        public long LastFrameIndex { get; private set; } = -1;

        public void Send(long nowTicks, in MixFrame frame)
        {
            LastFrameIndex = frame.Index;
            if (frame.IsSilence || frame.Pcm.IsEmpty) return;
            lock (_frames) _frames.Add(frame.Pcm.ToArray());
        }

        public void MaybeSendReport(long nowTicks) { }

        public int Frames
        {
            get { lock (_frames) return _frames.Count; }
        }

        /// <summary>The last <paramref name="count"/> frames, one buffer.</summary>
        public float[] Last(int count)
        {
            lock (_frames) return [.. _frames.Skip(Math.Max(0, _frames.Count - count)).SelectMany(f => f)];
        }
    }

    // Goertzel: the amplitude of `frequency` in `pcm` (48 kHz).
    private static double AmplitudeAt(float[] pcm, double frequency)
    {
        double w = 2 * Math.PI * frequency / 48_000, c = 2 * Math.Cos(w), s1 = 0, s2 = 0;
        foreach (float x in pcm)
        {
            double s0 = x + c * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        return 2 * Math.Sqrt(Math.Max(0, s1 * s1 + s2 * s2 - c * s1 * s2)) / pcm.Length;
    }

    [Fact]
    public async Task TopN_SixVillagesSpeakOnATown_CountyGetsTheThreeLoudestOverTheLinkAndItsMixHasExactlyThose()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var county = await ClusterTests.StartNodeAsync(redis, "county");
        await using var town = await ClusterTests.StartNodeAsync(redis, "town-1", parent: "county");
        var room = RoomId.Parse("county-meeting");
        // A village's WHIP session puts the room on the town in the directory (it stays silent).
        Assert.Equal(HttpStatusCode.Created, (await ClusterTests.PostSdpAsync(town, "whip", room.Value, "site:99", ParticipantRole.Speaker, "chromium156-whip-offer.sdp")).StatusCode);
        var townEngine = town.Services.GetRequiredService<MediaEngine>();
        // Quiet and loud villages interleaved, so the first packets do not arrive loudest first.
        (string Site, double Hz, float Amplitude)[] villages =
        [
            ("site:1", 350, 0.04f), ("site:2", 440, 0.30f), ("site:3", 710, 0.03f), ("site:4", 620, 0.25f), ("site:5", 1000, 0.05f), ("site:6", 830, 0.20f),
        ];
        var tones = villages.Select(v => new Tone(townEngine, room, v.Site, v.Hz, v.Amplitude)).ToList();
        string[] loudest = ["site:2", "site:4", "site:6"];
        try
        {
            await ClusterTests.EventuallyAsync(() => ClusterTests.GetAsync<List<RoomSummaryDto>>(county, "/api/rooms"),
                r => r.Any(x => x.Room == room.Value), "the town's room in the directory");
            // Someone on the county joins the meeting: the county brings the town's tracks in over one link.
            Assert.Equal(HttpStatusCode.Created, (await ClusterTests.PostSdpAsync(county, "whep", room.Value, "county-host", ParticipantRole.Host, "chromium156-whep-offer.sdp")).StatusCode);
            var countyEngine = county.Services.GetRequiredService<MediaEngine>();
            var ear = new Ear();
            lock (countyEngine.Gate) countyEngine.FindRoom(room)!.Audio.AddListener(ear, "test:ear", MixSourceCodec.Opus, pcm: true);

            // Every village speaks, in real time (20 ms frames), for the rest of the test.
            using var stop = new CancellationTokenSource();
            var speaking = Task.Run(async () =>
            {
                var clock = Stopwatch.StartNew();
                long sent = 0;
                while (!stop.IsCancellationRequested)
                {
                    for (long due = clock.ElapsedMilliseconds / 20; sent <= due; sent++) foreach (var t in tones) t.SendFrame();
                    await Task.Delay(5);
                }
            });
            try
            {
                async Task<List<RelayOutTrackStats>> ToneTracks() =>
                    Assert.Single(await ClusterTests.GetAsync<List<RelayLinkDto>>(town, "/api/cluster/links")).Outbound
                        .Where(t => t.ProducerId.StartsWith("tone-", StringComparison.Ordinal)).ToList();
                string Site(RelayOutTrackStats t) => t.ProducerId["tone-".Length..];

                // The town's gate settles on the three loudest (a quiet first speaker keeps its place for the 1 s hold).
                await ClusterTests.EventuallyAsync(ToneTracks,
                    t => t.Count == 6 && t.Where(x => x.Forwarding).Select(Site).Order().SequenceEqual(loudest), "the town forwards the three loudest");
                await Task.Delay(1500); // the county's own selection lets the quiet one go (silence hold)
                var before = await ToneTracks();
                await Task.Delay(1000);
                var after = await ToneTracks();
                // Over one second the link carried exactly three of the six streams (50 packets/s each); the other three none.
                var carried = after.Where(a => a.Sent > before.Single(b => b.ProducerId == a.ProducerId).Sent).Select(Site).Order().ToArray();
                Assert.Equal(loudest, carried);
                foreach (var a in after.Where(a => loudest.Contains(Site(a))))
                {
                    long n = a.Sent - before.Single(b => b.ProducerId == a.ProducerId).Sent;
                    Assert.True(n >= 20, $"{Site(a)}: only {n} packets in one second");
                }
                // The fixture village's silent audio track is not carried either: 3 of 7 audio tracks pass.
                var link = Assert.Single(await ClusterTests.GetAsync<List<RelayLinkDto>>(town, "/api/cluster/links"));
                Assert.Equal(3, link.Outbound.Count(t => t.Kind == "audio" && t.Forwarding));
                Assert.Equal(7, link.Outbound.Count(t => t.Kind == "audio"));

                // The county's mix (its N = 3 across every town) has the three loud tones and none of the quiet ones.
                Assert.True(ear.Frames >= 50, $"the county mixed only {ear.Frames} frames");
                var pcm = ear.Last(50);
                var heard = villages.Select(v => (v.Site, Amplitude: AmplitudeAt(pcm, v.Hz))).ToList();
                string report = string.Join(", ", heard.Select(h => $"{h.Site} {h.Amplitude:0.0000}"));
                output.WriteLine($"county mix, amplitude per village tone over the last second: {report}");
                foreach (var (site, amplitude) in heard)
                {
                    if (loudest.Contains(site)) Assert.True(amplitude > 0.05, $"{site} should be heard: {report}");
                    else Assert.True(amplitude < 0.005, $"{site} should not be in the county's mix: {report}");
                }
            }
            finally
            {
                await stop.CancelAsync();
                await speaking;
            }
        }
        finally
        {
            foreach (var t in tones) t.Dispose();
        }
    }
}
