using System.Globalization;
using System.Text;
using System.Xml;
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
            // Deflate's fastest level: the sheet is most of the file and the optimal level cost more CPU than the sheet's XML.
            doc.CompressionOption = System.IO.Packaging.CompressionOption.Fast;
            var wb = doc.AddWorkbookPart();
            var ws = wb.AddNewPart<WorksheetPart>();
            // The sheet's XML is written straight to the part with an XmlWriter: the Open XML SDK's OpenXmlWriter cost about
            // 5 us of CPU per cell (a month's 3,000 meetings: 30,000 cells), a DOM of Row and Cell objects even more.
            using (var stream = ws.GetStream(FileMode.Create, FileAccess.Write))
            using (var w = XmlWriter.Create(stream, XmlSettings))
            {
                w.WriteStartDocument(true);
                w.WriteStartElement("worksheet", SheetNamespace);
                w.WriteStartElement("sheetData", SheetNamespace);
                var columns = new List<string>();
                WriteRow(w, 1, headers.Cast<object?>(), columns);
                var r = 2;
                foreach (var row in rows) WriteRow(w, r++, row, columns);
                w.WriteEndElement();
                w.WriteEndElement();
                w.WriteEndDocument();
            }
            wb.Workbook = new Workbook(new Sheets(new Sheet { Id = wb.GetIdOfPart(ws), SheetId = 1, Name = SafeSheetName(sheetName) }));
            wb.Workbook.Save();
        }
        return ms.ToArray();
    }

    private const string SheetNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    private static readonly XmlWriterSettings XmlSettings = new() { Encoding = new UTF8Encoding(false), CloseOutput = false };

    /// <summary>One row: numbers as numbers, everything else as an inline string, empty cells for nulls.</summary>
    private static void WriteRow(XmlWriter w, int index, IEnumerable<object?> values, List<string> columns)
    {
        var rowNumber = index.ToString(CultureInfo.InvariantCulture);
        w.WriteStartElement("row", SheetNamespace);
        w.WriteAttributeString("r", rowNumber);
        var col = 0;
        foreach (var v in values)
        {
            if (col == columns.Count) columns.Add(ColumnName(col));
            w.WriteStartElement("c", SheetNamespace);
            w.WriteAttributeString("r", columns[col++] + rowNumber);
            switch (v)
            {
                case null:
                    break;
                case int or long or double or decimal or float:
                    w.WriteAttributeString("t", "n");
                    w.WriteElementString("v", SheetNamespace, Convert.ToString(v, CultureInfo.InvariantCulture));
                    break;
                default:
                    w.WriteAttributeString("t", "inlineStr");
                    w.WriteStartElement("is", SheetNamespace);
                    w.WriteStartElement("t", SheetNamespace);
                    w.WriteAttributeString("xml", "space", null, "preserve");
                    w.WriteString(XmlText(Format(v)));
                    w.WriteEndElement();
                    w.WriteEndElement();
                    break;
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>The text without the characters XML 1.0 cannot hold (control characters pasted into a title), which would fail the export.</summary>
    private static string XmlText(string s)
    {
        var bad = s.AsSpan().IndexOfAnyExcept(XmlChars);
        if (bad < 0) return s;
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { sb.Append(s, i++, 2); continue; }
            if (XmlConvert.IsXmlChar(s[i])) sb.Append(s[i]);
        }
        return sb.ToString();
    }

    // Every UTF-16 unit valid on its own in XML 1.0 (surrogate pairs are checked apart).
    private static readonly System.Buffers.SearchValues<char> XmlChars = System.Buffers.SearchValues.Create(
        "\t\n\r" + string.Concat(Enumerable.Range(0x20, 0xD800 - 0x20).Select(c => (char)c)) + string.Concat(Enumerable.Range(0xE000, 0xFFFE - 0xE000).Select(c => (char)c)));

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
            if (s.Length > 0 && "=+-@".Contains(s[0]) && v is string) s = "'" + s;
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
