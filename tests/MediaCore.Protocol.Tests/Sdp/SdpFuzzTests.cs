using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

/// <summary>
/// Seeded mutation fuzzing of the parser, writer and negotiator over the Chromium fixtures. Properties:
/// nothing throws; whatever parses writes back to text that parses to an equal description; whatever
/// answer the negotiator makes also round-trips.
/// </summary>
public class SdpFuzzTests
{
    private static readonly string[] Dictionary =
    [
        "\r\n", "\n", "\r", " ", "  ", ":", "=", "/", ";", ",", "~", "*", "a=", "m=", "c=", "b=", "t=", "o=", "s=", "v=0",
        "0", "9", "127", "128", "255", "256", "65535", "65536", "4294967295", "4294967296", "99999999999999999999999",
        "-1", "a=rtpmap:", "a=fmtp:", "a=rtcp-fb:", "a=extmap:", "a=ssrc:", "a=ssrc-group:FID ", "a=rid:", "a=simulcast:",
        "a=candidate:", "a=mid:", "a=group:BUNDLE ", "a=fingerprint:sha-256 ", "a=setup:", "typ", "raddr", "rport",
        "send", "recv", "sendonly", "recvonly", "inactive", "actpass", "passive", "rtx/90000", "apt=", "pt=",
        "opus/48000/2", "VP8/90000", "H264/90000", "packetization-mode=1", "profile-level-id=42e01f", "\0", "é", "\t",
    ];

    [Fact]
    public void ParseWriteNegotiate_100kMutatedFixtures_NeverThrowAndRoundTrip()
    {
        var seeds = SdpFixtures.All.Select(SdpFixtures.Text).ToArray();
        var rng = new Random(20261126);
        var options = SdpNegotiatorTests.Options();
        var sendOptions = options with
        {
            DefaultIntent = MediaIntent.SendReceive,
            Sections = Enumerable.Range(0, 4).Select(i => new MediaSectionOptions(MediaIntent.SendReceive,
                new SendStream(new Ssrc((uint)(10 + i)), new Ssrc((uint)(20 + i)), "c", "s", "t" + i))).ToArray(),
            SingleCodec = false,
            VideoCodecs = [SdpCodec.H264, SdpCodec.VP8, SdpCodec.VP9, SdpCodec.AV1],
            VideoStartBitrateKbps = 2500,
        };
        int parsed = 0, answered = 0;
        for (int i = 0; i < 100_000; i++)
        {
            string input = Mutate(seeds[rng.Next(seeds.Length)], rng);
            if (!SdpParser.TryParse(input, out var d, out var error))
            {
                Assert.StartsWith("line ", error);
                continue;
            }
            parsed++;
            // Parsing is the property every case checks; the round trip costs two more passes, so every other case.
            if ((i & 1) != 0) continue;
            string written = SdpWriter.Write(d);
            if (!SdpParser.TryParse(written, out var again, out var error2) || !d.Equals(again))
            {
                Assert.Fail($"case {i}: round trip changed the description ({error2})\n--- input ---\n{input}\n--- written ---\n{written}");
            }
            // The negotiator is cheap next to the parse, but not free: check it on a tenth of the cases.
            if (i % 10 != 0) continue;
            var r = SdpNegotiator.CreateAnswer(d, (i & 16) == 0 ? options : sendOptions);
            if (!r.IsSuccess) continue;
            answered++;
            Assert.Equal(r.Answer, SdpParser.Parse(SdpWriter.Write(r.Answer!)));
            SdpNegotiator.TryApplyAnswer(d, r.Answer!, out _, out _);
        }
        // The mutations must leave enough valid input for the round-trip property to mean something.
        Assert.True(parsed > 20_000, $"only {parsed} mutated inputs parsed");
        Assert.True(answered > 1_000, $"only {answered} answers made");
    }

    internal static string Mutate(string seed, Random rng)
    {
        string s = seed;
        int n = 1 + rng.Next(3);
        for (int k = 0; k < n && s.Length > 0; k++)
        {
            int at = rng.Next(s.Length);
            switch (rng.Next(9))
            {
                case 0:
                    s = string.Concat(s.AsSpan(0, at), [(char)rng.Next(0, 128)], s.AsSpan(at + 1));
                    break;
                case 1:
                    s = s.Remove(at, Math.Min(s.Length - at, 1 + rng.Next(16)));
                    break;
                case 2:
                case 3:
                    s = s.Insert(at, Dictionary[rng.Next(Dictionary.Length)]);
                    break;
                case 4:
                {
                    var (start, len) = LineAt(s, at);
                    s = s.Insert(start, s.Substring(start, len));
                    break;
                }
                case 5:
                {
                    var (start, len) = LineAt(s, at);
                    s = s.Remove(start, len);
                    break;
                }
                case 6:
                {
                    // Replace a run of digits with a boundary number.
                    int b = at;
                    while (b < s.Length && !char.IsAsciiDigit(s[b])) b++;
                    int e = b;
                    while (e < s.Length && char.IsAsciiDigit(s[e])) e++;
                    if (e > b) s = string.Concat(s.AsSpan(0, b), Dictionary[14 + rng.Next(13)], s.AsSpan(e));
                    break;
                }
                case 7:
                {
                    // Move a line elsewhere.
                    var (s1, l1) = LineAt(s, at);
                    string line = s.Substring(s1, l1);
                    s = s.Remove(s1, l1);
                    s = s.Insert(LineAt(s, rng.Next(Math.Max(1, s.Length))).Start, line);
                    break;
                }
                default:
                    s = s[..at];
                    break;
            }
        }
        return s;
    }

