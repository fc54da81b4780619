import Datasets
import Foundation
import XCTest

final class ARMetadataTests: XCTestCase {
    func testRealARMetadataHas30100ClipsSplit24004And6096() throws {
        let parsed = try AnimalKingdom.readARMetadata(SharedData.ak("AR_metadata_AR.csv"))
        XCTAssertEqual(parsed.problems, [])
        XCTAssertEqual(parsed.rows.count, 30_100)
        XCTAssertEqual(parsed.rows.filter { $0.split == .train }.count, 24_004)
        XCTAssertEqual(parsed.rows.filter { $0.split == .val }.count, 6_096)
        XCTAssertEqual(parsed.rows[0], ARMetadataRow(line: 2, id: "AAACXZTV", split: .train, labels: [2, 40]))
        XCTAssertEqual(parsed.rows[3].labels, [102, 1, 39, 8, 120, 97])
        XCTAssertEqual(Set(parsed.rows.map(\.id)).count, 30_100)
        XCTAssertEqual(parsed.rows.last?.line, 30_101)
    }

    func testWrittenMetadataReadsBack() throws {
        let folder = try temporaryFolder(self)
        let url = folder.appendingPathComponent("AR_metadata.csv")
        let videos: [(id: String, split: Split, labels: [Int])] = [("AAAA", .train, [2, 40]), ("BBBB", .val, [7]), ("CCCC", .train, [])]
        try AnimalKingdom.writeARMetadata(videos: videos, to: url)
        let parsed = try AnimalKingdom.readARMetadata(url)
        XCTAssertEqual(parsed.problems, [])
        XCTAssertEqual(parsed.rows.map(\.id), ["AAAA", "BBBB", "CCCC"])
        XCTAssertEqual(parsed.rows.map(\.split), [.train, .val, .train])
        XCTAssertEqual(parsed.rows.map(\.labels), [[2, 40], [7], []])
        XCTAssertTrue(try String(contentsOf: url, encoding: .utf8).contains("2,BBBB,test,7\n"))
    }

    func testBadRowsBecomeProblemsWithLinesAndGoodRowsStay() throws {
        let folder = try temporaryFolder(self)
        let url = try write("""
            S/N,video_id,type,labels
            1,GOOD,train,"2,40"
            2,SHORT,train
            3,,train,1
            4,WORD,train,"1,two"
            5,ODD,holdout,1
            6,ALSO,test,3

            """, to: "AR_metadata.csv", in: folder)
        let parsed = try AnimalKingdom.readARMetadata(url)
        XCTAssertEqual(parsed.rows.map(\.id), ["GOOD", "ALSO"])
        XCTAssertEqual(parsed.problems.map(\.line), [3, 4, 5, 6])
        XCTAssertEqual(parsed.problems.map(\.item), ["SHORT", nil, "WORD", "ODD"])
        XCTAssertTrue(parsed.problems[2].reason.contains("'two'"))
        XCTAssertEqual(parsed.problems[0].errorDescription, "\(url.path):3: video SHORT: expected 4 comma-separated fields (S/N,video_id,type,labels), found 3")
    }

    func testAHeaderWithoutTheNeededColumnsIsAnError() throws {
        let folder = try temporaryFolder(self)
        let url = try write("id,labels\nA,1\n", to: "AR_metadata.csv", in: folder)
        XCTAssertThrowsError(try AnimalKingdom.readARMetadata(url)) { error in
            XCTAssertEqual((error as? DatasetProblem)?.line, 1)
        }
    }

    func testAMissingFileNamesItsPath() {
        let url = URL(fileURLWithPath: "/nonexistent/AR_metadata.csv")
        XCTAssertThrowsError(try AnimalKingdom.readARMetadata(url)) { error in
            XCTAssertEqual(error as? DatasetError, .missingAnnotation(path: url.path, expected: ["AR_metadata.csv"]))
        }
    }
}
