using MediaCore.Protocol.Dtls;
using BenchmarkDotNet.Attributes;
using MediaCore.Protocol.Sdp;

namespace MediaCore.Benchmarks.Sdp;

/// <summary>
/// SDP is signalling, not the media hot path: one parse, answer and write per WHIP/WHEP request. These
/// numbers size the cost of a 500-site join burst.
/// Run: dotnet run -c Release --project benchmarks/MediaCore.Benchmarks -- --filter '*SdpBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class SdpBenchmarks
{
    private string _offerText = "";
    private SessionDescription _offer = null!;
    private AnswerOptions _options = null!;

    [Params("chromium156-whip-simulcast-offer.sdp", "chromium156-whep-offer.sdp")]
    public string Fixture { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _offerText = File.ReadAllText(Path.Combine(FindFixtures(), Fixture));
        _offer = SdpParser.Parse(_offerText);
        _options = new AnswerOptions
        {
            IceUfrag = "srvU",
            IcePwd = "0123456789abcdefghijklmn",
            Fingerprint = new DtlsFingerprint("sha-256", new byte[32]),
            Candidates = [IceCandidate.Host("127.0.0.1", 50000)],
            Sections = _offer.Media.Select((m, i) => new MediaSectionOptions(MediaIntent.SendReceive,
                new SendStream(new MediaCore.Protocol.Core.Ssrc((uint)(1 + i)), null, "c", "s", "t" + i))).ToArray(),
        };
    }

    [Benchmark]
    public bool Parse() => SdpParser.TryParse(_offerText, out _, out _);

    [Benchmark]
    public string Write() => SdpWriter.Write(_offer);

    [Benchmark]
    public bool ParseAnswerWrite()
    {
        if (!SdpParser.TryParse(_offerText, out var offer, out _)) return false;
        var r = SdpNegotiator.CreateAnswer(offer, _options);
        return SdpWriter.Write(r.Answer!).Length > 0;
    }

    private static string FindFixtures()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "MediaCore.Protocol.Tests", "Fixtures");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/MediaCore.Protocol.Tests/Fixtures not found above " + AppContext.BaseDirectory);
    }
}
