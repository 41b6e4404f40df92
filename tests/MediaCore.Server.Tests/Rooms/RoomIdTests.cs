using MediaCore.Server.Rooms;

namespace MediaCore.Server.Tests.Rooms;

public sealed class RoomIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("County_Plenary-2026.11")]
    public void TryParse_ValidId_ReturnsTrue(string text) => Assert.True(RoomId.TryParse(text, out var r) && r.Value == text);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("房间")]
    public void TryParse_InvalidId_ReturnsFalse(string? text) => Assert.False(RoomId.TryParse(text, out _));

    [Fact]
    public void TryParse_TooLong_ReturnsFalse() => Assert.False(RoomId.TryParse(new string('a', 65), out _));
}
