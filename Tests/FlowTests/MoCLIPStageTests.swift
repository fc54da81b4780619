import Datasets
import Foundation
import Store
import TestSupport
import XCTest

/// The motion student end to end on the synthetic motion dataset: decode → DIS flow → CLIP
/// teacher → vimo-moclip train (loss falls, distillation cosine rises, resume is exact) → embed.
final class MoCLIPStageTests: XCTestCase {
    func run(_ tool: String, _ arguments: [String]) throws -> TestSupport.ProcessResult {
        let result = try TestSupport.run(TestSupport.product(tool), arguments)
        XCTAssertEqual(result.status, 0, "\(tool): \(result.stderr)")
        return result
    }

    func testStudentLearnsAndEmbeds() throws {
        let root = try TestSupport.temporaryFolder("vimo-moclip")
        let dataset = root.appendingPathComponent("dataset")
        let clips = try SyntheticDataset.generate(at: dataset, spec: .init(clips: 8, frames: 10, width: 96, height: 64, seed: 11))
        let frames = root.appendingPathComponent("frames"), flow = root.appendingPathComponent("flow")
        let clip = root.appendingPathComponent("clip")
        _ = try run("vimo-decode", ["--dataset", dataset.path, "--out", frames.path, "--quiet"])
        _ = try run("vimo-flow", ["--frames", frames.path, "--out", flow.path, "--method", "dis", "--preset", "ultrafast", "--quiet"])
        _ = try run("vimo-clip", ["--frames", frames.path, "--out", clip.path, "--model", "tiny", "--weights", "random:1", "--quiet"])

        let common = ["train", "--flow", flow.path, "--clip", clip.path, "--model", "tiny", "--teacher", "random:1",
                      "--segment", "4", "--batch", "4", "--lr", "1e-3", "--epochs", "4", "--validation-fraction", "0.25",
                      "--min-validation", "2"]
        let straight = root.appendingPathComponent("student")
        let log = try run("vimo-moclip", common + ["--out", straight.path]).stderr
        let epochs = log.split(separator: "\n").filter { $0.hasPrefix("epoch ") && $0.contains("train loss") }  // not the progress lines
        XCTAssertEqual(epochs.count, 4, log)
        func value(_ line: Substring, _ key: String) -> Double {
            let parts = line.components(separatedBy: "  ")
            return Double(parts.first { $0.hasPrefix(key) }!.split(separator: " ").last!)!
        }
        XCTAssertLessThan(value(epochs.last!, "train loss"), value(epochs.first!, "train loss"), "training loss falls:\n\(log)")
        XCTAssertGreaterThan(value(epochs.last!, "val cosine"), value(epochs.first!, "val cosine"), "distillation cosine rises:\n\(log)")

        // --half holds the teacher's embeddings as float16: the same training up to their rounding.
        let halfLog = try run("vimo-moclip", common + ["--out", root.appendingPathComponent("half").path, "--half"]).stderr
        let halfEpochs = halfLog.split(separator: "\n").filter { $0.hasPrefix("epoch ") && $0.contains("train loss") }  // not the progress lines
        XCTAssertEqual(halfEpochs.count, 4, halfLog)
        let (full, halved) = (value(epochs.last!, "train loss"), value(halfEpochs.last!, "train loss"))
        XCTAssertEqual(halved, full, accuracy: 0.01 * full, "float16 targets change the loss by their rounding only")

        // Labels from the dataset's annotations instead of the shards: the same training data here.
        let annotated = root.appendingPathComponent("annotated")
        _ = try run("vimo-moclip", common + ["--out", annotated.path, "--labels", dataset.path, "--epochs", "1"])
        let info = try JSONSerialization.jsonObject(with: Data(contentsOf: annotated.appendingPathComponent("last.json"))) as! [String: Any]
        let trainClips = clips.filter { $0.split == .train }.count
        XCTAssertGreaterThan(trainClips, 0)
        XCTAssertGreaterThan((info["train_segments"] as? Int ?? info["trainSegments"] as? Int) ?? 0, 0)

        let resumed = root.appendingPathComponent("resumed")
        _ = try run("vimo-moclip", common + ["--out", resumed.path, "--stop-after", "2"])
        _ = try run("vimo-moclip", common + ["--out", resumed.path])
        for file in ["last.safetensors", "student.safetensors", "student.json"] {
            XCTAssertEqual(try Data(contentsOf: straight.appendingPathComponent(file)),
                           try Data(contentsOf: resumed.appendingPathComponent(file)), "\(file): resumed = uninterrupted")
        }

        let motion = root.appendingPathComponent("motion")
        _ = try run("vimo-moclip", ["embed", "--flow", flow.path, "--weights", straight.appendingPathComponent("student.safetensors").path,
                                    "--out", motion.path, "--quiet"])
        let flowIndex = try ShardIndex.build(directory: flow), motionIndex = try ShardIndex.build(directory: motion)
        XCTAssertEqual(motionIndex.items, clips.map(\.id).sorted())
        for id in motionIndex.items {
            let m = motionIndex[id]!, f = flowIndex[id]!
            XCTAssertEqual(m.rows.count, f.rows.count, "one motion embedding per flow row")
            XCTAssertEqual(try ShardReader(url: m.shard).frameIndex(rows: m.rows), try ShardReader(url: f.shard).frameIndex(rows: f.rows))
            guard case .embeddings(32) = try ShardReader(url: m.shard).payload else { return XCTFail("tiny embeddings are 32-d") }
        }
    }
}
