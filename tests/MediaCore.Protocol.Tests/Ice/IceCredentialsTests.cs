using MediaCore.Protocol.Ice;

namespace MediaCore.Protocol.Tests.Ice;

public class IceCredentialsTests
{
    [Fact]
    public void Generate_Defaults_MeetRfc8445Section5_3()
    {
        var a = IceCredentials.Generate();
        var b = IceCredentials.Generate();
        Assert.True(a.Ufrag.Length >= IceCredentials.MinUfragLength);
        Assert.True(a.Password.Length >= IceCredentials.MinPasswordLength);
        Assert.True(IceCredentials.IsValidIceString(a.Ufrag));
        Assert.True(IceCredentials.IsValidIceString(a.Password));
        Assert.NotEqual(a.Ufrag, b.Ufrag);
        Assert.NotEqual(a.Password, b.Password);
    }

    [Fact]
    public void Generate_TooShort_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IceCredentials.Generate(3, 22));
        Assert.Throws<ArgumentOutOfRangeException>(() => IceCredentials.Generate(4, 21));
    }

    [Theory]
    [InlineData("abc:d", false)]
    [InlineData("", false)]
    [InlineData("a+/Z09", true)]
    [InlineData("\u00e9t\u00e9", false)]
    public void IsValidIceString_Grammar(string value, bool expected) => Assert.Equal(expected, IceCredentials.IsValidIceString(value));

    [Fact]
    public void ToString_DoesNotLeakPassword()
    {
        var c = IceCredentials.Generate();
        Assert.DoesNotContain(c.Password, c.ToString());
    }
}
