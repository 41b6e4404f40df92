using MediaCore.Server.Metrics;

namespace MediaCore.LoadTest.Tests.Monitoring;

/// <summary>
/// Unit tests of the process-wide instruments. They run in a collection of their own that xUnit runs alone
/// (no MediaServer in this process is counting at the same time), so a counter's delta is exactly this
/// test's effect, never another test's traffic.
/// </summary>
[Collection(IsolatedMetricsCollection.Name)]
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
        string[] outcomes = ["connected", "ice_failed", "dtls_failed", "closed"];
        var before = outcomes.ToDictionary(o => o, o => MediaMetrics.TransportOutcomes.WithLabels(o).Value);

        MediaMetrics.ObserveClosed(reason);

        foreach (var o in outcomes)
            Assert.Equal(before[o] + (o == outcome ? 1 : 0), MediaMetrics.TransportOutcomes.WithLabels(o).Value);
    }
}

/// <summary>Tests of process-wide metrics, run with nothing else in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedMetricsCollection
{
    public const string Name = "Isolated metrics";
}
