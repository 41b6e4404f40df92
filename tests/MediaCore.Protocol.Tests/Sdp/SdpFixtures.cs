using MediaCore.Protocol.Sdp;

namespace MediaCore.Protocol.Tests.Sdp;

/// <summary>Real SDP captured from headless Chromium 156 (tests/fixture-capture) and our own offers.</summary>
internal static class SdpFixtures
{
    public const string WhipOffer = "chromium156-whip-offer.sdp";
    public const string WhipSimulcastOffer = "chromium156-whip-simulcast-offer.sdp";
    public const string WhepOffer = "chromium156-whep-offer.sdp";
    public const string DataChannelOffer = "chromium156-sendrecv-datachannel-offer.sdp";
    public const string ChromiumAnswer = "chromium156-answer.sdp";
    public const string MediaCoreSimulcastOffer = "mediacore-simulcast-offer.sdp";
    public const string MediaCoreRecvOnlyOffer = "mediacore-recvonly-offer.sdp";
    public const string AnswerToSimulcastOffer = "chromium156-answer-to-mediacore-simulcast-offer.sdp";
    public const string AnswerToRecvOnlyOffer = "chromium156-answer-to-mediacore-recvonly-offer.sdp";

    public static readonly string[] All =
    [
        WhipOffer, WhipSimulcastOffer, WhepOffer, DataChannelOffer, ChromiumAnswer,
        MediaCoreSimulcastOffer, MediaCoreRecvOnlyOffer, AnswerToSimulcastOffer, AnswerToRecvOnlyOffer,
    ];

    public static IEnumerable<object[]> AllNames => All.Select(n => new object[] { n });

    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public static SessionDescription Parse(string name)
    {
        Assert.True(SdpParser.TryParse(Text(name), out var d, out var error), error);
        return d;
    }
}
