using static MediaCore.Routing.Tests.Setup;

namespace MediaCore.Routing.Tests;

/// <summary>RFC 3550 Appendix A.3 (loss) and A.8 (jitter) through the router's receive path.</summary>
public class ReceptionStatisticsTests
{
    [Fact]
    public void TakeReceptionReport_OneLostOfTen_FractionAndCumulative()
    {
        var router = new Router();
        var producer = router.CreateProducer(0, Video("a", 0x1111, null));
        var pub = new Publisher(0x1111, 96, firstSeq: 65530);
        for (int i = 0; i < 10; i++)
        {
            var frame = pub.Vp8Frame(key: i == 0, tsStep: 2970);
            if (i == 4) continue; // lost on the way to the SFU
            router.OnRtp(i * 33 * Ms, producer, frame);
        }
        var report = producer.Encodings[0].TakeReceptionReport();
        Assert.Equal(1, report.CumulativeLost);
        Assert.Equal(256 / 10, report.FractionLost);
        Assert.Equal((1u << 16) | 3u, report.ExtendedHighestSequenceNumber); // 65530..65539: wrapped once
        Assert.Equal(0u, report.Jitter); // 33 ms spacing = 2970 ticks at 90 kHz: no jitter

        var next = producer.Encodings[0].TakeReceptionReport();
        Assert.Equal(0, next.FractionLost);
        Assert.Equal(1, next.CumulativeLost);
    }

    [Fact]
    public void TakeReceptionReport_IrregularArrival_JitterGrows()
    {
        var router = new Router();
        var producer = router.CreateProducer(0, Video("a", 0x1111, null));
        var pub = new Publisher(0x1111, 96);
        long now = 0;
        for (int i = 0; i < 50; i++)
        {
            now += (i % 2 == 0 ? 23 : 43) * Ms; // frames every 33 ms, arriving +-10 ms
            router.OnRtp(now, producer, pub.Vp8Frame(key: i == 0, tsStep: 2970));
        }
        var report = producer.Encodings[0].TakeReceptionReport();
        Assert.InRange(report.Jitter, 600u, 1000u); // converges towards |D| = 10 ms = 900 units
    }
}
