using MediaCore.Protocol.Core;
using MediaCore.Protocol.Rtcp;

namespace MediaCore.Protocol.Tests.Rtcp;

/// <summary>RFC 3550 App. A.3 (loss), A.8 (jitter) and §6.4.1 (LSR/DLSR, RTT).</summary>
public class ReceiveStatisticsTests
{
    private static readonly long T0 = MediaTime.FromSeconds(10);
    private static long Ms(double ms) => (long)(ms * MediaTime.TicksPerMillisecond);

    [Fact]
    public void Jitter_KnownSequence_MatchesRfc3550FormulaByHand()
    {
        // 8 kHz clock (8 units per ms), 20 ms frames (160 units).
        // arrival (ms):   0   20   45   60   85  100
        // arrival units:  0  160  360  480  680  800
        // timestamp:      0  160  320  480  640  800
        // transit:        0    0   40    0   40    0
        // |D|:                 0   40   40   40   40
        // J (A.8, J += (|D| - J) / 16):  0, 2.5, 4.84375, 7.0410, 9.1010
        // Integer form: Jq += |D| - ((Jq + 8) >> 4): 0, 40, 77, 112, 145 -> J = Jq >> 4 = 9
        var stats = new ReceiveStatistics(1234, 8000);
        double[] arrivalsMs = [0, 20, 45, 60, 85, 100];
        for (int i = 0; i < arrivalsMs.Length; i++)
            stats.OnPacket(T0 + Ms(arrivalsMs[i]), (ushort)(100 + i), (uint)(i * 160));
        Assert.Equal(9u, stats.Jitter);
    }

    [Fact]
    public void Jitter_PerfectlyPacedStream_StaysZero()
    {
        var stats = new ReceiveStatistics(1, 90000);
        for (int i = 0; i < 100; i++)
        {
            // Three packets per 33.3 ms frame: same timestamp, spread arrivals (not jitter).
            for (int k = 0; k < 3; k++)
                stats.OnPacket(T0 + i * 333_333 + k * 10_000, (ushort)(i * 3 + k), (uint)(i * 3000));
        }
        Assert.Equal(0u, stats.Jitter);
    }

    [Fact]
    public void TryCreateReportBlock_TwoLost_FractionAndCumulative()
    {
        var stats = new ReceiveStatistics(7, 90000);
        for (int seq = 0; seq < 10; seq++)
            if (seq is not (3 or 7)) stats.OnPacket(T0 + Ms(seq), (ushort)seq, (uint)(seq * 3000));
        Assert.True(stats.TryCreateReportBlock(T0 + Ms(20), out var block));
        Assert.Equal(7u, block.Ssrc);
        Assert.Equal(9u, block.ExtendedHighestSeq);
        Assert.Equal(2, block.CumulativeLost);
        Assert.Equal(51, block.FractionLost); // (2 << 8) / 10

        for (int seq = 10; seq < 20; seq++) stats.OnPacket(T0 + Ms(seq), (ushort)seq, (uint)(seq * 3000));
        Assert.True(stats.TryCreateReportBlock(T0 + Ms(40), out block));
        Assert.Equal(0, block.FractionLost); // nothing lost this interval
        Assert.Equal(2, block.CumulativeLost);
        Assert.Equal(19u, block.ExtendedHighestSeq);
    }

    [Fact]
    public void TryCreateReportBlock_DuplicatesInInterval_FractionZeroAndLossNegative()
    {
        var stats = new ReceiveStatistics(7, 48000);
        stats.OnPacket(T0, 1, 0);
        stats.OnPacket(T0, 1, 0);
        stats.OnPacket(T0, 2, 960);
        Assert.True(stats.TryCreateReportBlock(T0, out var block));
        Assert.Equal(0, block.FractionLost);
        Assert.Equal(-1, block.CumulativeLost);
    }

    [Fact]
    public void ExtendedHighestSequence_AcrossWrap_CountsCycle()
    {
        var stats = new ReceiveStatistics(7, 48000);
        stats.OnPacket(T0, 65534, 0);
        stats.OnPacket(T0, 65535, 960);
        stats.OnPacket(T0, 0, 1920);
        stats.OnPacket(T0, 2, 3840);
        Assert.Equal(0x0001_0002u, stats.ExtendedHighestSequence);
        Assert.Equal(1, stats.CumulativeLost);
    }

    [Fact]
    public void TryCreateReportBlock_BeforeAnyPacket_ReturnsFalse()
    {
        Assert.False(new ReceiveStatistics(1, 90000).TryCreateReportBlock(T0, out _));
    }

    [Fact]
    public void ReportBlock_AfterSenderReport_CarriesLsrAndDlsr()
    {
        var stats = new ReceiveStatistics(7, 90000);
        stats.OnPacket(T0, 1, 0);
        stats.OnSenderReport(T0, 0xE92F1A00_80000000UL);
        Assert.True(stats.TryCreateReportBlock(T0 + Ms(1500), out var block));
        Assert.Equal(0x1A008000u, block.LastSr);        // middle 32 bits of the SR's NTP time
        Assert.Equal(0x0001_8000u, block.DelaySinceLastSr); // 1.5 s in 1/65536 s
    }

    [Fact]
    public void TryComputeRtt_Rfc3550Figure2_Example()
    {
        // RFC 3550 §6.4.1 Figure 2: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s),
        // DLSR = 0x0005:4000 (5.250 s) -> RTT = 0x0006:2000 (6.125 s).
        Assert.True(NtpTime.TryComputeRtt(0xB7108000, 0xB7052000, 0x00054000, out long rtt));
        Assert.Equal(MediaTime.FromSeconds(6.125), rtt);
        Assert.False(NtpTime.TryComputeRtt(0xB7108000, 0, 0, out _)); // no SR seen yet
    }

    [Fact]
    public void NtpClock_MapsTicksToNtpAndBack()
    {
        var origin = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = new NtpClock(origin, originTicks: T0);
        ulong ntp = clock.ToNtp(T0 + Ms(500));
        ulong expectedSeconds = (ulong)(origin.ToUnixTimeSeconds() + 2_208_988_800L);
        Assert.Equal(expectedSeconds, ntp >> 32);
        Assert.Equal(0x8000_0000UL, ntp & 0xFFFF_FFFF); // half a second
        Assert.Equal(T0 + Ms(500), clock.ToTicks(ntp));
        Assert.Equal(T0 + 1234567, clock.ToTicks(clock.ToNtp(T0 + 1234567)));
    }

    [Fact]
    public void RoundTrip_SrThenRr_RttFromLsrDlsr()
    {
        // The SR sender's clock and the receiver's are unrelated; only the sender's clock is used for RTT.
        var senderClock = new NtpClock(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        long srSentAt = MediaTime.FromSeconds(100);
        ulong srNtp = senderClock.ToNtp(srSentAt);
        var receiver = new ReceiveStatistics(42, 90000);
        receiver.OnPacket(T0, 1, 0);
        long oneWay = Ms(40);
        receiver.OnSenderReport(T0 + oneWay, srNtp); // receiver time base differs
        Assert.True(receiver.TryCreateReportBlock(T0 + oneWay + Ms(250), out var block));
        long rrArrival = srSentAt + oneWay + Ms(250) + oneWay;
        Assert.True(NtpTime.TryComputeRtt(NtpTime.ToCompact(senderClock.ToNtp(rrArrival)), block.LastSr, block.DelaySinceLastSr, out long rtt));
        Assert.InRange(rtt, Ms(80) - 1000, Ms(80) + 1000); // within 100 us (compact NTP resolution is 15 us)
    }
}
