import Datasets
import Foundation
import XCTest

final class CharadesCSVTests: XCTestCase {
    func testLabelsAreTheUnionOverFramesAndFramesAreCounted() throws {
        let folder = try temporaryFolder(self)
        let url = try write("""
            original_vido_id video_id frame_id path labels
            AAAA 0 1 AAAA/AAAA_t000001.jpg 2,40
            AAAA 0 2 AAAA/AAAA_t000002.jpg 40,7
            AAAA 0 3 AAAA/AAAA_t000003.jpg ""
            BBBB 1 1 BBBB/BBBB_t000001.jpg 5
            BBBB 1 2 BBBB/BBBB_t000002.jpg\u{20}
            BBBB 1 3 BBBB/BBBB_t000003.jpg

            """, to: "train.csv", in: folder)
        let parsed = try AnimalKingdom.readCharadesCSV(url)
        XCTAssertEqual(parsed.problems, [])
        XCTAssertEqual(parsed.rows, [
            CharadesVideo(id: "AAAA", line: 2, frames: 3, labels: [2, 7, 40], labelLines: [2: 2, 40: 2, 7: 3]),
            CharadesVideo(id: "BBBB", line: 5, frames: 3, labels: [5], labelLines: [5: 5]),
        ])
    }

    func testASixthTypeColumnIsReadAndCRLFIsIgnored() throws {
        let folder = try temporaryFolder(self)
        let url = try write("original_vido_id video_id frame_id path labels type\r\n"
            + "AAACXZTV 145 1 AAACXZTV/AAACXZTV_t000001.jpg 2,40 train\r\n"
            + "AAACXZTV 145 2 AAACXZTV/AAACXZTV_t000002.jpg 2,40 train\r\n", to: "train.csv", in: folder)
        let parsed = try AnimalKingdom.readCharadesCSV(url)
        XCTAssertEqual(parsed.rows.map(\.labels), [[2, 40]])
        XCTAssertEqual(parsed.rows.first?.type, "train")
        XCTAssertEqual(parsed.rows.first?.frames, 2)
    }

    func testWrittenFramesReadBackWithAndWithoutTypeColumn() throws {
        let folder = try temporaryFolder(self)
        let videos: [(id: String, frames: Int, labels: [Int])] = [("AAAA", 3, [40, 2]), ("BBBB", 12, []), ("CCCC", 1, [139])]
        for split in [nil, Split.val] {
            let url = folder.appendingPathComponent("frames-\(split?.rawValue ?? "plain").csv")
            try AnimalKingdom.writeCharadesCSV(videos: videos, to: url, split: split)
            let parsed = try AnimalKingdom.readCharadesCSV(url)
            XCTAssertEqual(parsed.problems, [])
            XCTAssertEqual(parsed.rows.map(\.id), ["AAAA", "BBBB", "CCCC"])
            XCTAssertEqual(parsed.rows.map(\.frames), [3, 12, 1])
            XCTAssertEqual(parsed.rows.map(\.labels), [[2, 40], [], [139]])
            XCTAssertEqual(parsed.rows.map(\.line), [2, 5, 17])
            XCTAssertEqual(parsed.rows.first?.type, split == nil ? nil : "test")
        }
        let text = try String(contentsOf: folder.appendingPathComponent("frames-plain.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines[0], "original_vido_id video_id frame_id path labels")
        XCTAssertEqual(lines[1], "AAAA 0 1 AAAA/AAAA_t000001.jpg 40,2")
        XCTAssertEqual(lines[15], "BBBB 1 12 BBBB/BBBB_t000012.jpg \"\"")
    }

    func testABadFrameRowDropsItsWholeVideoAndNamesTheLine() throws {
        let folder = try temporaryFolder(self)
        let url = try write("""
            original_vido_id video_id frame_id path labels
            GOOD 0 1 GOOD/GOOD_t000001.jpg 1
            COLS 1 1 COLS/COLS_t000001.jpg 1
            COLS 1 2 COLS/COLS_t000002.jpg 1 extra
            WORD 2 1 WORD/WORD_t000001.jpg 1,x
            FRAME 3 one FRAME/FRAME_t000001.jpg 1
             4 1 nobody.jpg 1
            LAST 5 1 LAST/LAST_t000001.jpg 3

            """, to: "val.csv", in: folder)
        let parsed = try AnimalKingdom.readCharadesCSV(url)
        XCTAssertEqual(parsed.rows.map(\.id), ["GOOD", "LAST"])
        XCTAssertEqual(parsed.problems.map(\.line), [4, 5, 6, 7])
        XCTAssertEqual(parsed.problems.map(\.item), ["COLS", "WORD", "FRAME", nil])
        XCTAssertTrue(parsed.problems[0].reason.contains("expected 5 space-separated fields"), parsed.problems[0].reason)
        XCTAssertTrue(parsed.problems[1].reason.contains("label 'x'"))
        XCTAssertTrue(parsed.problems[2].reason.contains("frame_id 'one'"))
        XCTAssertEqual(parsed.problems[3].reason, "empty video id")
    }

    func testAVideoWhoseRowsAreNotContiguousAppearsTwice() throws {
        let folder = try temporaryFolder(self)
        let url = try write("original_vido_id video_id frame_id path labels\nA 0 1 p 1\nB 1 1 p 2\nA 0 2 p 3\n",
                            to: "train.csv", in: folder)
        XCTAssertEqual(try AnimalKingdom.readCharadesCSV(url).rows.map(\.id), ["A", "B", "A"])
    }

    func testAHeaderWithoutTheIdColumnIsAnError() throws {
        let folder = try temporaryFolder(self)
        let url = try write("video frame labels\nA 1 2\n", to: "train.csv", in: folder)
        XCTAssertThrowsError(try AnimalKingdom.readCharadesCSV(url)) { error in
            XCTAssertEqual((error as? DatasetProblem)?.line, 1)
        }
    }
}
