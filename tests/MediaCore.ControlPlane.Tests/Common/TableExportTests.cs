using System.Text;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Tests.Rankings;

namespace MediaCore.ControlPlane.Tests.Common;

public sealed class TableExportTests
{
    private static TableExport Sample() => new("测试", ["姓名", "备注", "数值"],
    [
        ["张三", "含,逗号", 1],
        ["李四", "含\"引号\"", 2.5],
        ["王五", "=HYPERLINK(\"x\")", null],
    ]);

    [Fact]
    public void ToCsv_QuotesPerRfc4180_AndNeutralisesFormulas()
    {
        var bytes = Sample().ToCsv();
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n");
        Assert.Equal("姓名,备注,数值", lines[0]);
        Assert.Equal("张三,\"含,逗号\",1", lines[1]);
        Assert.Equal("李四,\"含\"\"引号\"\"\",2.5", lines[2]);
        Assert.Equal("王五,\"'=HYPERLINK(\"\"x\"\")\",", lines[3]);
    }

    [Fact]
    public void ToXlsx_NumbersStayNumbers_TextInline()
    {
        var rows = RankingAndExportTests<Infrastructure.SqliteApp>.ReadXlsx(Sample().ToXlsx());
        Assert.Equal(4, rows.Count);
        Assert.Equal(["姓名", "备注", "数值"], rows[0]);
        Assert.Equal("2.5", rows[2][2]);
        Assert.Equal("=HYPERLINK(\"x\")", rows[3][1]); // inline string, not a formula
    }
}
