import Datasets
import XCTest

final class CSVTests: XCTestCase {
    func testQuotedFieldsKeepTheirCommasAndDoubledQuotes() throws {
        let records = try CSV.records("id,labels,note\nA,\"2,40\",\"say \"\"hi\"\"\"\n")
        XCTAssertEqual(records, [
            CSVRecord(line: 1, fields: ["id", "labels", "note"]),
            CSVRecord(line: 2, fields: ["A", "2,40", "say \"hi\""]),
        ])
    }

    func testCRLFLineEndsAndByteOrderMarkAreNotPartOfFields() throws {
        let records = try CSV.records(Array("\u{FEFF}a,b\r\n1,2\r\n".utf8))
        XCTAssertEqual(records.map(\.fields), [["a", "b"], ["1", "2"]])
    }

    func testAQuotedLineBreakStaysInTheFieldAndLinesKeepCounting() throws {
        let records = try CSV.records("a,b\n\"x\ny\",1\nlast,2\n")
        XCTAssertEqual(records[1], CSVRecord(line: 2, fields: ["x\ny", "1"]))
        XCTAssertEqual(records[2], CSVRecord(line: 4, fields: ["last", "2"]))
    }

    func testBlankLinesAreSkippedAndEmptyFieldsKept() throws {
        let records = try CSV.records("a,b,c\n\n1,,\n")
        XCTAssertEqual(records, [CSVRecord(line: 1, fields: ["a", "b", "c"]), CSVRecord(line: 3, fields: ["1", "", ""])])
    }

    func testSemicolonDelimiter() throws {
        XCTAssertEqual(try CSV.records("AAACXZTV;2,40", delimiter: ";").map(\.fields), [["AAACXZTV", "2,40"]])
    }

    func testUnterminatedQuoteNamesTheLineWhereTheRecordStarts() {
        XCTAssertThrowsError(try CSV.records("a\nok\n\"never closed\nmore\n")) { error in
            XCTAssertEqual((error as? CSVSyntaxError)?.line, 3)
        }
    }

    func testWrittenLinesReadBack() throws {
        let fields = ["plain", "with,comma", "with \"quote\"", "two\nlines", "windows\r\nbreak", ""]
        XCTAssertEqual(try CSV.records(CSV.line(fields)).map(\.fields), [fields])
    }
}
