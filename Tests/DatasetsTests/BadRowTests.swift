import Datasets
import Foundation
import XCTest

/// Every kind of bad row yields a `DatasetProblem` naming the file and line; by default the first is
/// thrown, with `continueOnError` the bad items are skipped and the good ones kept.
final class BadRowTests: XCTestCase {
    private let arMetadata = """
        S/N,video_id,type,labels
        1,GOOD1,train,"1,2"
        2,COLUMNS,train
        3,NOTINT,train,"1,x"
        4,UNKNOWN,train,"2,151"
        5,GOOD1,train,0
        6,NOVIDEO,train,1
        7,,train,1
        8,GOOD2,test,2
        9,GOOD1,test,2

        """

    private func makeRoot() throws -> URL {
        let root = try temporaryFolder(self)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("annotation"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: SharedData.ak("df_action.csv"), to: root.appendingPathComponent("annotation/df_action.csv"))
        try write(arMetadata, to: "annotation/AR_metadata.csv", in: root)
        try touchVideos(["GOOD1", "GOOD2", "COLUMNS", "NOTINT", "UNKNOWN"], in: root)
        return root
    }

    func testTheFirstProblemIsThrownWithFileAndLine() throws {
        let root = try makeRoot()
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            let problem = error as? DatasetProblem
            XCTAssertEqual(problem?.file, "annotation/AR_metadata.csv")
            XCTAssertEqual(problem?.line, 3)
            XCTAssertEqual(problem?.item, "COLUMNS")
        }
    }

    func testContinueOnErrorKeepsGoodItemsAndCollectsEveryKind() throws {
        let dataset = try DatasetLoader.load(root: makeRoot(), split: .all, continueOnError: true)
        XCTAssertEqual(dataset.items.map(\.id), ["GOOD1", "GOOD2"])
        XCTAssertEqual(dataset.items.map(\.split), [.train, .val], "a clip in both splits is left in the first only")
        let described = dataset.problems.map { $0.errorDescription ?? "" }
        XCTAssertEqual(described, [
            "annotation/AR_metadata.csv:3: video COLUMNS: expected 4 comma-separated fields (S/N,video_id,type,labels), found 3",
            "annotation/AR_metadata.csv:4: video NOTINT: label 'x' is not an integer id",
            "annotation/AR_metadata.csv:5: video UNKNOWN: unknown label id 151 (classes are 0..<140)",
            "annotation/AR_metadata.csv:6: video GOOD1: duplicate video id in the train split (first at line 2)",
            "annotation/AR_metadata.csv:7: video NOVIDEO: video file video/NOVIDEO.mp4 not found",
            "annotation/AR_metadata.csv:8: empty video id",
            "annotation/AR_metadata.csv:10: video GOOD1: video id is in both train (line 2) and val: a clip in both splits would leak training data into evaluation",
        ])
    }

    func testPerFrameProblemsPointAtTheFrameRow() throws {
        let root = try makeRoot()
        try FileManager.default.removeItem(at: root.appendingPathComponent("annotation/AR_metadata.csv"))
        try write("""
            original_vido_id video_id frame_id path labels
            GOOD1 0 1 GOOD1/GOOD1_t000001.jpg 1
            UNKNOWN 1 1 UNKNOWN/UNKNOWN_t000001.jpg 2
            UNKNOWN 1 2 UNKNOWN/UNKNOWN_t000002.jpg 2,151
            NOVIDEO 2 1 NOVIDEO/NOVIDEO_t000001.jpg 3

            """, to: "annotation/train.csv", in: root)
        try write("original_vido_id video_id frame_id path labels\nGOOD2 0 1 p 4\n", to: "annotation/val.csv", in: root)
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all)) { error in
            XCTAssertEqual(error.localizedDescription, "annotation/train.csv:4: video UNKNOWN: unknown label id 151 (classes are 0..<140)")
        }
        let dataset = try DatasetLoader.load(root: root, split: .all, continueOnError: true)
        XCTAssertEqual(dataset.items.map(\.id), ["GOOD1", "GOOD2"])
        XCTAssertEqual(dataset.problems.map(\.line), [4, 5])
        XCTAssertEqual(dataset.problems.map(\.file), ["annotation/train.csv", "annotation/train.csv"])
    }

    func testABadClassListRowIsThrownEvenWhenContinuing() throws {
        let root = try makeRoot()
        try write("walk\n\nrun\n", to: "annotation/classes.txt", in: root)
        try FileManager.default.removeItem(at: root.appendingPathComponent("annotation/df_action.csv"))
        XCTAssertThrowsError(try DatasetLoader.load(root: root, split: .all, continueOnError: true)) { error in
            XCTAssertEqual((error as? DatasetProblem)?.file, "annotation/classes.txt")
            XCTAssertEqual((error as? DatasetProblem)?.line, 2)
        }
    }
}
