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
            var ws = wb.AddNewPart<WorksheetPart>();
            // The sheet is streamed (OpenXmlWriter) rather than built as a DOM of Row and Cell objects and then saved: a
            // county month's meetings (about 3,000 rows) cost about half a second of CPU per export as a DOM.
            using (var w = OpenXmlWriter.Create(ws))
            {
                var cell = new Cell();
                var value = new CellValue();
                var inline = new InlineString();
                var text = new Text();
                w.WriteStartElement(new Worksheet());
                w.WriteStartElement(new SheetData());
                WriteRow(w, 1, headers.Cast<object?>(), cell, value, inline, text);
                uint r = 2;
                foreach (var row in rows) WriteRow(w, r++, row, cell, value, inline, text);
                w.WriteEndElement();
                w.WriteEndElement();
            }
            wb.Workbook = new Workbook(new Sheets(new Sheet { Id = wb.GetIdOfPart(ws), SheetId = 1, Name = SafeSheetName(sheetName) }));
            wb.Workbook.Save();
        }
        return ms.ToArray();
    }

    private static readonly OpenXmlAttribute[] PreserveSpace = [new("xml", "space", "http://www.w3.org/XML/1998/namespace", "preserve")];

    /// <summary>One row: numbers as numbers, everything else as an inline string, empty cells for nulls.</summary>
    private static void WriteRow(OpenXmlWriter w, uint index, IEnumerable<object?> values, Cell cell, CellValue value, InlineString inline, Text text)
    {
        var rowNumber = index.ToString(CultureInfo.InvariantCulture);
        w.WriteStartElement(new Row(), [new OpenXmlAttribute("r", "", rowNumber)]);
        var col = 0;
        foreach (var v in values)
        {
            var reference = new OpenXmlAttribute("r", "", ColumnName(col++) + rowNumber);
            switch (v)
            {
                case null:
                    w.WriteStartElement(cell, [reference]);
                    w.WriteEndElement();
                    break;
                case int or long or double or decimal or float:
                    w.WriteStartElement(cell, [reference, new OpenXmlAttribute("t", "", "n")]);
                    w.WriteStartElement(value);
                    w.WriteString(Convert.ToString(v, CultureInfo.InvariantCulture)!);
                    w.WriteEndElement();
                    w.WriteEndElement();
                    break;
                default:
                    w.WriteStartElement(cell, [reference, new OpenXmlAttribute("t", "", "inlineStr")]);
                    w.WriteStartElement(inline);
                    w.WriteStartElement(text, PreserveSpace);
                    w.WriteString(Format(v));
                    w.WriteEndElement();
                    w.WriteEndElement();
                    w.WriteEndElement();
                    break;
            }
        }
        w.WriteEndElement();
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
