import Foundation
import Store
import TestSupport
import XCTest

/// vimo-tfam and non-finite numbers: a diverging loss stops training with its epoch and step and keeps
/// the last good checkpoint (which still resumes and predicts); damaged embeddings and missing
/// checkpoint files are named.
final class FiniteTrainingTests: XCTestCase {
    @discardableResult
    func run(_ arguments: [String], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try TestSupport.run(TestSupport.product("vimo-tfam"), arguments)
        XCTAssertEqual(result.status, status, "vimo-tfam \(arguments.joined(separator: " ")):\n\(result.stderr)", file: file, line: line)
        return result.stderr
    }

    func testADivergingLossStopsTrainingAndKeepsTheLastGoodCheckpoint() throws {
        let root = try TestSupport.temporaryFolder("tfam-diverge")
        let (clip, motion) = (root.appendingPathComponent("clip"), root.appendingPathComponent("motion"))
        try TFAMAblationTests.writeStandIn(clip: clip, motion: motion, count: 40, seed: 5)
        let model = root.appendingPathComponent("model")
        let common = ["train", "--clip", clip.path, "--motion", motion.path, "--out", model.path, "--batch", "8", "--layers", "1",
                      "--heads", "4", "--feed-forward", "32", "--epochs", "3", "--min-validation", "4"]
        try run(common + ["--lr", "1e-3", "--stop-after", "1"])
        let best = try Data(contentsOf: model.appendingPathComponent("best.safetensors"))
        let last = try Data(contentsOf: model.appendingPathComponent("last.safetensors"))

        let log = try run(common + ["--lr", "1e30"], status: 4)
        let pattern = try NSRegularExpression(pattern: "the loss became (NaN|[+-]infinity) at epoch 1, (step [0-9]+ of 5|in validation)")
        XCTAssertNotNil(pattern.firstMatch(in: log, range: NSRange(log.startIndex..., in: log)), log)
        XCTAssertTrue(log.contains("last.* of epoch 1) are kept"), log)
        XCTAssertEqual(try Data(contentsOf: model.appendingPathComponent("best.safetensors")), best)
        XCTAssertEqual(try Data(contentsOf: model.appendingPathComponent("last.safetensors")), last)

        // The kept pair still loads: predict with best.*, resume from last.*.
        let scores = root.appendingPathComponent("scores")
        try run(["predict", "--clip", clip.path, "--motion", motion.path, "--split", "all",
                 "--weights", model.appendingPathComponent("best.safetensors").path, "--out", scores.path])
        let resumed = try run(common + ["--lr", "1e-3"])
        XCTAssertTrue(resumed.contains("resuming after epoch 1 of 3"), resumed)
    }

    func testDamagedEmbeddingsAreNamedBeforeTraining() throws {
        let root = try TestSupport.temporaryFolder("tfam-damaged")
        let (clip, motion) = (root.appendingPathComponent("clip"), root.appendingPathComponent("motion"))
        try TFAMAblationTests.writeStandIn(clip: clip, motion: motion, count: 12, seed: 6)
        let writer = try ShardWriter(directory: motion, worker: "w1", metadata: ShardMetadata(stage: "stand-in", fingerprint: "x", params: "{}"),
                                     payload: .embeddings(dim: TFAMAblationTests.dim), labelCount: TFAMAblationTests.classes)
        var rows = [Float](repeating: 0.25, count: 3 * TFAMAblationTests.dim)
        rows[40] = .nan
        rows[41] = .infinity
        try writer.append(item: "CLIP0003", source: "s", frameIndex: [0, 1, 2], embeddings: rows, labels: [1, 0, 0, 0])
        let shard = try writer.commit()
        let log = try run(["train", "--clip", clip.path, "--motion", motion.path, "--out", root.appendingPathComponent("model").path,
                           "--epochs", "1", "--layers", "1", "--heads", "4", "--feed-forward", "32"], status: 2)
        XCTAssertTrue(log.contains("\(shard.path): the embeddings of item CLIP0003 hold 1 NaN and 1 infinite value(s)"), log)
    }

    func testMissingCheckpointFilesAreNamedAsWhatTheyAre() throws {
        let root = try TestSupport.temporaryFolder("tfam-missing")
        let (clip, motion) = (root.appendingPathComponent("clip"), root.appendingPathComponent("motion"))
        try TFAMAblationTests.writeStandIn(clip: clip, motion: motion, count: 12, seed: 7)
        let predict = ["predict", "--clip", clip.path, "--motion", motion.path, "--split", "all", "--out", root.appendingPathComponent("scores").path]
        let missing = root.appendingPathComponent("never-trained/best.safetensors")
        let log = try run(predict + ["--weights", missing.path], status: 2)
        XCTAssertTrue(log.contains("\(missing.path): no such checkpoint"), log)
        XCTAssertFalse(log.contains("best.json"), "the missing file is the weights, not their sidecar: \(log)")

        let model = root.appendingPathComponent("model")
        try run(["train", "--clip", clip.path, "--motion", motion.path, "--out", model.path, "--epochs", "1", "--layers", "1",
                 "--heads", "4", "--feed-forward", "32", "--min-validation", "2"])
        // Copied without its JSON, the weights load from the configuration they carry and score alike.
        try run(predict + ["--weights", model.appendingPathComponent("best.safetensors").path])
        let withJSON = try Data(contentsOf: try XCTUnwrap(try ShardDirectory.committedShards(in: root.appendingPathComponent("scores")).first))
        try FileManager.default.removeItem(at: model.appendingPathComponent("best.json"))
        let aloneOut = root.appendingPathComponent("scores-alone")
        try run(predict.dropLast(1) + [aloneOut.path, "--weights", model.appendingPathComponent("best.safetensors").path])
        let (a, b) = (try ShardReader(url: try XCTUnwrap(try ShardDirectory.committedShards(in: root.appendingPathComponent("scores")).first)),
                      try ShardReader(url: try XCTUnwrap(try ShardDirectory.committedShards(in: aloneOut).first)))
        XCTAssertFalse(withJSON.isEmpty)
        XCTAssertEqual(a.items, b.items)
        XCTAssertEqual(b.payload, .scores(classes: TFAMAblationTests.classes))
        XCTAssertEqual(try a.readScores(rows: 0..<a.rowCount), try b.readScores(rows: 0..<b.rowCount))

        for arguments in [["train", "--clip", clip.path, "--motion", motion.path], predict.dropLast(2) + ["--weights", missing.path]] {
            let blocked = "/proc/vimo-\(UUID().uuidString.prefix(6))"
            let log = try run(Array(arguments) + ["--out", blocked], status: 2)
            let errors = log.split(separator: "\n").filter { $0.contains(": error: ") }
            XCTAssertEqual(errors.count, 1, log)
            XCTAssertTrue(errors.first?.contains("cannot create the output folder \(blocked): ") ?? false, log)
        }
    }
}
