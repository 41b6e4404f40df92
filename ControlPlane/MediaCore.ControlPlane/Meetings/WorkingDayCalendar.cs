using MediaCore.ControlPlane.Data;

namespace MediaCore.ControlPlane.Meetings;

/// <summary>Compliance period of the three working days.</summary>
public enum CompliancePeriod { Week, Month, Quarter }

/// <summary>
/// The "three working days" on China's calendar (dates are Asia/Shanghai): the weekly village-committee
/// day, the monthly party-member theme day, and disclosure day on the 10th of each quarter's first month.
/// Working days are Monday to Friday less configured public holidays plus configured adjusted workdays.
/// </summary>
public sealed class WorkingDayCalendar(WorkingDayOptions options)
{
    /// <summary>True for a working day.</summary>
    public bool IsWorkingDay(DateOnly d) =>
        !options.Holidays.Contains(d) &&
        (d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) || options.ExtraWorkdays.Contains(d));

    /// <summary>Weekly committee day: the configured weekday when it is a working day.</summary>
    public bool IsCommitteeDay(DateOnly d) => d.DayOfWeek == options.CommitteeWeekday && IsWorkingDay(d);

    /// <summary>Monthly theme day: the configured day of month, moved to the next working day of that month.</summary>
    public bool IsThemeDay(DateOnly d)
    {
        var day = new DateOnly(d.Year, d.Month, Math.Min(options.ThemeDayOfMonth, DateTime.DaysInMonth(d.Year, d.Month)));
        while (!IsWorkingDay(day) && day.AddDays(1).Month == d.Month) day = day.AddDays(1);
        return day == d;
    }

    /// <summary>Quarterly disclosure day: the 10th (configurable) of January, April, July and October.</summary>
    public bool IsDisclosureDay(DateOnly d) => d.Month % 3 == 1 && d.Day == options.DisclosureDayOfMonth;

    /// <summary>The meeting kind a period requires.</summary>
    public static MeetingKind RequiredKind(CompliancePeriod p) => p switch
    {
        CompliancePeriod.Week => MeetingKind.CommitteeDay,
        CompliancePeriod.Month => MeetingKind.ThemeDay,
        _ => MeetingKind.DisclosureDay,
    };

    /// <summary>The period containing <paramref name="d"/>: [start, end) in Shanghai dates; weeks start on Monday.</summary>
    public static (DateOnly Start, DateOnly End) Range(CompliancePeriod p, DateOnly d)
    {
        switch (p)
        {
            case CompliancePeriod.Week:
                var start = d.AddDays(-(((int)d.DayOfWeek + 6) % 7));
                return (start, start.AddDays(7));
            case CompliancePeriod.Month:
                var m = new DateOnly(d.Year, d.Month, 1);
                return (m, m.AddMonths(1));
            default:
                var q = new DateOnly(d.Year, (d.Month - 1) / 3 * 3 + 1, 1);
                return (q, q.AddMonths(3));
        }
    }

    /// <summary>Working days in [from, to).</summary>
    public IEnumerable<DateOnly> WorkingDays(DateOnly from, DateOnly to)
    {
        for (var d = from; d < to; d = d.AddDays(1))
            if (IsWorkingDay(d)) yield return d;
    }

    /// <summary>The scheduled working-day events in [from, to).</summary>
    public IEnumerable<(DateOnly Date, MeetingKind Kind)> Schedule(DateOnly from, DateOnly to)
    {
        for (var d = from; d < to; d = d.AddDays(1))
        {
            if (IsCommitteeDay(d)) yield return (d, MeetingKind.CommitteeDay);
            if (IsThemeDay(d)) yield return (d, MeetingKind.ThemeDay);
            if (IsDisclosureDay(d)) yield return (d, MeetingKind.DisclosureDay);
        }
    }
}
