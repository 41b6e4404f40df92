using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace MediaCore.ControlPlane.Tests.Infrastructure;

/// <summary>
/// Reads every row of an XLSX file's first sheet as text, with the Open XML SDK. Shared with the browser
/// suite (linked there), which opens the files the Portal's export buttons download.
/// </summary>
public static class XlsxReader
{
    public static List<string[]> Read(byte[] bytes)
    {
        using var doc = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
        var wb = doc.WorkbookPart!;
        var sheet = wb.Workbook.Sheets!.Elements<Sheet>().First();
        var ws = (WorksheetPart)wb.GetPartById(sheet.Id!);
        var shared = wb.SharedStringTablePart?.SharedStringTable;
        return ws.Worksheet.Descendants<Row>().Select(r => r.Elements<Cell>().Select(c =>
            c.DataType?.Value == CellValues.InlineString ? c.InlineString!.InnerText
            : c.DataType?.Value == CellValues.SharedString ? shared!.ElementAt(int.Parse(c.CellValue!.Text)).InnerText
            : c.CellValue?.Text ?? "").ToArray()).ToList();
    }
}
