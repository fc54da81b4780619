import Datasets
import Foundation
import XCTest

/// The head/middle/tail lists of ak_segments.json.
struct SegmentLists: Decodable {
    let byDfActionIndexColumn: [String: [Int]]
    let byActionNameCorrected: [String: [Int]]

    enum CodingKeys: String, CodingKey {
        case byDfActionIndexColumn = "by_df_action_index_column"
        case byActionNameCorrected = "by_action_name_corrected"
    }

    static func load() throws -> SegmentLists {
        try JSONDecoder().decode(SegmentLists.self, from: Data(contentsOf: SharedData.ak("ak_segments.json")))
    }
}

final class ClassListTests: XCTestCase {
    func testRealDfActionGives140ClassesWithTheCorrectedIds() throws {
        let classes = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"))
        XCTAssertEqual(classes.count, 140)
        XCTAssertEqual(classes.classes.map(\.id), Array(0..<140))
        let expected = [
            49: "Flapping Tail", 50: "Flapping its ears", 70: "Lying on its side", 74: "Lying Down",
            81: "Performing Sexual Display", 82: "Performing allo-grooming",
            83: "Performing allo-preening", 84: "Performing copulatory mounting",
            0: "Abseiling", 68: "Keeping still", 139: "Yawning",
        ]
        for (id, name) in expected { XCTAssertEqual(classes[id].name, name, "id \(id)") }
        // Segment and count travel with the name.
        XCTAssertEqual(classes[49].segment, .middle)
        XCTAssertEqual(classes[49].trainCount, 267)
        XCTAssertEqual(classes[50].segment, .tail)
        XCTAssertEqual(classes[49].category, "Movement")
    }

    func testUncorrectedReadKeepsTheFileIndexColumn() throws {
        let classes = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"), correctIndices: false)
        XCTAssertEqual(classes[49].name, "Flapping its ears")
        XCTAssertEqual(classes[84].name, "Performing Sexual Display")
    }

    func testSegmentsMatchAkSegmentsJson() throws {
        let json = try SegmentLists.load()
        let corrected = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"))
        let raw = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"), correctIndices: false)
        for segment in Segment.allCases {
            XCTAssertEqual(corrected.ids(in: segment), json.byActionNameCorrected[segment.rawValue], "\(segment)")
            XCTAssertEqual(raw.ids(in: segment), json.byDfActionIndexColumn[segment.rawValue], "\(segment)")
        }
        XCTAssertEqual(corrected.ids(in: .head).count, 17)
        XCTAssertEqual(corrected.ids(in: .middle).count, 29)
        XCTAssertEqual(corrected.ids(in: .tail).count, 94)
    }

    func testLookupByNameIsExactFirstThenIgnoresCase() throws {
        let classes = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"))
        XCTAssertEqual(classes.id(named: "Flapping Tail"), 49)
        XCTAssertEqual(classes.id(named: "flapping tail"), 49)
        XCTAssertNil(classes.id(named: "Flying Backwards"))
    }

    func testDfActionRoundTripsAndCorrectingTwiceChangesNothing() throws {
        let folder = try temporaryFolder(self)
        let original = try ClassList.animalKingdom(dfAction: SharedData.ak("df_action.csv"))
        let url = folder.appendingPathComponent("df_action.csv")
        try original.writeDfAction(to: url)
        XCTAssertEqual(try ClassList.animalKingdom(dfAction: url).classes, original.classes)
        XCTAssertEqual(try ClassList.animalKingdom(dfAction: url, correctIndices: false).classes, original.classes)
        let header = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").first
        XCTAssertEqual(header, "S/N,action_category,action,index,segment,count")
    }

    func testNamedClassesAreNumberedInOrder() {
        let classes = ClassList.named(["walk", "run"])
        XCTAssertEqual(classes.count, 2)
        XCTAssertEqual(classes[1], ActionClass(id: 1, name: "run"))
        XCTAssertEqual(classes.id(named: "RUN"), 1)
    }

    func testARepeatedIdNamesFileAndLine() throws {
        let folder = try temporaryFolder(self)
        let url = try write("""
            S/N,action_category,action,index,segment,count
            1,Movement,Walking,0,head,10
            2,Movement,Running,1,head,9
            3,Movement,Jumping,1,tail,1

            """, to: "df_action.csv", in: folder)
        XCTAssertThrowsError(try ClassList.animalKingdom(dfAction: url)) { error in
            let problem = error as? DatasetProblem
            XCTAssertEqual(problem?.file, url.path)
            XCTAssertEqual(problem?.line, 4)
            XCTAssertTrue(problem?.reason.contains("class id 1 is given twice") ?? false, "\(error)")
        }
    }

    func testAGapInTheIdsNamesTheRowOutsideTheRange() throws {
        let folder = try temporaryFolder(self)
        let url = try write("id,name\n0,walk\n2,run\n", to: "classes.csv", in: folder)
        XCTAssertThrowsError(try ClassList.read(classesCSV: url)) { error in
            XCTAssertEqual((error as? DatasetProblem)?.line, 3)
            XCTAssertTrue((error as? DatasetProblem)?.reason.contains("outside 0..<2") ?? false, "\(error)")
        }
    }

    func testClassesTxtLineNumberIsIdAndABlankLineInsideIsAnError() throws {
        let folder = try temporaryFolder(self)
        let good = try write("walk\r\nrun\n\n", to: "classes.txt", in: folder)
        XCTAssertEqual(try ClassList.read(classesTxt: good).names, ["walk", "run"])
        let bad = try write("walk\n\nrun\n", to: "bad.txt", in: folder)
        XCTAssertThrowsError(try ClassList.read(classesTxt: bad)) { error in
            XCTAssertEqual((error as? DatasetProblem)?.line, 2)
        }
        let repeated = try write("walk\nrun\nwalk\n", to: "repeated.txt", in: folder)
        XCTAssertThrowsError(try ClassList.read(classesTxt: repeated)) { error in
            XCTAssertEqual((error as? DatasetProblem)?.line, 3)
        }
    }

    func testClassesCSVWithNamesOnlyNumbersRows() throws {
        let folder = try temporaryFolder(self)
        let url = try write("name\nwalk\nrun\n", to: "classes.csv", in: folder)
        XCTAssertEqual(try ClassList.read(classesCSV: url).names, ["walk", "run"])
    }

    func testClassesTxtRoundTrip() throws {
        let folder = try temporaryFolder(self)
        let url = folder.appendingPathComponent("classes.txt")
        try ClassList.named(["x", "y z"]).writeClassesTxt(to: url)
        XCTAssertEqual(try ClassList.read(classesTxt: url).names, ["x", "y z"])
    }
}
