import Datasets
import Foundation
import XCTest

/// Every failure is a `SpreadsheetError` whose message starts with where it is: `file:sheet!cell: reason`.
final class XlsxErrorTests: XCTestCase {
    private func message(_ data: Data, file: String = "book.xlsx", sheet: String? = nil,
                         line: UInt = #line) -> String? {
        do {
            let book = try Workbook(data: data, file: file)
            _ = try sheet.map { try book.sheet(named: $0) } ?? book.firstSheet()
            XCTFail("no error", line: line)
            return nil
        } catch let error as SpreadsheetError {
            return error.localizedDescription
        } catch {
            XCTFail("not a SpreadsheetError: \(error)", line: line)
            return nil
        }
    }

    private func oneSheet(_ rows: String, name: String = "Data", sharedStrings: [String]? = nil) -> Data {
        XlsxTestPackage.workbook([(name, rows)], sharedStrings: sharedStrings).data
    }

    func testABadSharedStringIndexNamesFileSheetAndCell() {
        let rows = "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=\"17\"><c r=\"C17\" t=\"s\"><v>5</v></c></row>"
        let data = XlsxTestPackage.workbook([("Notes", ""), ("AR", rows)], sharedStrings: ["video_id", "labels"]).data
        XCTAssertEqual(message(data, file: "annotation/df_action.xlsx", sheet: "AR"),
                       "annotation/df_action.xlsx:AR!C17: shared-string index 5 is out of range; the workbook has 2 shared strings")
        XCTAssertEqual(message(oneSheet("<row r=\"2\"><c r=\"B2\" t=\"s\"><v>x</v></c></row>", sharedStrings: ["a"])),
                       "book.xlsx:Data!B2: shared-string index 'x' is not a number")
        XCTAssertEqual(message(oneSheet("<row r=\"2\"><c r=\"B2\" t=\"s\"><v>0</v></c></row>")),
                       "book.xlsx:Data!B2: shared-string index 0 is out of range; the workbook has 0 shared strings")
    }

    func testBadCellsNameTheirCell() {
        XCTAssertEqual(message(oneSheet("<row r=\"2\"><c r=\"B2\"><v>abc</v></c></row>")),
                       "book.xlsx:Data!B2: number cell holds 'abc', which is not a number")
        XCTAssertEqual(message(oneSheet("<row r=\"4\"><c r=\"A4\"/><c t=\"b\"><v>2</v></c></row>", name: "Clip list"), sheet: "Clip list"),
                       "book.xlsx:'Clip list'!B4: boolean cell holds '2', not 0 or 1")
        XCTAssertEqual(message(oneSheet("<row r=\"2\"><c r=\"2B\"><v>1</v></c></row>")),
                       "book.xlsx:Data!2B: '2B' is not a cell reference")
        XCTAssertEqual(message(oneSheet("<row r=\"2\"><c r=\"A3\"><v>1</v></c></row>")),
                       "book.xlsx:Data!A3: cell A3 is inside row 2")
        XCTAssertEqual(message(oneSheet("<row r=\"2\"><c r=\"C2\" s=\"1\"/><c r=\"B2\"><v>1</v></c></row>")),
                       "book.xlsx:Data!B2: cell B2 comes after C2; cells must be in ascending column order")
        XCTAssertEqual(message(oneSheet("<row r=\"2\"><c r=\"D2\" t=\"q\"><v>1</v></c></row>")),
                       "book.xlsx:Data!D2: unknown cell type t=\"q\" (expected s, inlineStr, str, n, b, e or d)")
        XCTAssertEqual(message(oneSheet("<row r=\"3\"/><row r=\"2\"/>")),
                       "book.xlsx:Data!2:2: row 2 comes after row 3; rows must be in ascending order")
    }

    func testAMissingSheetListsTheSheetsThereAre() {
        let data = XlsxTestPackage.workbook([("Notes", ""), ("AR", "")]).data
        XCTAssertEqual(message(data, file: "AR_metadata.xlsx", sheet: "Labels"),
                       "AR_metadata.xlsx:Labels: no sheet named 'Labels'; the workbook has 'Notes', 'AR'")
    }

    func testFilesThatAreNotWorkbooksSayWhatTheyAre() throws {
        XCTAssertEqual(message(Data("S/N,video_id,type,labels\n1,AAAA,train,2\n".utf8), file: "AR_metadata.xlsx"),
                       "AR_metadata.xlsx: not an .xlsx workbook: it is not a zip archive")
        XCTAssertEqual(message(Data()), "book.xlsx: not an .xlsx workbook: the file is empty")
        let ole2 = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504))
        XCTAssertEqual(message(ole2, file: "df_action.xls"),
                       "df_action.xls: not an .xlsx workbook: it is an OLE2 compound file: an Excel 97-2003 .xls, or a password-protected .xlsx; save it as an unprotected .xlsx")
        XCTAssertEqual(message(XlsxTestPackage(parts: [("notes.txt", "hello")]).data),
                       "book.xlsx: not an .xlsx workbook: the zip archive has no xl/workbook.xml (it holds notes.txt)")
        XCTAssertEqual(message(XlsxTestPackage(parts: [("word/document.xml", "<w:document/>")]).data),
                       "book.xlsx: not an .xlsx workbook: it is a Word document (no xl/workbook.xml)")
        XCTAssertThrowsError(try Workbook(contentsOf: URL(fileURLWithPath: "/nonexistent/df_action.xlsx"))) { error in
            guard case let .cannotRead(file, _)? = error as? SpreadsheetError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "/nonexistent/df_action.xlsx")
        }
    }

    func testDamagedPartsNameTheSheet() throws {
        var data = oneSheet("<row r=\"1\"><c r=\"A1\"><v>12345</v></c></row>")
        let value = try XCTUnwrap(data.range(of: Data("12345".utf8)))
        data[value.lowerBound] = UInt8(ascii: "9")                 // the stored sheet no longer matches its CRC
        let text = try XCTUnwrap(message(data))
        XCTAssertTrue(text.hasPrefix("book.xlsx:Data: zip entry 'xl/worksheets/sheet1.xml' is corrupt: CRC-32 is "), text)

        let broken = try XCTUnwrap(message(oneSheet("<row r=\"1\"><c r=\"A1\"><v>1</v></row>")))
        XCTAssertTrue(broken.hasPrefix("book.xlsx:Data: xl/worksheets/sheet1.xml: malformed XML at line 1"), broken)

        var cutShort = XlsxTestPackage.workbook([("Data", "")])
        cutShort.parts[cutShort.parts.count - 1].text = "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c>"
        let cut = try XCTUnwrap(message(cutShort.data))
        XCTAssertTrue(cut.hasPrefix("book.xlsx:Data: xl/worksheets/sheet1.xml: malformed XML at line 1"), cut)
        // Foundation on Linux reports neither an element nor an error for a part this short; the reader does.
        cutShort.parts[cutShort.parts.count - 1].text = "<w>"
        XCTAssertEqual(message(cutShort.data), "book.xlsx:Data: xl/worksheets/sheet1.xml: no XML elements (the part is empty or cut short)")

        var missing = XlsxTestPackage.workbook([("Data", "")])
        missing.parts.removeAll { $0.name == "xl/worksheets/sheet1.xml" }
        XCTAssertEqual(message(missing.data), "book.xlsx:Data: its part xl/worksheets/sheet1.xml is not in the archive")

        let archive = oneSheet("")
        XCTAssertEqual(message(archive.prefix(archive.count - 30)),
                       "book.xlsx: file is truncated: no zip end-of-central-directory record (the archive was cut short)")
    }
}
