using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Meetings;

namespace MediaCore.ControlPlane.Tests.Meetings;

public sealed class WorkingDayCalendarTests
{
    private static WorkingDayCalendar Calendar(Action<WorkingDayOptions>? configure = null)
    {
        var o = new WorkingDayOptions();
        configure?.Invoke(o);
        return new WorkingDayCalendar(o);
    }

    [Theory]
    [InlineData("2026-01-10", true)]
    [InlineData("2026-04-10", true)]
    [InlineData("2026-07-10", true)]
    [InlineData("2026-10-10", true)] // a Saturday: the seed fixes the 10th, so it stays
    [InlineData("2026-02-10", false)]
    [InlineData("2026-10-11", false)]
    public void IsDisclosureDay_TenthOfQuartersFirstMonth(string date, bool expected) =>
        Assert.Equal(expected, Calendar().IsDisclosureDay(DateOnly.Parse(date)));

    [Fact]
    public void IsThemeDay_FirstIsHoliday_MovesToNextWorkingDay()
    {
        // 2026-10-01..07 is the National Day holiday; the theme day moves to Thursday 2026-10-08.
        var cal = Calendar(o => o.Holidays.AddRange(Enumerable.Range(1, 7).Select(d => new DateOnly(2026, 10, d))));
        Assert.False(cal.IsThemeDay(new DateOnly(2026, 10, 1)));
        Assert.True(cal.IsThemeDay(new DateOnly(2026, 10, 8)));
    }

    [Fact]
    public void IsWorkingDay_AdjustedSaturday_IsWorking()
    {
        var cal = Calendar(o => o.ExtraWorkdays.Add(new DateOnly(2026, 10, 10)));
        Assert.True(cal.IsWorkingDay(new DateOnly(2026, 10, 10)));
        Assert.False(cal.IsWorkingDay(new DateOnly(2026, 10, 11)));
    }

    [Theory]
    [InlineData(CompliancePeriod.Week, "2026-11-26", "2026-11-23", "2026-11-30")]
    [InlineData(CompliancePeriod.Week, "2026-11-29", "2026-11-23", "2026-11-30")]
    [InlineData(CompliancePeriod.Month, "2026-11-26", "2026-11-01", "2026-12-01")]
    [InlineData(CompliancePeriod.Quarter, "2026-11-26", "2026-10-01", "2027-01-01")]
    [InlineData(CompliancePeriod.Quarter, "2026-01-01", "2026-01-01", "2026-04-01")]
    public void Range_PeriodContainingDate(CompliancePeriod p, string date, string start, string end)
    {
        var (s, e) = WorkingDayCalendar.Range(p, DateOnly.Parse(date));
        Assert.Equal((DateOnly.Parse(start), DateOnly.Parse(end)), (s, e));
    }

    [Fact]
    public void Schedule_November2026_FiveMondaysOneThemeDay()
    {
        var events = Calendar().Schedule(new DateOnly(2026, 11, 1), new DateOnly(2026, 12, 1)).ToList();
        Assert.Equal(5, events.Count(e => e.Kind == MeetingKind.CommitteeDay));
        Assert.Equal([new DateOnly(2026, 11, 2)], events.Where(e => e.Kind == MeetingKind.ThemeDay).Select(e => e.Date)); // 1st is a Sunday
    }

    [Fact]
    public void ChinaTime_MidnightShanghai_Is1600UtcPreviousDay()
    {
        Assert.Equal(new DateTime(2026, 11, 25, 16, 0, 0, DateTimeKind.Utc), ChinaTime.StartOfDayUtc(new DateOnly(2026, 11, 26)));
        Assert.Equal(new DateOnly(2026, 11, 26), ChinaTime.DateOf(new DateTime(2026, 11, 25, 16, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(new DateOnly(2026, 11, 25), ChinaTime.DateOf(new DateTime(2026, 11, 25, 15, 59, 59, DateTimeKind.Utc)));
    }
}
