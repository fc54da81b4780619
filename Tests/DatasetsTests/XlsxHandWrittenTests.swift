@testable import Datasets
import Foundation
import XCTest

/// A workbook written by hand with another writer's habits: the workbook part found through `_rels/.rels` at a
/// path of its own, `x:` element prefixes, relative targets with `..`, inline strings only (no sharedStrings.xml),
/// rows and cells without `r`, floats written `1.0`, escapes, phonetic runs, a cell holding a line break, a chart sheet.
final class XlsxHandWrittenTests: XCTestCase {
    private static let clipsXML = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <x:worksheet xmlns:x="\(XlsxTestPackage.main)"><x:dimension ref="A1:E5"/><x:sheetData>
        <x:row r="1" spans="1:4"><x:c r="A1" t="inlineStr"><x:is><x:t>video_id</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>labels</x:t></x:is></x:c>\
        <x:c t="inlineStr"><x:is><x:t>note</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>when</x:t></x:is></x:c></x:row>
        <x:row><x:c t="inlineStr"><x:is><x:t>AAAA</x:t></x:is></x:c><x:c><x:v>1.0</x:v></x:c>\
        <x:c t="inlineStr"><x:is><x:r><x:rPr><x:b/></x:rPr><x:t>two</x:t></x:r><x:r><x:t xml:space="preserve"> runs</x:t></x:r><x:rPh sb="0" eb="1"><x:t>ツー</x:t></x:rPh></x:is></x:c>\
        <x:c t="d"><x:v>2024-01-02T03:04:05</x:v></x:c></x:row>
        <x:row r="3" ht="30" customHeight="1"><x:c r="B3" s="2"/></x:row>
        <x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t>BBBB</x:t></x:is></x:c><x:c r="B4" t="n"><x:v>1.0000000000000001E-3</x:v></x:c>\
        <x:c r="C4" t="inlineStr"><x:is><x:t>first_x000D_
        second</x:t></x:is></x:c><x:c r="D4" s="3"/></x:row>
        <x:row r="5"><x:c r="A5" t="inlineStr"><x:is><x:t><![CDATA[CC&CC]]></x:t></x:is></x:c>\
        <x:c r="B5" t="str"><x:f>"7"&amp;""</x:f><x:v>7</x:v></x:c><x:c r="C5" t="inlineStr"><x:is><x:t>under_x005F_x0041_score</x:t></x:is></x:c>\
        <x:c r="E5"><x:v>-3.000</x:v></x:c></x:row>
        </x:sheetData></x:worksheet>
        """

    private static var package: XlsxTestPackage {
        let rels = "http://schemas.openxmlformats.org/package/2006/relationships"
        let type = XlsxTestPackage.relationships
        return XlsxTestPackage(parts: [
            ("_rels/.rels", "<Relationships xmlns=\"\(rels)\"><Relationship Id=\"r1\" Type=\"\(type)/officeDocument\" Target=\"book/main.xml\"/></Relationships>"),
            ("book/main.xml", """
                <x:workbook xmlns:x="\(XlsxTestPackage.main)" xmlns:rel="\(type)"><x:sheets>\
                <x:sheet name="Clip list" sheetId="7" rel:id="R9"/><x:sheet name="Chart" sheetId="8" rel:id="R10"/></x:sheets></x:workbook>
                """),
            ("book/_rels/main.xml.rels", """
                <Relationships xmlns="\(rels)"><Relationship Id="R9" Type="\(type)/worksheet" Target="../sheets/clips.xml"/>\
                <Relationship Id="R10" Type="\(type)/chartsheet" Target="/charts/chart.xml"/></Relationships>
                """),
            ("sheets/clips.xml", clipsXML),
        ])
    }

    private func open() throws -> Workbook {
        try Workbook(data: Self.package.data, file: "hand.xlsx")
    }

    func testCellsOfAnotherWriter() throws {
        let book = try open()
        XCTAssertEqual(book.sheetNames, ["Clip list", "Chart"])
        let sheet = try book.firstSheet()
        XCTAssertEqual(sheet.name, "Clip list")
        XCTAssertEqual(sheet.rows.map(\.number), [1, 2, 4, 5], "row 2 follows row 1; row 3 holds only a styled empty cell")
        XCTAssertEqual(sheet.rows[0].cells.map(\.reference), ["A1", "B1", "C1", "D1"], "cells without r follow the previous")
        XCTAssertEqual(sheet.rows[1].cells.map(\.value), [
            .string("AAAA"), .number("1.0"), .string("two runs"), .string("2024-01-02T03:04:05"),
        ])
        XCTAssertEqual(sheet["B2"].integer, 1, "a float written 1.0 is usable as the integer 1")
        XCTAssertEqual(sheet["B2"].text, "1")
        XCTAssertEqual(sheet["B4"], .number("1.0000000000000001E-3"))
        XCTAssertEqual(sheet["B4"].double, 0.001)
        XCTAssertNil(sheet["B4"].integer)
        XCTAssertEqual(sheet["C4"], .string("first\r\nsecond"))
        XCTAssertEqual(sheet.row(4)?.cells.map(\.reference), ["A4", "B4", "C4"], "a cell with only a style is no content")
        XCTAssertEqual(sheet["A5"], .string("CC&CC"))
        XCTAssertEqual(sheet.row(5)?.cells[1], Cell(row: 5, column: 2, value: .string("7"), formula: "\"7\"&\"\""))
        XCTAssertEqual(sheet["C5"], .string("under_x0041_score"), "_x005F_ escapes the underscore")
        XCTAssertEqual(sheet["E5"].text, "-3")
        XCTAssertEqual(sheet["E5"].integer, -3)
        XCTAssertEqual(sheet["Z99"], .empty)
        XCTAssertEqual(sheet["not a reference"], .empty)
    }

    func testALineBreakInACellShiftsCSVLinesAndTheMapLeadsBackToRows() throws {
        let sheet = try open().firstSheet()
        XCTAssertEqual(sheet.records(), [
            CSVRecord(line: 1, fields: ["video_id", "labels", "note", "when"]),
            CSVRecord(line: 2, fields: ["AAAA", "1", "two runs", "2024-01-02T03:04:05"]),
            CSVRecord(line: 4, fields: ["BBBB", "1.0000000000000001E-3", "first\r\nsecond", ""]),
            CSVRecord(line: 5, fields: ["CC&CC", "7", "under_x0041_score", "", "-3"]),   // longer than the header: kept
        ])
        let csv = sheet.csv()
        XCTAssertEqual(csv.text, "video_id,labels,note,when\nAAAA,1,two runs,2024-01-02T03:04:05\n\n"
            + "BBBB,1.0000000000000001E-3,\"first\r\nsecond\",\nCC&CC,7,under_x0041_score,,-3\n")
        XCTAssertFalse(csv.linesAreRows)
        XCTAssertEqual((1 ... 6).map { csv.sheetRow(forLine: $0) }, [1, 2, 3, 4, 4, 5])
        // What a CSV reader reports by line, mapped back, is what the sheet says by row.
        let mapped = try CSV.records(csv.bytes).map { CSVRecord(line: csv.sheetRow(forLine: $0.line)!, fields: $0.fields) }
        XCTAssertEqual(mapped, sheet.records())
    }

    func testAChartSheetIsListedButHasNoCells() throws {
        XCTAssertThrowsError(try open().sheet(named: "Chart")) { error in
            XCTAssertEqual(error.localizedDescription, "hand.xlsx:Chart: is a chartsheet, not a worksheet; it has no cells to read")
        }
    }

    func testSheetNamesAreQuotedInLocationsLikeExcelFormulas() {
        XCTAssertEqual(SpreadsheetError.quotedSheetName("AR"), "AR")
        XCTAssertEqual(SpreadsheetError.quotedSheetName("Clip list"), "'Clip list'")
        XCTAssertEqual(SpreadsheetError.quotedSheetName("O'Brien"), "'O''Brien'")
    }

    func testCellReferences() {
        XCTAssertEqual(CellReference.parse("C17")?.row, 17)
        XCTAssertEqual(CellReference.parse("C17")?.column, 3)
        XCTAssertEqual(CellReference.parse("xfd1048576")?.column, 16_384)
        for bad in ["", "17", "C", "C0", "C017", "17C", "XFE1", "A1048577", "A$1", "AAAA1"] {
            XCTAssertNil(CellReference.parse(bad), bad)
        }
        XCTAssertEqual([1, 26, 27, 52, 703, 16_384].map(CellReference.columnName), ["A", "Z", "AA", "AZ", "AAA", "XFD"])
        XCTAssertEqual(CellReference.name(row: 17, column: 3), "C17")
    }
}
