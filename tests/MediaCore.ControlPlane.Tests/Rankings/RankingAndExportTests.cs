using System.Text;
using MediaCore.ControlPlane.Tests.Infrastructure;

namespace MediaCore.ControlPlane.Tests.Rankings;

public abstract class RankingAndExportTests<TApp>(TApp app) where TApp : ControlPlaneApp
{
    private const string Month = "2026-10";

    [Fact]
    public async Task VillageRanking_Json_RankedWithinTownByScore()
    {
        var ids = await app.SeedAsync();
        var rows = (await (await app.LoginAsync("jinshui")).GetJsonAsync($"/api/rankings/villages?month={Month}")).AsArray();
        Assert.Equal(25, rows.Count);
        Assert.All(rows, r => Assert.Equal(ids.OwnTown, (int)r!["townId"]!));
        var scores = rows.OrderBy(r => (int)r!["rank"]!).Select(r => (double)r!["score"]!).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.Equal(1, (int)rows.Min(r => (int)r!["rank"]!));
        Assert.All(rows, r => Assert.InRange((double)r!["attendanceRate"]!, 0.3, 1.0));
    }

    [Fact]
    public async Task TownRanking_County_AllEightTownsRanked()
    {
        var rows = (await (await app.LoginAsync("admin")).GetJsonAsync($"/api/rankings/towns?month={Month}")).AsArray();
        Assert.Equal(8, rows.Count);
        Assert.Equal(Enumerable.Range(1, 8), rows.Select(r => (int)r!["rank"]!).Order());
    }

    [Fact]
    public async Task PersonDuty_October_RatesFromWorkingDays()
    {
        var ids = await app.SeedAsync();
        var rows = (await (await app.LoginAsync(ids.OwnOperator)).GetJsonAsync($"/api/duty/people?month={Month}&siteId={ids.OwnVillage}")).AsArray();
        Assert.NotEmpty(rows);
        // October 2026 has 22 weekdays (no holidays configured).
        Assert.All(rows, r => Assert.Equal(22, (int)r!["workingDays"]!));
        Assert.All(rows, r => Assert.Equal(Math.Round((int)r!["presentDays"]! / 22.0, 4), (double)r["rate"]!, 4));
    }

    [Fact]
    public async Task VillageRanking_Xlsx_ReadsBackWithChineseHeadersAndAllRows()
    {
        var client = await app.LoginAsync("jinshui");
        var json = (await client.GetJsonAsync($"/api/rankings/villages?month={Month}")).AsArray();
        var resp = await client.GetAsync($"/api/rankings/villages?month={Month}&format=xlsx");
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", resp.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".xlsx", resp.Content.Headers.ContentDisposition?.FileNameStar ?? resp.Content.Headers.ContentDisposition?.FileName);
        var rows = ReadXlsx(await resp.Content.ReadAsByteArrayAsync());
        Assert.Equal(["乡镇(街道)", "镇内排名", "村(社区)", "干部出勤率", "已开会议", "应开会议", "会议完成率", "综合得分"], rows[0]);
        Assert.Equal(json.Count + 1, rows.Count);
        Assert.Equal(json.Select(r => (string)r!["siteName"]!).Order(), rows.Skip(1).Select(r => r[2]).Order());
        Assert.All(rows.Skip(1), r => Assert.Equal("锦水街道", r[0]));
    }

    [Fact]
    public async Task CheckInList_Csv_Utf8BomChineseRoundTrips()
    {
        var ids = await app.SeedAsync();
        var client = await app.LoginAsync("jinshui");
        var resp = await client.GetAsync($"/api/attendance/events?siteId={ids.OwnVillage}&to=2026-11-01T00:00:00%2B08:00&format=csv");
        Assert.Equal("text/csv", resp.Content.Headers.ContentType?.MediaType);
        var bytes = await resp.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = new UTF8Encoding(false, true).GetString(bytes, 3, bytes.Length - 3);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("记录编号,事件编号,签到时间,村(社区),姓名,职务,识别方式,设备编号,快照数", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Contains(",东关村,", l));
        var page = await client.GetJsonAsync($"/api/attendance/events?siteId={ids.OwnVillage}&to=2026-11-01T00:00:00%2B08:00&pageSize=1");
        Assert.Equal((int)page["total"]!, lines.Length - 1);
    }

    [Fact]
    public async Task MeetingList_XlsxAndCompliance_Csv_Export()
    {
        var ids = await app.SeedAsync();
        var client = await app.LoginAsync("jinshui");
        var xlsx = ReadXlsx(await (await client.GetAsync($"/api/meetings?siteId={ids.OwnVillage}&held=true&format=xlsx")).Content.ReadAsByteArrayAsync());
        Assert.Equal("会议编号", xlsx[0][0]);
        Assert.True(xlsx.Count > 5);
        var csv = await (await client.GetAsync("/api/meetings/compliance?period=month&date=2026-10-15&format=csv")).Content.ReadAsByteArrayAsync();
        Assert.StartsWith("村(社区),乡镇(街道)", Encoding.UTF8.GetString(csv, 3, csv.Length - 3));
    }

    [Fact]
    public async Task PeopleAndDisclosureLists_Export_ReadBack()
    {
        var ids = await app.SeedAsync();
        var client = await app.LoginAsync("jinshui");
        var people = ReadXlsx(await (await client.GetAsync($"/api/people?siteId={ids.OwnVillage}&format=xlsx")).Content.ReadAsByteArrayAsync());
        Assert.Equal(["编号", "姓名", "职务", "村(社区)", "电话", "在职"], people[0]);
        Assert.Equal((int)(await client.GetJsonAsync($"/api/people?siteId={ids.OwnVillage}&pageSize=1"))["total"]! + 1, people.Count);
        Assert.Contains(people, r => r[2] == "党组织书记");
        var csv = await (await client.GetAsync($"/api/disclosures?siteId={ids.OwnVillage}&month=2026-10&format=csv")).Content.ReadAsByteArrayAsync();
        var lines = Encoding.UTF8.GetString(csv, 3, csv.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("编号,村(社区),类别,月份,标题,文件名,上传时间", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Contains(",东关村,", l));
    }

    [Fact]
    public async Task Export_UnknownFormatOrBadMonth_400()
    {
        var client = await app.LoginAsync("jinshui");
        await (await client.GetAsync($"/api/rankings/villages?month={Month}&format=pdf")).AssertProblemAsync(400);
        await (await client.GetAsync("/api/rankings/villages?month=2026-13")).AssertProblemAsync(400);
    }

    /// <summary>Reads every row of the first sheet as text (<see cref="XlsxReader"/>).</summary>
    internal static List<string[]> ReadXlsx(byte[] bytes) => XlsxReader.Read(bytes);
}

[Collection(SqliteCollection.Name)]
public sealed class RankingAndExportTestsSqlite(SqliteApp app) : RankingAndExportTests<SqliteApp>(app);
[Collection(PostgresCollection.Name)]
public sealed class RankingAndExportTestsPostgres(PostgresApp app) : RankingAndExportTests<PostgresApp>(app);
