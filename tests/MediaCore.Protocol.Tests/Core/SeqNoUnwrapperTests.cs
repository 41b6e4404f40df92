using MediaCore.Protocol.Core;

namespace MediaCore.Protocol.Tests.Core;

public class SeqNoUnwrapperTests
{
    [Fact]
    public void Unwrap_AcrossWrap_KeepsIncreasing()
    {
        var u = new SeqNoUnwrapper();
        var a = u.Unwrap(65534);
        var b = u.Unwrap(65535);
        var c = u.Unwrap(0);
        var d = u.Unwrap(1);
        Assert.True(a < b && b < c && c < d);
        Assert.Equal(1, c - b);
    }

    [Fact]
    public void Unwrap_ReorderedBeforeWrap_IsOlder()
    {
        var u = new SeqNoUnwrapper();
        var first = u.Unwrap(2);
        var late = u.Unwrap(65535);
        Assert.True(late < first);
        Assert.Equal(-3, late - first);
    }
}
