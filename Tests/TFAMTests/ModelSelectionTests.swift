import Foundation
import TestSupport
import XCTest

/// How vimo-tfam chooses its checkpoint on small data: a validation split of at least 10 videos
/// (said in the log), the epoch of lowest validation loss (or highest mAP), and a clear error
/// when the training set is too small to hold one out; the motion standardisation travels with
/// the weights.
final class ModelSelectionTests: XCTestCase {
    func run(_ arguments: [String], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try TestSupport.run(TestSupport.product("vimo-tfam"), arguments)
        XCTAssertEqual(result.status, status, "vimo-tfam \(arguments.joined(separator: " ")):\n\(result.stderr)", file: file, line: line)
        return result.stderr
    }

    /// (validation loss, validation mAP) of each epoch line of a training log.
    func epochs(_ log: String) -> [(loss: Double, map: Double)] {
        log.split(separator: "\n").filter { $0.hasPrefix("epoch ") && $0.contains("val loss") }.map { line in
            let parts = line.components(separatedBy: "  ")
            func value(_ key: String) -> Double { Double(parts.first { $0.hasPrefix(key) }!.split(separator: " ").last!)! }
            return (value("val loss"), value("val mAP"))
        }
    }

    func best(_ folder: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("best.json"))) as? [String: Any])
    }

    func testTheSplitHoldsTenVideosAndTheCheckpointIsTheBestByTheChosenScore() throws {
        let root = try TestSupport.temporaryFolder("tfam-select")
        let (clip, motion) = (root.appendingPathComponent("clip"), root.appendingPathComponent("motion"))
        try TFAMAblationTests.writeStandIn(clip: clip, motion: motion, count: 40, seed: 8)
        let common = ["train", "--clip", clip.path, "--motion", motion.path, "--epochs", "6", "--batch", "8", "--lr", "3e-3",
                      "--layers", "1", "--heads", "4", "--feed-forward", "32", "--dropout", "0"]

        let byLoss = root.appendingPathComponent("loss")
        let lossLog = try run(common + ["--out", byLoss.path])
        XCTAssertTrue(lossLog.contains("validation split: 10 of 40 training videos (10 %, at least 10); 30 to train on; "
                                       + "checkpoint chosen by validation loss"), lossLog)
        let lossEpochs = epochs(lossLog)
        XCTAssertEqual(lossEpochs.count, 6, lossLog)
        let chosen = try XCTUnwrap(try best(byLoss)["bestEpoch"] as? Int)
        XCTAssertEqual(lossEpochs[chosen - 1].loss, lossEpochs.map(\.loss).min()!, "the lowest validation loss:\n\(lossLog)")
        XCTAssertEqual(try best(byLoss)["validationItems"] as? Int, 10)

        let byMAP = root.appendingPathComponent("map")
        let mapLog = try run(common + ["--out", byMAP.path, "--select", "map"])
        let mapEpochs = epochs(mapLog)
        let picked = try XCTUnwrap(try best(byMAP)["bestEpoch"] as? Int)
        XCTAssertEqual(mapEpochs[picked - 1].map, mapEpochs.map(\.map).max()!, "the highest validation mAP:\n\(mapLog)")
    }

    func testATrainingSetTooSmallToHoldOutTenIsRefusedNamingIt() throws {
        let root = try TestSupport.temporaryFolder("tfam-small")
        let (clip, motion) = (root.appendingPathComponent("clip"), root.appendingPathComponent("motion"))
        try TFAMAblationTests.writeStandIn(clip: clip, motion: motion, count: 15, seed: 9)
        let arguments = ["train", "--clip", clip.path, "--motion", motion.path, "--epochs", "1", "--layers", "1", "--heads", "4",
                         "--feed-forward", "32", "--out", root.appendingPathComponent("model").path]
        let log = try run(arguments, status: 2)
        XCTAssertTrue(log.contains("\(clip.path): the training set holds 15 videos: too few to hold out a validation split of 10"), log)
        XCTAssertTrue(log.contains("give at least 20 training videos, or lower --min-validation"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("model/best.safetensors").path))
        let lowered = try run(arguments + ["--min-validation", "3"])
        XCTAssertTrue(lowered.contains("validation split: 3 of 15 training videos"), lowered)
    }

    func testMotionStandardisationIsMeasuredOnTrainingAndKeptWithTheWeights() throws {
        let root = try TestSupport.temporaryFolder("tfam-standardize")
        let (clip, motion) = (root.appendingPathComponent("clip"), root.appendingPathComponent("motion"))
        try TFAMAblationTests.writeStandIn(clip: clip, motion: motion, count: 30, seed: 10)
        let model = root.appendingPathComponent("model")
        try run(["train", "--clip", clip.path, "--motion", motion.path, "--epochs", "1", "--layers", "1", "--heads", "4",
                 "--feed-forward", "32", "--fusion", "motion", "--standardize-motion", "--out", model.path])
        let config = try XCTUnwrap(try best(model)["config"] as? [String: Any])
        XCTAssertEqual(config["standardizeMotion"] as? Bool, true)
        // The safetensors header names the buffers (8-byte length, then JSON).
        let weights = try Data(contentsOf: model.appendingPathComponent("best.safetensors"))
        let length = weights.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: weights.subdata(in: 8..<(8 + length))) as? [String: Any])
        XCTAssertNotNil(header["motion_norm.mean"], "\(header.keys.sorted())")
        XCTAssertNotNil(header["motion_norm.std"])
        XCTAssertNil(header["rgb_norm.mean"], "appearance embeddings enter as they are")
        // A model without the flag has no such buffers: its weights keep ViMoCLIP's names.
        let plain = root.appendingPathComponent("plain")
        try run(["train", "--clip", clip.path, "--motion", motion.path, "--epochs", "1", "--layers", "1", "--heads", "4",
                 "--feed-forward", "32", "--fusion", "motion", "--out", plain.path])
        let plainWeights = try Data(contentsOf: plain.appendingPathComponent("best.safetensors"))
        XCTAssertNil(String(decoding: plainWeights.prefix(4096), as: UTF8.self).range(of: "motion_norm"))
        try run(["predict", "--clip", clip.path, "--motion", motion.path, "--split", "all", "--weights",
                 model.appendingPathComponent("best.safetensors").path, "--out", root.appendingPathComponent("scores").path])
    }
}
