using System.Diagnostics.CodeAnalysis;

namespace MediaCore.Server.Rooms;

/// <summary>
/// A room (meeting) name: 1..64 characters from <c>[A-Za-z0-9_.-]</c>, case-sensitive. The restricted
/// alphabet keeps ids safe in URLs, logs, metric labels and file names without escaping. <c>*</c> is not a
/// room: it only appears in admin tokens (see <see cref="Auth.MediaToken.AllRooms"/>).
/// </summary>
public readonly record struct RoomId
{
    /// <summary>Longest accepted id.</summary>
    public const int MaxLength = 64;

    private RoomId(string value) => Value = value;

    /// <summary>The id as written in URLs and tokens.</summary>
    public string Value { get; }

    /// <summary>Parses an id; false (never an exception) when <paramref name="text"/> is not a valid id.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out RoomId room)
    {
        room = default;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength) return false;
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')) return false;
        }
        room = new RoomId(text);
        return true;
    }

    /// <summary>Parses an id or throws <see cref="FormatException"/>.</summary>
    public static RoomId Parse(string text)
        => TryParse(text, out var r) ? r : throw new FormatException($"'{text}' is not a valid room id.");

    public override string ToString() => Value ?? "";
}
