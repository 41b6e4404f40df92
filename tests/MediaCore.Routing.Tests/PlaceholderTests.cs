namespace MediaCore.Routing.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_Loads() => Assert.NotNull(typeof(MediaCore.Protocol.Core.Ssrc).Assembly);
}
