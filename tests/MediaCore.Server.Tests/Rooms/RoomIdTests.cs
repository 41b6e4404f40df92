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

public sealed class RoomIdFuzzTests
{
    [Fact]
    public void TryParse_100kRandomStrings_NeverThrowsAndAcceptsOnlyTheAlphabet()
    {
        var rng = new Random(20261126);
        const string alphabet = "abcXYZ019_-.*/ \u00e9\u623f%\0";
        for (int i = 0; i < 100_000; i++)
        {
            var chars = new char[rng.Next(0, 70)];
            for (int c = 0; c < chars.Length; c++) chars[c] = alphabet[rng.Next(alphabet.Length)];
            var text = new string(chars);
            bool ok = RoomId.TryParse(text, out var room);
            bool expected = text.Length is > 0 and <= 64 && text.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.');
            Assert.Equal(expected, ok);
            if (ok) Assert.Equal(text, room.Value);
        }
    }
}
