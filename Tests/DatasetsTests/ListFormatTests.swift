import Datasets
import Foundation
import XCTest

final class ViMoCLIPListTests: XCTestCase {
    func testLinesAsTheRepositoryStoresThemGiveFileAndAllLabels() throws {
        let folder = try temporaryFolder(self)
        // Verbatim from MarcosRodrigoT/VIMO-CLIP dataset/annotations/train_multi.txt (padding included).
        let url = try write("""
             AAACXZTV.mp4                                     2 40
             AABKMGHE.mp4                                       78
             AACJGIQR.mp4                        102 1 39 8 120 97

            """, to: "train_multi.txt", in: folder)
        let parsed = try ViMoCLIPList.read(url)
        XCTAssertEqual(parsed.problems, [])
        XCTAssertEqual(parsed.rows, [
            ViMoCLIPRow(line: 1, video: "AAACXZTV.mp4", id: "AAACXZTV", labels: [2, 40]),
            ViMoCLIPRow(line: 2, video: "AABKMGHE.mp4", id: "AABKMGHE", labels: [78]),
            ViMoCLIPRow(line: 3, video: "AACJGIQR.mp4", id: "AACJGIQR", labels: [102, 1, 39, 8, 120, 97]),
        ])
    }

    func testAgreesWithARMetadataForTheSameClip() throws {
        let ar = try AnimalKingdom.readARMetadata(SharedData.ak("AR_metadata_AR.csv")).rows
        let folder = try temporaryFolder(self)
        let url = try write("AACJGIQR.mp4 102 1 39 8 120 97\n", to: "train_multi.txt", in: folder)
        let row = try XCTUnwrap(ViMoCLIPList.read(url).rows.first)
        XCTAssertEqual(ar.first { $0.id == row.id }?.labels, row.labels)
    }

    func testWrittenListReadsBackAndABadLabelIsAProblem() throws {
        let folder = try temporaryFolder(self)
        let url = folder.appendingPathComponent("val_multi.txt")
        try ViMoCLIPList.write(videos: [("AAAA", [3, 1]), ("BBBB", [139])], to: url)
        XCTAssertEqual(try ViMoCLIPList.read(url).rows.map { [$0.video] + $0.labels.map(String.init) },
                       [["AAAA.mp4", "3", "1"], ["BBBB.mp4", "139"]])
        let crlf = try write("A.mp4 1 2\r\nB.mp4 3\r\n", to: "crlf.txt", in: folder)
        XCTAssertEqual(try ViMoCLIPList.read(crlf).rows.map(\.labels), [[1, 2], [3]])
        let bad = try write("A.mp4 1\nB.mp4 1 two\n", to: "bad.txt", in: folder)
        let parsed = try ViMoCLIPList.read(bad)
        XCTAssertEqual(parsed.rows.map(\.id), ["A"])
        XCTAssertEqual(parsed.problems.map(\.line), [2])
        XCTAssertEqual(parsed.problems.first?.item, "B")
    }
}

final class MSQNetListTests: XCTestCase {
    func testLightAnnotationRowsWithAndWithoutHeader() throws {
        let folder = try temporaryFolder(self)
        let withHeader = try write("video_id;labels\r\nAAACXZTV;2,40\r\nAABKMGHE;78\r\n", to: "train_light.csv", in: folder)
        XCTAssertEqual(try MSQNetList.read(withHeader).rows, [
            MSQNetRow(line: 2, id: "AAACXZTV", labels: [2, 40]),
            MSQNetRow(line: 3, id: "AABKMGHE", labels: [78]),
        ])
        let bare = try write("AAACXZTV;2,40\n", to: "bare.csv", in: folder)
        XCTAssertEqual(try MSQNetList.read(bare).rows, [MSQNetRow(line: 1, id: "AAACXZTV", labels: [2, 40])])
    }

    func testWrittenListReadsBackAndBadRowsAreProblems() throws {
        let folder = try temporaryFolder(self)
        let url = folder.appendingPathComponent("val_light.csv")
        try MSQNetList.write(videos: [("AAAA", [3, 1]), ("BBBB", [139])], to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "video_id;labels\nAAAA;3,1\nBBBB;139\n")
        XCTAssertEqual(try MSQNetList.read(url).rows.map(\.labels), [[3, 1], [139]])
        let bad = try write("video_id;labels\nA;1\nB;1;2\n;4\nC;x\n", to: "bad.csv", in: folder)
        let parsed = try MSQNetList.read(bad)
        XCTAssertEqual(parsed.rows.map(\.id), ["A"])
        XCTAssertEqual(parsed.problems.map(\.line), [3, 4, 5])
    }
}
