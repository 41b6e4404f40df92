using MediaCore.Server.Metrics;

namespace MediaCore.LoadTest.Tests.Monitoring;

public sealed class MediaMetricsTests
{
    [Theory]
    [InlineData("ICE: ConsentExpired", "ice_failed")]
    [InlineData("ICE: ConnectTimeout", "ice_failed")]
    [InlineData("DTLS: handshake timed out after 30 s", "dtls_failed")]
    [InlineData("DTLS: close_notify", "closed")]
    [InlineData("session closed", "closed")]
    public void ObserveClosed_CloseReason_CountsItsOutcome(string reason, string outcome)
    {
        var counter = MediaMetrics.TransportOutcomes.WithLabels(outcome);
        double before = counter.Value;

        MediaMetrics.ObserveClosed(reason);

        Assert.True(counter.Value >= before + 1);
    }
}
