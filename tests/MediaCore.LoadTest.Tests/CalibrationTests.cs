using MediaCore.LoadTest.Reporting;

namespace MediaCore.LoadTest.Tests;

/// <summary>The batched fan-out calibration: both send methods measured, every datagram read (or drained), nothing lost.</summary>
public sealed class CalibrationTests
{
    [Fact]
    public void MeasureFanOut_DestinationsReadByEpollThreads_EveryDatagramReadAndBothMethodsMeasured()
    {
        var f = Calibration.MeasureFanOut(TimeSpan.FromMilliseconds(200), destinations: 70, readers: 2);
        Assert.Equal(0, f.Lost);
        Assert.True(f.Datagrams >= 2 * 4 * 70, $"at least one round each: {f.Datagrams}");
        Assert.True(f.SendmmsgPerCpuSecond > 0, f.ToString());
        Assert.True(f.SendtoPerCpuSecond > 0, f.ToString());
        // 70 destinations per pass: one call of 64 and one of 6.
        Assert.Equal(35, f.DatagramsPerSendmmsg);
        Assert.True(f.ReaderCpuNsPerDatagram > 0, f.ToString());
        Assert.Contains("read by 2 epoll threads", f.ToString());
    }

    [Fact]
    public void MeasureFanOut_Unread_DrainedBetweenRoundsNothingLost()
    {
        var f = Calibration.MeasureFanOut(TimeSpan.FromMilliseconds(100), destinations: 64, readers: 0);
        Assert.Equal(0, f.Lost);
        Assert.Equal(64, f.DatagramsPerSendmmsg);
        Assert.Equal(0, f.ReaderCpuNsPerDatagram);
        Assert.Contains("nobody reads", f.ToString());
    }
}