    private static (int Start, int Length) LineAt(string s, int at)
    {
        if (s.Length == 0) return (0, 0);
        at = Math.Min(at, s.Length - 1);
        int start = at > 0 ? s.LastIndexOf('\n', at - 1) + 1 : 0;
        int end = s.IndexOf('\n', at);
        end = end < 0 ? s.Length : end + 1;
        return (start, end - start);
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrows()
    {
        var rng = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            var chars = new char[rng.Next(200)];
            for (int j = 0; j < chars.Length; j++) chars[j] = (char)rng.Next(0, 0x80);
            string text = "v=0\r\n" + new string(chars);
            if (SdpParser.TryParseFragment(new string(chars), out var f, out _))
            {
                // A fragment parses to a description with a placeholder origin; written out in full, it reads back equal.
                Assert.Equal(f, SdpParser.Parse(SdpWriter.Write(f)));
            }
            if (SdpParser.TryParse(text, out var d, out _))
            {
                Assert.Equal(d, SdpParser.Parse(SdpWriter.Write(d)));
            }
        }
    }
    private const string Head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

    private const string Transport = "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n" +
        "a=fingerprint:sha-256 0E:40:56:55:52:4F:5C:0E:91:51:2D:8C:87:86:F6:CC:69:2A:D9:D5:85:E0:75:B9:85:D1:F2:4C:A1:63:7E:49\r\n" +
        "a=setup:actpass\r\na=rtcp-mux\r\n";

    private static string Repeat(string line, int bytes)
    {
        var sb = new System.Text.StringBuilder(bytes + line.Length);
        int i = 0;
        while (sb.Length < bytes) sb.Append(line.Replace("{i}", (i++).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return sb.ToString();
    }

    // Inputs near SdpParser.MaxLength built to hit every per-line lookup many times. A quadratic step in
    // the parser or negotiator would take minutes here instead of milliseconds; no timing is asserted.
    private static IEnumerable<(string Name, string Text)> BuildPathologicalInputs()
    {
        const int Size = 900_000;
        string audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n" + Transport + "a=rtpmap:111 opus/48000/2\r\n";
        yield return ("ssrc lines", Head + "a=group:BUNDLE 0\r\n" + audio + Repeat("a=ssrc:{i} cname:x\r\na=ssrc:{i} msid:s t\r\n", Size));
        yield return ("ssrc groups", Head + "a=group:BUNDLE 0\r\n" + audio + Repeat("a=ssrc-group:FID {i} 7\r\n", Size));
        yield return ("rids", Head + "a=group:BUNDLE 0\r\n" + audio.Replace("audio", "video").Replace("opus/48000/2", "VP8/90000")
            + "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n" + Repeat("a=rid:r{i} send\r\n", Size / 2)
            + "a=simulcast:send " + string.Join(";", Enumerable.Range(0, 20_000).Select(i => "r" + i)) + "\r\n");
        yield return ("extmaps", Head + "a=group:BUNDLE 0\r\n" + audio + Repeat("a=extmap:5 urn:x:{i}\r\n", Size));
        yield return ("rtcp-fb", Head + "a=group:BUNDLE 0\r\n" + audio + Repeat("a=rtcp-fb:111 nack\r\na=rtcp-fb:* x{i}\r\n", Size));
        yield return ("candidates", Head + "a=group:BUNDLE 0\r\n" + audio + Repeat("a=candidate:{i} 1 udp 1 127.0.0.1 9 typ host a b c d\r\n", Size));
        yield return ("bundle group", Head + "a=group:BUNDLE " + string.Join(' ', Enumerable.Range(0, 100_000)) + "\r\n"
            + string.Concat(Enumerable.Range(0, 500).Select(i => audio.Replace("a=mid:0", "a=mid:" + i))));
        yield return ("long line", Head + "m=audio 9 UDP/TLS/RTP/SAVPF" + new string(' ', Size) + "111\r\n");
        yield return ("unknown attributes", Head + Repeat("a=x-{i}:y\r\n", Size));
        yield return ("blank lines", Head + new string('\n', Size));
    }

    public static IEnumerable<object[]> PathologicalInputs() => BuildPathologicalInputs().Select(x => new object[] { x.Name });

    [Theory]
    [MemberData(nameof(PathologicalInputs))]
    public void ParseAndAnswer_LargePathologicalInput_Completes(string name)
    {
        string text = BuildPathologicalInputs().First(x => x.Name == name).Text;
        Assert.True(text.Length <= SdpParser.MaxLength, name);
        Assert.True(SdpParser.TryParse(text, out var d, out var error), error);
        var r = SdpNegotiator.CreateAnswer(d, SdpNegotiatorTests.Options());
        if (r.IsSuccess) Assert.NotEmpty(SdpWriter.Write(r.Answer!));
        Assert.Equal(d, SdpParser.Parse(SdpWriter.Write(d)));
    }
}
