@testable import Datasets
import Foundation
import XCTest

/// The `.xlsx` reader against workbooks openpyxl wrote (Fixtures/, made by make_xlsx_fixtures.py, whose inputs
/// are the expected values here): df_action.xlsx as openpyxl saves it, AR_metadata.xlsx repacked as Excel saves it.
final class XlsxFixtureTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func open(_ name: String) throws -> Workbook {
        try Workbook(contentsOf: Self.fixtures.appendingPathComponent(name), file: "annotation/\(name)")
    }

    /// Every cell of a sheet as `reference: value`.
    private func cells(_ sheet: Sheet) -> [String: CellValue] {
        Dictionary(uniqueKeysWithValues: sheet.rows.flatMap(\.cells).map { ($0.reference, $0.value) })
    }

    // MARK: - df_action.xlsx (openpyxl: inline strings, deflated parts)

    func testDfActionSheetReadsAsWritten() throws {
        let book = try open("df_action.xlsx")
        XCTAssertEqual(book.sheetNames, ["Sheet1"])
        let sheet = try book.firstSheet()
        XCTAssertEqual(sheet.name, "Sheet1")
        XCTAssertEqual(sheet.rows.map(\.number), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(sheet.rows[0].cells.map(\.value), ["S/N", "action_category", "action", "index", "segment", "count"].map(CellValue.string))
        XCTAssertEqual(sheet.rows[2].cells.map(\.value),
                       [.number("17"), .string("Aggressive"), .string("Attacking"), .number("1"), .string("head"), .number("511")])
        // Barking's segment was left empty: no E5 cell, and its neighbours are where they belong.
        XCTAssertEqual(sheet.rows[4].cells.map(\.reference), ["A5", "B5", "C5", "D5", "F5"])
        XCTAssertEqual(sheet["E5"], .empty)
        XCTAssertEqual(sheet["F5"], .number("73"))
        XCTAssertEqual(sheet["D6"].integer, 4)
    }

    func testDfActionAsCSVParsesWithTheCSVReaderUnchanged() throws {
        let sheet = try open("df_action.xlsx").firstSheet()
        let csv = sheet.csv()
        XCTAssertEqual(csv.text, """
            S/N,action_category,action,index,segment,count
            125,Movement,Abseiling,0,tail,4
            17,Aggressive,Attacking,1,head,511
            7,Sensing,Attending,2,head,2368
            52,Communication,Barking,3,,73
            121,Transport,Being Carried,4,tail,5

            """)
        XCTAssertTrue(csv.linesAreRows)
        XCTAssertEqual(try CSV.records(csv.bytes), sheet.records())

        let classes = try ClassList.dfAction(bytes: csv.bytes, file: "annotation/df_action.xlsx", correctIndices: true)
        XCTAssertEqual(classes.classes.map(\.id), [0, 1, 2, 3, 4])
        XCTAssertEqual(classes.classes.map(\.name), ["Abseiling", "Attacking", "Attending", "Barking", "Being Carried"])
        XCTAssertEqual(classes.classes[3].segment, nil)
        XCTAssertEqual(classes.classes[3].trainCount, 73)
        XCTAssertEqual(classes.classes[1].segment, .head)
    }

    // MARK: - AR_metadata.xlsx (Excel-style: shared strings, cached formula values, data descriptors)

    func testSheetsAreListedInTabOrderAndTheFirstIsNotAR() throws {
        let book = try open("AR_metadata.xlsx")
        XCTAssertEqual(book.sheetNames, ["Notes", "AR"])
        let notes = try book.firstSheet()
        XCTAssertEqual(notes.name, "Notes")
        XCTAssertEqual(cells(notes), [
            "A1": .string("Animal Kingdom — action recognition metadata"),
            "A2": .string("formula"), "B2": .string("vimo"),
            "A3": .string("error"), "B3": .error("#N/A"),
        ])
        XCTAssertEqual(notes.row(2)?.cells.last?.formula, "CONCATENATE(\"vi\",\"mo\")")
        XCTAssertEqual(try book.sheet(named: "ar").name, "AR", "names match without regard to case, as in Excel")
    }

    func testARSheetCellsOfEveryKind() throws {
        let sheet = try open("AR_metadata.xlsx").sheet(named: "AR")
        XCTAssertEqual(sheet.rows.map(\.number), [1, 2, 3, 4, 6], "row 5 was skipped")
        XCTAssertEqual(sheet.rows[0].cells.map(\.value.text), ["S/N", "video_id", "type", "labels", "list_animal_action", "duration", "checked"])
        XCTAssertEqual(cells(sheet).filter { $0.key.hasSuffix("2") && $0.key.count == 2 }, [
            "A2": .number("1"), "B2": .string("AAACXZTV"), "C2": .string("train"), "D2": .string("2,40"),
            "E2": .string("[('Common Crane', 'Attending'), ('Common Crane', 'Eating')]"), "F2": .number("3.5"), "G2": .boolean(true),
        ])
        // Formulas with their cached values.
        XCTAssertEqual(sheet.row(3)?.cells.first, Cell(row: 3, column: 1, value: .number("2"), formula: "A2+1"))
        XCTAssertEqual(sheet["A6"], .number("4"))
        XCTAssertEqual(sheet.row(6)?.cells.first?.formula, "A4+1")
        // Rich text: the runs of the shared string, concatenated.
        XCTAssertEqual(sheet["E3"], .string("[('Singing Nightingale', 'Attending'), ('Singing Nightingale', 'Chirping')]"))
        XCTAssertEqual(sheet["G3"], .boolean(false))
        XCTAssertEqual(sheet["G3"].text, "FALSE")
        // Floats keep the text they were written with; a bare label is a number.
        XCTAssertEqual(sheet["F3"], .number("12.25"))
        XCTAssertEqual(sheet["F4"], .number("0.1"))
        XCTAssertEqual(sheet["F4"].double, 0.1)
        XCTAssertEqual(sheet["D4"], .number("78"))
        XCTAssertEqual(sheet["D4"].integer, 78)
        XCTAssertEqual(sheet["E6"], .string("[('Grévy’s zebra', 'Eating'), ('狐狸', 'Sleeping')] 🦓"))
        XCTAssertEqual(sheet["G6"], .empty)
    }

    func testARSheetAsRecordsAndCSVKeepsSheetRowNumbers() throws {
        let sheet = try open("AR_metadata.xlsx").sheet(named: "AR")
        let records = sheet.records()
        XCTAssertEqual(records.map(\.line), [1, 2, 3, 4, 6])
        XCTAssertTrue(records.allSatisfy { $0.fields.count == 7 }, "padded to the header's width")
        XCTAssertEqual(records[4].fields, ["4", "ZYXWVUTS", "test", "1,5,9", "[('Grévy’s zebra', 'Eating'), ('狐狸', 'Sleeping')] 🦓", "7", ""])

        let csv = sheet.csv()
        XCTAssertEqual(csv.text, """
            S/N,video_id,type,labels,list_animal_action,duration,checked
            1,AAACXZTV,train,"2,40","[('Common Crane', 'Attending'), ('Common Crane', 'Eating')]",3.5,TRUE
            2,AABCQPTK,train,"2,15","[('Singing Nightingale', 'Attending'), ('Singing Nightingale', 'Chirping')]",12.25,FALSE
            3,AABKMGHE,test,78,"[('Snake', 'Moving')]",0.1,TRUE

            4,ZYXWVUTS,test,"1,5,9","[('Grévy’s zebra', 'Eating'), ('狐狸', 'Sleeping')] 🦓",7,

            """)
        XCTAssertTrue(csv.linesAreRows)
        XCTAssertEqual((1 ... 6).map { csv.sheetRow(forLine: $0) }, [1, 2, 3, 4, 5, 6])
        XCTAssertNil(csv.sheetRow(forLine: 7))
        XCTAssertEqual(try CSV.records(csv.bytes), records)

        let parsed = try AnimalKingdom.readARMetadata(bytes: csv.bytes, file: "AR_metadata.xlsx")
        XCTAssertEqual(parsed.problems, [])
        XCTAssertEqual(parsed.rows, [
            ARMetadataRow(line: 2, id: "AAACXZTV", split: .train, labels: [2, 40]),
            ARMetadataRow(line: 3, id: "AABCQPTK", split: .train, labels: [2, 15]),
            ARMetadataRow(line: 4, id: "AABKMGHE", split: .val, labels: [78]),
            ARMetadataRow(line: 6, id: "ZYXWVUTS", split: .val, labels: [1, 5, 9]),
        ])
    }

    func testAMissingSheetIsNamedWithTheSheetsThereAre() throws {
        let book = try open("AR_metadata.xlsx")
        XCTAssertThrowsError(try book.sheet(named: "Labels")) { error in
            XCTAssertEqual(error as? SpreadsheetError, .missingSheet(file: "annotation/AR_metadata.xlsx", sheet: "Labels", available: ["Notes", "AR"]))
            XCTAssertEqual(error.localizedDescription,
                           "annotation/AR_metadata.xlsx:Labels: no sheet named 'Labels'; the workbook has 'Notes', 'AR'")
        }
    }
}
