using System.Text;
using MediaCore.Protocol.Sip;

namespace MediaCore.Protocol.Tests.Sip;

/// <summary>
/// Seeded mutation fuzzing of the SIP parser and the UAS core (the issue's check: 10,000 fuzzed SIP messages
/// answered without a crash). Properties: nothing throws; every response the core sends parses; a mutated
/// request whose headers still parse gets an answer.
/// </summary>
public class SipFuzzTests
{
    private static readonly string[] Seeds =
    [
        "INVITE sip:room1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK1;rport\r\nFrom: \"T\" <sip:site-7-terminal-3@h>;tag=1\r\nTo: <sip:room1@h>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContact: <sip:t@127.0.0.1:5099>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: 95\r\n\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 16000 RTP/AVP 0 8 101\r\n",
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nv: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK2\r\nf: <sip:site-7-terminal-3@h>;tag=2\r\nt: <sip:site-7-terminal-3@h>\r\ni: r1\r\nCSeq: 2 REGISTER\r\nm: <sip:t@127.0.0.1>;expires=60\r\nAuthorization: Digest username=\"site-7-terminal-3\", realm=\"mediacore\", nonce=\"00\", uri=\"sip:127.0.0.1\", response=\"00\", qop=auth, nc=00000001, cnonce=\"x\"\r\nl: 0\r\n\r\n",
        "BYE sip:room1@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\nFrom: <sip:a@h>;tag=ft\r\nTo: <sip:room1@h>;tag=tt\r\nCall-ID: c1\r\nCSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n",
        "CANCEL sip:room1@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:room1@h>\r\nCall-ID: c1\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: x\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
    ];

    private static readonly string[] Tokens = ["\r\n", ";", ":", "<", ">", "\"", ",", "=", " ", "@", "sip:", "tag=", "branch=", "z9hG4bK", "Content-Length: 99999", "\0", "\u00ff", "%", "\t", "SIP/3.0", "-1", "99999999999"];

    [Fact]
    public void Core_TenThousandMutatedMessages_AnsweredWithoutACrash()
    {
        var random = new Random(12);
        var t = new SipTestTerminal();
        int answered = 0, parsedRequests = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var bytes = Mutate(random, Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]));
            bool stream = random.Next(4) == 0;
            if (SipParser.TryParse(bytes, stream, out var parsed, out _) && parsed.IsRequest && parsed.Get("Via") != null) parsedRequests++;
            t.Core.HandleReceive(t.Now, bytes, SipTestTerminal.Address, stream);
            t.Now += TimeSpan.TicksPerMillisecond * 7;
            if (t.Now >= t.Core.PollTimeout()) t.Core.HandleTimeout(t.Now);
            while (t.Core.TryPollTransmit(out var x))
            {
                Assert.True(SipParser.TryParse(x.Data, false, out _, out var error), error);
                answered++;
            }
        }
        Assert.True(parsedRequests > 1000, $"only {parsedRequests} mutated requests still parsed");
        Assert.True(answered > 1000, $"only {answered} answers");
    }

    [Fact]
    public void Parser_RandomBytes_NeverThrows()
    {
        var random = new Random(34);
        for (int i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            SipParser.TryParse(bytes, random.Next(2) == 0, out _, out _);
            SipFraming.TryFrame(bytes, out _);
        }
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var data = new List<byte>(seed);
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits && data.Count > 0; e++)
        {
            int at = random.Next(data.Count);
            switch (random.Next(5))
            {
                case 0: data[at] = (byte)random.Next(256); break;
                case 1: data.RemoveRange(at, Math.Min(random.Next(1, 20), data.Count - at)); break;
                case 2: data.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)])); break;
                case 3:
                    int from = random.Next(data.Count);
                    data.InsertRange(at, data.GetRange(from, Math.Min(30, data.Count - from)));
                    break;
                default: data.RemoveRange(at, data.Count - at); break;
            }
        }
        return [.. data];
    }
}
