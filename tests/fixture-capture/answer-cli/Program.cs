using MediaCore.Protocol.Core;
using MediaCore.Protocol.Sdp;

// answer-cli <whip|whep|h264|noaudio>        reads an offer on stdin, prints MediaCore's answer
// answer-cli <offer-send|offer-recv|offer-simulcast>   prints an offer from SdpOfferBuilder
string mode = args.Length > 0 ? args[0] : "whip";
if (mode.StartsWith("offer", StringComparison.Ordinal))
{
    var offer = SdpOfferBuilder.Build(new OfferOptions
    {
        IceUfrag = "abcd",
        IcePwd = "0123456789abcdefghijkl",
        Fingerprint = new DtlsFingerprint("sha-256", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()),
        Direction = mode == "offer-recv" ? MediaDirection.RecvOnly : MediaDirection.SendOnly,
        SimulcastRids = mode == "offer-simulcast" ? ["q", "h", "f"] : ValueList<string>.Empty,
        Candidates = [IceCandidate.Host("127.0.0.1", 40000)],
    });
    Console.Write(SdpWriter.Write(offer));
    return 0;
}

if (!SdpParser.TryParse(Console.In.ReadToEnd(), out var remote, out var error))
{
    Console.Error.WriteLine(error);
    return 1;
}
bool whep = mode == "whep";
var options = new AnswerOptions
{
    IceUfrag = "srvU",
    IcePwd = "0123456789abcdefghijklmn",
    Fingerprint = new DtlsFingerprint("sha-256", Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray()),
    Candidates = [IceCandidate.Host("127.0.0.1", 50000)],
    VideoStartBitrateKbps = 2500,
    DefaultIntent = whep ? MediaIntent.Send : MediaIntent.Receive,
    VideoCodecs = mode == "h264" ? [SdpCodec.H264] : [SdpCodec.VP8, SdpCodec.H264],
    AudioCodecs = mode == "noaudio" ? [] : [SdpCodec.Opus],
    Sections = whep
        ? remote.Media.Select((m, i) => new MediaSectionOptions(MediaIntent.Send,
            new SendStream(new Ssrc((uint)(1000 + i)), new Ssrc((uint)(2000 + i)), "mediacore", "stream" + i, "track" + i))).ToArray()
        : ValueList<MediaSectionOptions>.Empty,
};
var result = SdpNegotiator.CreateAnswer(remote, options);
if (!result.IsSuccess)
{
    Console.Error.WriteLine(result.Error);
    return 1;
}
Console.Write(SdpWriter.Write(result.Answer!));
return 0;
