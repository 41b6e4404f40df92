namespace MediaCore.ControlPlane.Common;

/// <summary>
/// Conversions between stored UTC and the Asia/Shanghai wall clock in which days, weeks, months and
/// quarters are counted. China has had no daylight saving since 1991, so the offset is a fixed +8 h; the
/// time-zone database is still used when present so that the rule lives in one place.
/// </summary>
public static class ChinaTime
{
    private static readonly TimeZoneInfo Zone = Find();

    /// <summary>The Asia/Shanghai zone.</summary>
    public static TimeZoneInfo TimeZone => Zone;

    /// <summary>Local (Shanghai) wall-clock time of a UTC instant.</summary>
    public static DateTime ToLocal(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);

    /// <summary>Shanghai calendar date of a UTC instant.</summary>
    public static DateOnly DateOf(DateTime utc) => DateOnly.FromDateTime(ToLocal(utc));

    /// <summary>UTC instant of local midnight starting the given Shanghai date.</summary>
    public static DateTime StartOfDayUtc(DateOnly date) =>
        TimeZoneInfo.ConvertTimeToUtc(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), Zone);

    /// <summary>Shanghai offset-aware rendering for API output.</summary>
    public static DateTimeOffset ToOffset(DateTime utc)
    {
        var local = ToLocal(utc);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    /// <summary>Parses "yyyy-MM" into the first day of that month.</summary>
    public static bool TryParseMonth(string? s, out DateOnly first)
    {
        first = default;
        if (s is null || s.Length != 7 || s[4] != '-') return false;
        if (!int.TryParse(s.AsSpan(0, 4), out var y) || !int.TryParse(s.AsSpan(5, 2), out var m)) return false;
        if (y < 2000 || y > 2100 || m < 1 || m > 12) return false;
        first = new DateOnly(y, m, 1);
        return true;
    }

    /// <summary>"yyyy-MM" of a date.</summary>
    public static string MonthKey(DateOnly d) => $"{d.Year:D4}-{d.Month:D2}";

    private static TimeZoneInfo Find()
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"); }
        catch (TimeZoneNotFoundException) { return TimeZoneInfo.CreateCustomTimeZone("Asia/Shanghai", TimeSpan.FromHours(8), "China Standard Time", "CST"); }
    }
}
