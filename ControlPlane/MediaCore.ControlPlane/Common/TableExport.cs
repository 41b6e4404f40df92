using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace MediaCore.ControlPlane.Common;

/// <summary>Export file formats.</summary>
public enum ExportFormat { Xlsx, Csv }

/// <summary>
/// A table (Chinese headers + rows) written as XLSX (Open XML SDK, inline strings, numbers as numbers) or
/// as CSV in UTF-8 with a byte-order mark, which is what makes Excel on a county office PC pick UTF-8
/// instead of the ANSI code page (GBK) and show Chinese correctly. CSV quoting follows RFC 4180 s2.
/// </summary>
public sealed class TableExport(string sheetName, IReadOnlyList<string> headers, IEnumerable<object?[]> rows)
{
    /// <summary>Most rows one export returns.</summary>
    public const int MaxRows = 100_000;

    /// <summary>MIME type of XLSX.</summary>
    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>Parses "xlsx" or "csv".</summary>
    public static bool TryParseFormat(string? s, out ExportFormat format)
    {
        format = ExportFormat.Xlsx;
        switch (s?.ToLowerInvariant())
        {
            case "xlsx": return true;
            case "csv": format = ExportFormat.Csv; return true;
            default: return false;
        }
    }

    /// <summary>The file as an HTTP result with a download name.</summary>
    public IResult ToResult(ExportFormat format, string fileStem)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        return format == ExportFormat.Csv
            ? TypedResults.File(ToCsv(), "text/csv; charset=utf-8", $"{fileStem}-{stamp}.csv")
            : TypedResults.File(ToXlsx(), XlsxContentType, $"{fileStem}-{stamp}.xlsx");
    }

    /// <summary>CSV bytes: UTF-8 BOM, CRLF line ends, RFC 4180 quoting.</summary>
    public byte[] ToCsv()
    {
        var sb = new StringBuilder();
        AppendCsvLine(sb, headers.Cast<object?>());
        foreach (var row in rows) AppendCsvLine(sb, row);
        var preamble = Encoding.UTF8.GetPreamble();
        var body = Encoding.UTF8.GetBytes(sb.ToString());
        return [.. preamble, .. body];
    }

    /// <summary>XLSX bytes: one worksheet, header row first.</summary>
    public byte[] ToXlsx()
    {
        using var ms = new MemoryStream();
        using (var doc = SpreadsheetDocument.Create(ms, SpreadsheetDocumentType.Workbook))
        {
            var wb = doc.AddWorkbookPart();
            wb.Workbook = new Workbook();
            var ws = wb.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            data.Append(Row(1, headers.Cast<object?>()));
            uint r = 2;
            foreach (var row in rows) data.Append(Row(r++, row));
            ws.Worksheet = new Worksheet(data);
            wb.Workbook.AppendChild(new Sheets(new Sheet { Id = wb.GetIdOfPart(ws), SheetId = 1, Name = SafeSheetName(sheetName) }));
            wb.Workbook.Save();
        }
        return ms.ToArray();
    }

    private static Row Row(uint index, IEnumerable<object?> values)
    {
        var row = new Row { RowIndex = index };
        var col = 0;
        foreach (var v in values)
        {
            var reference = ColumnName(col++) + index.ToString(CultureInfo.InvariantCulture);
            row.Append(v switch
            {
                null => new Cell { CellReference = reference },
                int or long or double or decimal or float => new Cell
                {
                    CellReference = reference, DataType = CellValues.Number,
                    CellValue = new CellValue(Convert.ToString(v, CultureInfo.InvariantCulture)!),
                },
                _ => new Cell
                {
                    CellReference = reference, DataType = CellValues.InlineString,
                    InlineString = new InlineString(new Text(Format(v)) { Space = SpaceProcessingModeValues.Preserve }),
                },
            });
        }
        return row;
    }

    private static string ColumnName(int index)
    {
        var name = "";
        for (index++; index > 0; index = (index - 1) / 26) name = (char)('A' + (index - 1) % 26) + name;
        return name;
    }

    private static string SafeSheetName(string s)
    {
        var clean = new string(s.Where(c => "[]:*?/\\".IndexOf(c) < 0).ToArray());
        return clean.Length > 31 ? clean[..31] : clean.Length == 0 ? "Sheet1" : clean;
    }

    private static void AppendCsvLine(StringBuilder sb, IEnumerable<object?> values)
    {
        var first = true;
        foreach (var v in values)
        {
            if (!first) sb.Append(',');
            first = false;
            var s = Format(v);
            // Leading = + - @ would make Excel evaluate a formula from data (CSV injection); neutralise it.
            if (s.Length > 0 && "=+-@".IndexOf(s[0]) >= 0 && v is string) s = "'" + s;
            if (s.AsSpan().IndexOfAny(",\"\r\n") >= 0) sb.Append('"').Append(s.Replace("\"", "\"\"")).Append('"');
            else sb.Append(s);
        }
        sb.Append("\r\n");
    }

    private static string Format(object? v) => v switch
    {
        null => "",
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
